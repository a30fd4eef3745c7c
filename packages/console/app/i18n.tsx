import type { Locale } from "antd/es/locale";
import zhCN from "antd/locale/zh_CN";
import dayjs from "dayjs";
import "dayjs/locale/zh-cn";
import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from "react";
import * as base from "./words/base";
import * as broadcasts from "./words/broadcasts";
import * as churn from "./words/churn";
import * as groupCodes from "./words/groupCodes";
import * as moments from "./words/moments";
import * as transfers from "./words/transfers";

/**
 * The console's words, Chinese first; English is the toggle. Each page keeps its words in
 * `words/<page>.ts` (Chinese) and `words/<page>.en.ts` (the same keys), so pages never share a file
 * to add a word. The Chinese are in the first load; the English and antd's en_US locale are one
 * chunk (`words/en.ts`), loaded only when an operator switches to English.
 */
const zh = { ...base.zh, ...groupCodes.zh, ...moments.zh, ...churn.zh, ...broadcasts.zh, ...transfers.zh };

export type Words = { [K in keyof typeof zh]: string };

export type Lang = "zh" | "en";

interface Pack {
  words: Words;
  antdLocale: Locale;
}
const chinese: Pack = { words: zh, antdLocale: zhCN };
let english: Promise<Pack> | undefined;
const loadEnglish = () => (english ??= import("./words/en"));

const LangContext = createContext<{ lang: Lang; t: Words; antdLocale: Locale; setLang(l: Lang): void }>({ lang: "zh", t: zh, antdLocale: zhCN, setLang: () => {} });

export function LangProvider({ children }: { children: ReactNode }) {
  const [wanted, setWanted] = useState<Lang>(() => (localStorage.getItem("siyu.lang") === "en" ? "en" : "zh"));
  // the language shown: English once its chunk is here (Chinese meanwhile)
  const [shown, setShown] = useState<{ lang: Lang; pack: Pack }>({ lang: "zh", pack: chinese });
  useEffect(() => {
    let live = true;
    document.documentElement.lang = wanted === "en" ? "en" : "zh-CN";
    if (wanted === "zh") setShown({ lang: "zh", pack: chinese });
    else
      loadEnglish().then(
        (pack) => live && setShown({ lang: "en", pack }),
        () => {
          english = undefined; // offline for a moment: the next toggle tries again
        },
      );
    return () => {
      live = false;
    };
  }, [wanted]);
  // the date pickers' month and weekday names follow the console's language (antd's pickers use dayjs)
  dayjs.locale(shown.lang === "en" ? "en" : "zh-cn");
  const value = useMemo(
    () => ({
      lang: shown.lang,
      t: shown.pack.words,
      antdLocale: shown.pack.antdLocale,
      setLang(l: Lang) {
        localStorage.setItem("siyu.lang", l);
        setWanted(l);
      },
    }),
    [shown],
  );
  return <LangContext.Provider value={value}>{children}</LangContext.Provider>;
}

export const useLang = () => useContext(LangContext);
