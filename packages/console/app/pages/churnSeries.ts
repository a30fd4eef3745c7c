import type { ChurnAnswer, ChurnPoint, ChurnSeries, CohortAnswer, Reconciliation, StatsFilter } from "../api/churn";
import { api } from "../api/client";
import { unwrap } from "../api/problem";
import { addDays, corpToday } from "../days";

/** A page of groups (`groupBy=staff|channel`): the API's `limit` and the cursor it answered. */
export interface GroupPage {
  limit?: number;
  cursor?: string;
}

/** The corp's daily figures for the last `days` days (today included). */
export async function corpDays(days: number): Promise<ChurnAnswer> {
  const to = corpToday();
  return churnSeries({ from: addDays(to, -(days - 1)), to, groupBy: "day" });
}

/** `GET /v1/stats/churn` for the filters (and, when grouped, one page of groups). */
export async function churnSeries(f: StatsFilter, page: GroupPage = {}): Promise<ChurnAnswer> {
  const r = await api.GET("/v1/stats/churn", { params: { query: { ...f, ...page } } });
  return unwrap(r);
}

/** `GET /v1/stats/cohorts` for the filters (and, when grouped, one page of groups). */
export async function cohortSeries(f: StatsFilter, page: GroupPage = {}): Promise<CohortAnswer> {
  const r = await api.GET("/v1/stats/cohorts", { params: { query: { ...f, ...page } } });
  return unwrap(r);
}

/** The stored reconciliation of a day, or `null` when none has run for it (the API's 404). */
export async function reconciliationOf(date: string): Promise<Reconciliation | null> {
  const r = await api.GET("/v1/stats/reconciliation", { params: { query: { date } } });
  if (r.response.status === 404) return null;
  return unwrap(r);
}

/** Yesterday and today of a group's two-day series (the last two points), for 首页's comparisons. */
export function todayVsYesterday(s: ChurnSeries): { today: ChurnPoint; yesterday: ChurnPoint | undefined } {
  return { today: s.points[s.points.length - 1]!, yesterday: s.points[s.points.length - 2] };
}

/** Groups per page of a CSV export: the API's maximum, so a large corp takes few requests. */
const CSV_PAGE = 500;

/**
 * The API's CSV for the filters, every page of groups joined (each page repeats the header; the next
 * page's cursor is in `x-next-cursor`), saved as a file. The request carries the client's bearer
 * token; the file is a Blob, so no token ever sits in a URL. Returns the file name.
 */
export async function downloadCsv(what: "churn" | "cohorts", f: StatsFilter, lang: "zh" | "en"): Promise<string> {
  const pages: string[] = [];
  let cursor: string | undefined;
  let name = `${what}-${f.from}-${f.to}.csv`;
  do {
    const options = { params: { query: { ...f, lang, cursor, ...(f.groupBy === "day" ? {} : { limit: CSV_PAGE }) } }, headers: { accept: "text/csv" }, parseAs: "text" as const };
    const r = what === "churn" ? await api.GET("/v1/stats/churn", options) : await api.GET("/v1/stats/cohorts", options);
    // Response.text() already dropped the byte-order mark; later pages also drop their header row
    const text = unwrap(r);
    pages.push(pages.length === 0 ? text : text.slice(text.indexOf("\r\n") + 2));
    name = /filename="([^"]+)"/.exec(r.response.headers.get("content-disposition") ?? "")?.[1] ?? name;
    cursor = r.response.headers.get("x-next-cursor") ?? undefined;
  } while (cursor);
  // the byte-order mark again: Excel shows Chinese correctly only with it
  save(new Blob(["\uFEFF", ...pages], { type: "text/csv;charset=utf-8" }), name);
  return name;
}

function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
