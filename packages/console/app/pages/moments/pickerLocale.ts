/**
 * antd's zh_CN picker words with the weekday and month names the pickers would otherwise take from
 * dayjs's locale (English: the console loads no dayjs locale), for the calendar and the date pickers.
 */
import type { Calendar, DatePicker } from "antd";
// the ES module: in this lazy chunk the bundler wraps antd/locale/zh_CN (CommonJS) so `.Calendar` is not on its default
import zhCN from "antd/es/locale/zh_CN";
import type React from "react";
import { useLang } from "../../i18n";

const names = { shortWeekDays: ["日", "一", "二", "三", "四", "五", "六"], shortMonths: Array.from({ length: 12 }, (_, i) => `${i + 1}月`) };
const withNames = <T extends { lang?: object } | undefined>(l: T) => l && { ...l, lang: { ...l.lang, ...names } };

const calendar = withNames(zhCN.Calendar) as React.ComponentProps<typeof Calendar>["locale"];
const picker = withNames(zhCN.DatePicker) as React.ComponentProps<typeof DatePicker>["locale"];

/** `{ locale }` props for a Calendar / DatePicker in Chinese; none in English (dayjs's default is English). */
export function usePickerLocale() {
  const { lang } = useLang();
  return lang === "zh" ? { calendar: calendar ? { locale: calendar } : {}, picker: picker ? { locale: picker } : {} } : { calendar: {}, picker: {} };
}
