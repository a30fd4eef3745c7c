import { createContext, type ReactNode, useContext, useMemo, useState } from "react";

/** The console's words, Chinese first; `en` is the toggle. */
const zh = {
  appName: "思域 · 私域运营",
  home: "首页",
  channels: "渠道活码",
  churn: "流失统计",
  language: "English",
  todayAdded: "今日新增",
  todayLost: "今日流失",
  churnRate: "流失率",
  net: "净增",
  vsYesterday: "较昨日",
  recentDays: "近 14 天",
  added: "新增",
  lost: "流失",
  loading: "加载中…",
  empty: "暂无数据",
  loadFailed: "加载失败",
  retry: "重试",
  create: "新建渠道活码",
  name: "名称",
  staff: "接待员工",
  staffHint: "输入员工 userId 后回车",
  rotation: "分配方式",
  status: "状态",
  active: "使用中",
  archived: "已停用",
  createdAt: "创建时间",
  actions: "操作",
  archive: "停用",
  archiveConfirm: "停用后二维码失效，确定停用？",
  qr: "二维码",
  submit: "提交",
  cancel: "取消",
  created: "已创建",
  archivedOk: "已停用",
  nextPage: "下一页",
  firstPage: "第一页",
  noChannels: "还没有渠道活码",
  all: "全部",
  requestFailed: "请求未成功",
} as const;

export type Words = { [K in keyof typeof zh]: string };

const en: Words = {
  appName: "Siyu · Customer operations",
  home: "Home",
  channels: "Channel codes",
  churn: "Churn",
  language: "中文",
  todayAdded: "Added today",
  todayLost: "Lost today",
  churnRate: "Churn rate",
  net: "Net",
  vsYesterday: "vs yesterday",
  recentDays: "Last 14 days",
  added: "Added",
  lost: "Lost",
  loading: "Loading…",
  empty: "No data",
  loadFailed: "Could not load",
  retry: "Retry",
  create: "New channel code",
  name: "Name",
  staff: "Staff",
  staffHint: "Type a staff userId and press Enter",
  rotation: "Rotation",
  status: "Status",
  active: "Active",
  archived: "Archived",
  createdAt: "Created",
  actions: "Actions",
  archive: "Archive",
  archiveConfirm: "The QR code stops working. Archive?",
  qr: "QR",
  submit: "Submit",
  cancel: "Cancel",
  created: "Created",
  archivedOk: "Archived",
  nextPage: "Next page",
  firstPage: "First page",
  noChannels: "No channel codes yet",
  all: "All",
  requestFailed: "The request did not succeed",
};

export type Lang = "zh" | "en";

const LangContext = createContext<{ lang: Lang; t: Words; setLang(l: Lang): void }>({ lang: "zh", t: zh, setLang: () => {} });

export function LangProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => (localStorage.getItem("siyu.lang") === "en" ? "en" : "zh"));
  const value = useMemo(
    () => ({
      lang,
      t: lang === "en" ? en : zh,
      setLang(l: Lang) {
        localStorage.setItem("siyu.lang", l);
        document.documentElement.lang = l === "en" ? "en" : "zh-CN";
        setLangState(l);
      },
    }),
    [lang],
  );
  return <LangContext.Provider value={value}>{children}</LangContext.Provider>;
}

export const useLang = () => useContext(LangContext);
