import { createContext, type ReactNode, useContext, useMemo, useState } from "react";
import * as broadcasts from "./words/broadcasts";
import * as churn from "./words/churn";
import * as groupCodes from "./words/groupCodes";
import * as moments from "./words/moments";

/**
 * The console's words, Chinese first; `en` is the toggle. The shell's and the first pages' words are
 * here; each later page keeps its own in `words/<page>.ts` (a `zh` object and an `en` of the same keys),
 * merged below, so pages never share a file to add a word.
 */
const base = {
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
  customers: "客户",
  tags: "标签",
  customer: "客户",
  channel: "渠道",
  tag: "标签",
  addedDate: "添加日期",
  addedAt: "添加时间",
  search: "查询",
  reset: "重置",
  detail: "详情",
  noCustomers: "暂无客户",
  customerDetail: "客户详情",
  relations: "跟进关系",
  timeline: "动态",
  noTimeline: "暂无动态",
  statusActive: "跟进中",
  statusLost: "已流失",
  statusRemoved: "已删除",
  statusTransferred: "已转接",
  tagGroup: "标签组",
  tagCount: "标签数",
  syncTags: "从企业微信同步",
  syncedTags: "同步完成：新增 {added}，删除 {removed}，改名 {renamed}，共 {total} 个标签",
  noTags: "暂无标签，可从企业微信同步",
  deletedTag: "（已删除的标签）",
  unconfirmed: "待确认",
  moreTimeline: "更多动态",
} as const;

const zh = { ...base, ...groupCodes.zh, ...moments.zh, ...churn.zh, ...broadcasts.zh };

export type Words = { [K in keyof typeof zh]: string };

const baseEn: { [K in keyof typeof base]: string } = {
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
  customers: "Customers",
  tags: "Tags",
  customer: "Customer",
  channel: "Channel",
  tag: "Tag",
  addedDate: "Added on",
  addedAt: "Added",
  search: "Search",
  reset: "Reset",
  detail: "Details",
  noCustomers: "No customers yet",
  customerDetail: "Customer",
  relations: "Relations",
  timeline: "Timeline",
  noTimeline: "Nothing yet",
  statusActive: "Active",
  statusLost: "Lost",
  statusRemoved: "Removed",
  statusTransferred: "Transferred",
  tagGroup: "Tag group",
  tagCount: "Tags",
  syncTags: "Sync from WeCom",
  syncedTags: "Synced: {added} added, {removed} removed, {renamed} renamed, {total} tags",
  noTags: "No tags yet: sync from WeCom",
  deletedTag: "(deleted tag)",
  unconfirmed: "Unconfirmed",
  moreTimeline: "More",
};

const en: Words = { ...baseEn, ...groupCodes.en, ...moments.en, ...churn.en, ...broadcasts.en };

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
