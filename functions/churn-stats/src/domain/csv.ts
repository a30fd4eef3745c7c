/**
 * CSV exports (RFC 4180): CRLF line ends, every record the same number of fields, a field quoted
 * when it holds a comma, a double quote, CR or LF (quotes doubled). The header row is in Chinese by
 * default (the operators' language), English on request; both names of every column are listed in
 * docs/definitions.md. A UTF-8 byte-order mark is prepended by default so that Excel shows Chinese
 * correctly. Text cells that a spreadsheet would run as a formula (`= + - @`, tab, CR) get a leading `'`.
 * Rates are fractions with 4 decimals (`0.0125` = 1.25 %); an unknown rate is an empty cell.
 */
import { COHORT_HORIZONS, type GroupId, parseGroup } from "./counters.ts";
import type { GroupCohorts } from "./cohorts.ts";
import type { GroupBy } from "./query.ts";
import type { GroupSeries } from "./series.ts";

export type CsvLanguage = "zh" | "en";
import { type CsvCell, safeText, toCsv } from "@siyu/kernel";

export type { CsvCell };

export interface Column {
  key: string;
  zh: string;
  en: string;
}

/** Columns of the churn series export, in order (the group column only for groupBy staff/channel). */
export const CHURN_COLUMNS: readonly Column[] = [
  { key: "date", zh: "日期", en: "date" },
  { key: "group", zh: "分组", en: "group" },
  { key: "added", zh: "新增", en: "added" },
  { key: "lost", zh: "流失", en: "lost" },
  { key: "removed", zh: "删除", en: "removed" },
  { key: "transferredIn", zh: "转入", en: "transferredIn" },
  { key: "transferredOut", zh: "转出", en: "transferredOut" },
  { key: "net", zh: "净增", en: "net" },
  { key: "customersAtStart", zh: "日初客户数", en: "customersAtStart" },
  { key: "customersAtEnd", zh: "日末客户数", en: "customersAtEnd" },
  { key: "churnRate", zh: "流失率", en: "churnRate" },
];

/** Columns of the cohort export, in order. */
export const COHORT_COLUMNS: readonly Column[] = [
  { key: "date", zh: "添加日期", en: "date" },
  { key: "group", zh: "分组", en: "group" },
  { key: "size", zh: "新增客户数", en: "size" },
  { key: "retained1", zh: "次日留存数", en: "retained1" },
  { key: "retained7", zh: "7日留存数", en: "retained7" },
  { key: "retained30", zh: "30日留存数", en: "retained30" },
  { key: "rate1", zh: "次日留存率", en: "rate1" },
  { key: "rate7", zh: "7日留存率", en: "rate7" },
  { key: "rate30", zh: "30日留存率", en: "rate30" },
];

/** The group column's header per groupBy. */
export const GROUP_COLUMN: Record<Exclude<GroupBy, "day">, Column> = {
  staff: { key: "staff", zh: "员工", en: "staff" },
  channel: { key: "channel", zh: "渠道", en: "channel" },
};

// the RFC 4180 writer has one home, in the kernel
export { csvField, safeText, toCsv } from "@siyu/kernel";

export interface CsvOptions {
  language?: CsvLanguage;
  /** Display name of a group (staff name, channel name); default its id, `(无渠道)` / `(no channel)` for `channel:`. */
  label?: (group: GroupId) => string;
  bom?: boolean;
}

export function formatRate(value: number | null): string | null {
  return value === null ? null : value.toFixed(4);
}

function defaultLabel(group: GroupId, language: CsvLanguage): string {
  const g = parseGroup(group);
  switch (g.kind) {
    case "staff":
      return g.userId;
    case "channel":
      return g.channelId === "" ? (language === "zh" ? "(无渠道)" : "(no channel)") : g.channelId;
    case "corp":
      return language === "zh" ? "全企业" : "corp";
    case "relations":
      return language === "zh" ? "全部关系" : "relations";
  }
}

function header(columns: readonly Column[], groupBy: GroupBy, language: CsvLanguage): string[] {
  return columns
    .filter((c) => c.key !== "group" || groupBy !== "day")
    .map((c) => {
      const col = c.key === "group" && groupBy !== "day" ? GROUP_COLUMN[groupBy] : c;
      return col[language];
    });
}

/**
 * One record per group and day: the day, the group's label (no group column for `groupBy=day`), then
 * `cells` of the point.
 */
function groupedCsv<P extends { date: string }>(
  groups: readonly { group: GroupId; points: readonly P[] }[],
  columns: Parameters<typeof header>[0],
  groupBy: GroupBy,
  opts: CsvOptions,
  cells: (p: P) => CsvCell[],
): string {
  const language = opts.language ?? "zh";
  const label = (g: GroupId) => safeText(opts.label?.(g) ?? defaultLabel(g, language));
  const records: CsvCell[][] = [header(columns, groupBy, language)];
  for (const g of groups) {
    for (const p of g.points) records.push([p.date, ...(groupBy === "day" ? [] : [label(g.group)]), ...cells(p)]);
  }
  return toCsv(records, { bom: opts.bom });
}

/** The churn series export: one record per group and day. `groupBy=day` has no group column. */
export function churnSeriesCsv(series: readonly GroupSeries[], groupBy: GroupBy, opts: CsvOptions = {}): string {
  return groupedCsv(series, CHURN_COLUMNS, groupBy, opts, (p) => [
    p.added,
    p.lost,
    p.removed,
    p.transferredIn,
    p.transferredOut,
    p.net,
    p.customersAtStart,
    p.customersAtEnd,
    formatRate(p.churnRate),
  ]);
}

/** The cohort export: one record per group and cohort day; immature horizons are empty cells. */
export function cohortsCsv(cohorts: readonly GroupCohorts[], groupBy: GroupBy, opts: CsvOptions = {}): string {
  return groupedCsv(cohorts, COHORT_COLUMNS, groupBy, opts, (p) => [
    p.size,
    ...COHORT_HORIZONS.map((k) => p[`retained${k}`]),
    ...COHORT_HORIZONS.map((k) => formatRate(p[`rate${k}`])),
  ]);
}
