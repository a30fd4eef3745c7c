/**
 * Admin read API: `GET /v1/stats/churn`, `GET /v1/stats/cohorts` (JSON, or CSV with `Accept: text/csv`),
 * `GET /v1/stats/reconciliation`. Thin: parse (zod for the shape, the domain's `parseStatsQuery` for
 * the rules, broken ones reported as field errors) → one use case → shape the response.
 */
import { corpDay, isDay, notFound } from "@siyu/kernel";
import { type HttpRequest, type HttpResult, route } from "@siyu/lambda-kit";
import * as z from "zod";
import { type ReadContext, readChurnSeries, readCohorts, type StatsQuery } from "../app/query.ts";
import { storedReconciliation } from "../app/reconcile.ts";
import {
  COHORT_HORIZONS,
  churnSeriesCsv,
  cohortsCsv,
  type CsvLanguage,
  type GroupBy,
  type GroupId,
  MAX_GROUP_LIMIT,
  type ParsedGroup,
  parseGroup,
  parseStatsQuery,
} from "../domain/index.ts";
import { domainRules } from "./problems.ts";
import { reconciliationSchema } from "./schemas/reconciliation.ts";
import { churnAnswerSchema, cohortsAnswerSchema } from "./schemas/stats.ts";

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
  .superRefine(domainRules(parseStatsQuery))
  // only reached once every rule holds, so the parse cannot fail here
  .transform(({ lang, ...q }) => ({ ...parseStatsQuery(q), lang: (lang ?? "zh") as CsvLanguage }));

type ParsedQuery = z.output<typeof statsQuerySchema>;

function wantsCsv(req: HttpRequest<unknown, unknown, unknown>): boolean {
  return (req.headers.accept ?? "").toLowerCase().split(",").some((t) => t.trim().startsWith("text/csv"));
}

function context(req: HttpRequest<unknown, unknown, unknown>): ReadContext {
  return { table: req.config.table, today: corpDay(req.clock.now(), req.config.timeZone) };
}

/** The use case's query: the parsed one without the response's language. */
const statsQuery = ({ lang: _lang, ...q }: ParsedQuery): StatsQuery => q;

/** `staff:liming` → `{ kind: "staff", id: "liming" }`. */
function describe(group: GroupId): { kind: ParsedGroup["kind"]; id: string | null } {
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
const rangeOf = (q: { from: string; to: string; groupBy: GroupBy }, timeZone: string) => ({ from: q.from, to: q.to, groupBy: q.groupBy, timeZone });

const csvNote = "With `Accept: text/csv` the same figures come as a CSV file (text/csv, UTF-8 with a byte-order mark; `lang=zh|en` for the headers), the next page's cursor in the `x-next-cursor` header.";

export const getChurn = route(
  {
    query: statsQuerySchema,
    doc: {
      summary: "Churn series: per day, the flows, customers at the start and end, and the churn rate, per group",
      description: `groupBy=day: the corp; staff / channel: a page of groups (or the one a filter names). ${csvNote}`,
      response: { description: "The series of the range (JSON form)", schema: churnAnswerSchema },
    },
  },
  async (req) => {
    const q = req.query;
    const { series, nextCursor } = await readChurnSeries(context(req), statsQuery(q));
    if (wantsCsv(req)) return csvResult(churnSeriesCsv(series, q.groupBy, { language: q.lang }), "churn", q, nextCursor);
    return {
      status: 200,
      body: {
        ...rangeOf(q, req.config.timeZone),
        series: series.map((s) => ({ group: s.group, ...describe(s.group), points: s.points, totals: s.totals })),
        ...(nextCursor ? { nextCursor } : {}),
      } satisfies z.infer<typeof churnAnswerSchema>,
    };
  },
);

export const getCohorts = route(
  {
    query: statsQuerySchema,
    doc: {
      summary: "Cohort retention: of the customers added each day, how many were still connected at D+1, D+7 and D+30",
      description: `A horizon is null until its day is over. ${csvNote}`,
      response: { description: "The cohort tables of the range (JSON form)", schema: cohortsAnswerSchema },
    },
  },
  async (req) => {
    const q = req.query;
    const ctx = context(req);
    const { cohorts, nextCursor } = await readCohorts(ctx, statsQuery(q));
    if (wantsCsv(req)) return csvResult(cohortsCsv(cohorts, q.groupBy, { language: q.lang }), "cohorts", q, nextCursor);
    return {
      status: 200,
      body: {
        ...rangeOf(q, req.config.timeZone),
        asOfDay: ctx.today,
        horizons: [...COHORT_HORIZONS],
        cohorts: cohorts.map((c) => ({ group: c.group, ...describe(c.group), points: c.points, totals: c.totals })),
        ...(nextCursor ? { nextCursor } : {}),
      } satisfies z.infer<typeof cohortsAnswerSchema>,
    };
  },
);

const reconciliationQuery = z.object({
  date: z.string().refine(isDay, "must be a calendar day YYYY-MM-DD"),
});

export const getReconciliation = route(
  {
    query: reconciliationQuery,
    doc: {
      summary: "The stored reconciliation of a day: WeCom's statistics per staff member next to Siyu's counters (404 when none has run)",
      response: { description: "The day's reconciliation", schema: reconciliationSchema },
    },
  },
  async (req) => {
    const found = await storedReconciliation({ table: req.config.table }, req.query.date);
    if (!found) throw notFound(`no reconciliation has run for ${req.query.date}`);
    return { status: 200, body: found satisfies z.infer<typeof reconciliationSchema> };
  },
);
