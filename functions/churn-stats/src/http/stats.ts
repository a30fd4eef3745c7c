/**
 * Admin read API: `GET /v1/stats/churn`, `GET /v1/stats/cohorts` (JSON, or CSV with `Accept: text/csv`),
 * `GET /v1/stats/reconciliation`. Thin: validate (zod, with the domain's range rules) → read → shape.
 */
import { AppError, corpDay, dayRange, isDay, notFound } from "@siyu/kernel";
import { type HttpRequest, type HttpResult, route } from "@siyu/lambda-kit";
import { z } from "zod";
import { type ReadContext, readChurnSeries, readCohorts, type StatsQuery } from "../app/query.ts";
import { churnSeriesCsv, cohortsCsv, type CsvLanguage, type GroupBy, type GroupId, parseGroup, parseSeriesQuery } from "../domain/index.ts";
import { readReconciliation } from "../store/recon.ts";

/** Cells (days × groups) one response may hold: keeps a JSON page well under Lambda's 6 MB. */
export const MAX_CELLS = 20_000;
export const DEFAULT_GROUP_LIMIT = 50;
export const MAX_GROUP_LIMIT = 500;

const statsQuerySchema = z
  .object({
    from: z.string().optional(),
    to: z.string().optional(),
    groupBy: z.string().optional(),
    userId: z.string().min(1).max(64).optional(),
    channelId: z.string().max(64).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_GROUP_LIMIT).optional(),
    cursor: z.string().max(2048).optional(),
    lang: z.enum(["zh", "en"]).optional(),
  })
  .superRefine((q, ctx) => {
    let groupBy: GroupBy | undefined;
    let days = 0;
    try {
      const parsed = parseSeriesQuery(q);
      groupBy = parsed.groupBy;
      days = dayRange(parsed.from, parsed.to).length;
    } catch (error) {
      if (!(error instanceof AppError) || !error.errors) throw error;
      for (const issue of error.errors) ctx.addIssue({ code: "custom", path: [issue.path], message: issue.message });
    }
    if (q.userId !== undefined && q.channelId !== undefined) {
      ctx.addIssue({ code: "custom", path: ["channelId"], message: "filter by userId or by channelId, not both" });
    }
    if (groupBy === "channel" && q.userId !== undefined) {
      ctx.addIssue({ code: "custom", path: ["userId"], message: "is not available with groupBy=channel (counters are per staff or per channel, not both)" });
    }
    if (groupBy === "staff" && q.channelId !== undefined) {
      ctx.addIssue({ code: "custom", path: ["channelId"], message: "is not available with groupBy=staff (counters are per staff or per channel, not both)" });
    }
    const single = groupBy === "day" || q.userId !== undefined || q.channelId !== undefined;
    const groups = single ? 1 : (q.limit ?? DEFAULT_GROUP_LIMIT);
    if (days > 0 && days * groups > MAX_CELLS) {
      ctx.addIssue({
        code: "custom",
        path: ["limit"],
        message: `${days} days × ${groups} groups is more than ${MAX_CELLS} cells per page; lower limit to at most ${Math.max(1, Math.floor(MAX_CELLS / days))}`,
      });
    }
  })
  .transform((q) => ({
    from: q.from as string,
    to: q.to as string,
    groupBy: (q.groupBy ?? "day") as GroupBy,
    userId: q.userId,
    channelId: q.channelId,
    limit: q.limit ?? DEFAULT_GROUP_LIMIT,
    cursor: q.cursor,
    lang: (q.lang ?? "zh") as CsvLanguage,
  }));

type ParsedQuery = z.output<typeof statsQuerySchema>;

function wantsCsv(req: HttpRequest<unknown, unknown, unknown>): boolean {
  return (req.headers.accept ?? "").toLowerCase().split(",").some((t) => t.trim().startsWith("text/csv"));
}

function context(req: HttpRequest<unknown, unknown, unknown>): ReadContext {
  return { table: req.config.table, today: corpDay(req.clock.now(), req.config.timezone) };
}

function toStatsQuery(q: ParsedQuery): StatsQuery {
  return { from: q.from, to: q.to, groupBy: q.groupBy, userId: q.userId, channelId: q.channelId, limit: q.limit, cursor: q.cursor };
}

/** `staff:liming` → `{ kind: "staff", id: "liming" }`. */
function describe(group: GroupId): { kind: string; id: string | null } {
  const g = parseGroup(group);
  if (g.kind === "staff") return { kind: g.kind, id: g.userId };
  if (g.kind === "channel") return { kind: g.kind, id: g.channelId };
  return { kind: g.kind, id: null };
}

function csvResult(text: string, name: string, q: ParsedQuery, nextCursor: string | undefined): HttpResult {
  const headers: Record<string, string> = { "content-disposition": `attachment; filename="${name}-${q.from}-${q.to}.csv"` };
  if (nextCursor) headers["x-next-cursor"] = nextCursor;
  return { status: 200, text, contentType: "text/csv; charset=utf-8", headers };
}

/** What both stats responses start with: the range asked for and the timezone its days are in. */
const rangeOf = (q: { from: string; to: string; groupBy: string }, timeZone: string) => ({ from: q.from, to: q.to, groupBy: q.groupBy, timeZone });

export const getChurn = route({ query: statsQuerySchema }, async (req) => {
  const q = req.query;
  const { series, nextCursor } = await readChurnSeries(context(req), toStatsQuery(q));
  if (wantsCsv(req)) return csvResult(churnSeriesCsv(series, q.groupBy, { language: q.lang }), "churn", q, nextCursor);
  return {
    status: 200,
    body: {
      ...rangeOf(q, req.config.timezone),
      series: series.map((s) => ({ group: s.group, ...describe(s.group), points: s.points, totals: s.totals })),
      ...(nextCursor ? { nextCursor } : {}),
    },
  };
});

export const getCohorts = route({ query: statsQuerySchema }, async (req) => {
  const q = req.query;
  const ctx = context(req);
  const { cohorts, nextCursor } = await readCohorts(ctx, toStatsQuery(q));
  if (wantsCsv(req)) return csvResult(cohortsCsv(cohorts, q.groupBy, { language: q.lang }), "cohorts", q, nextCursor);
  return {
    status: 200,
    body: {
      ...rangeOf(q, req.config.timezone),
      asOfDay: ctx.today,
      horizons: [1, 7, 30],
      cohorts: cohorts.map((c) => ({ group: c.group, ...describe(c.group), points: c.points, totals: c.totals })),
      ...(nextCursor ? { nextCursor } : {}),
    },
  };
});

const reconciliationQuery = z.object({
  date: z.string().refine(isDay, "must be a calendar day YYYY-MM-DD"),
});

export const getReconciliation = route({ query: reconciliationQuery }, async (req) => {
  const found = await readReconciliation(req.config.table, req.query.date);
  if (!found) throw notFound(`no reconciliation has run for ${req.query.date}`);
  return { status: 200, body: found };
});
