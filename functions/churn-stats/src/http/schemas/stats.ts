/** The JSON answers of `GET /v1/stats/churn` and `GET /v1/stats/cohorts` (the CSV forms are `text/csv`). */
import * as z from "zod";
import { COHORT_HORIZONS, GROUP_BY } from "../../domain/index.ts";
import { count, day, rate } from "./common.ts";

/** A counter group, as `describe` spells it out next to its id (`staff:liming` → `staff`, `liming`). */
const groupFields = {
  group: z.string().meta({ description: "The counter group: `corp`, `relations`, `staff:<userId>` or `channel:<channelId>` (`channel:` = no channel)" }),
  kind: z.enum(["corp", "relations", "staff", "channel"]),
  id: z.string().nullable().meta({ description: "The staff member's userId or the channel's id (`\"\"` = no channel); null for corp and relations" }),
};

/** What both stats answers start with: the range asked for and the timezone its days are in. */
const rangeFields = {
  from: day(),
  to: day(),
  groupBy: z.enum(GROUP_BY),
  timeZone: z.string().meta({ description: "The corp's IANA timezone, e.g. Asia/Shanghai: the days are its days" }),
};

const nextCursor = z.string().optional().meta({ description: "The next page of groups (groupBy staff or channel); absent on the last page" });

/** The flows of a day or a range (`SeriesPoint`, `SeriesTotals`). */
const flowFields = {
  added: count(),
  lost: count(),
  removed: count(),
  transferredIn: count(),
  transferredOut: count(),
  net: count("added − lost − removed (transfers excluded)"),
};

export const seriesPointSchema = z.object({
  date: day(),
  ...flowFields,
  customersAtStart: count("Customers (relations for staff and channel groups) connected at the start of the day"),
  customersAtEnd: count("Connected at the end of the day"),
  churnRate: rate("lost ÷ customersAtStart; null when customersAtStart ≤ 0"),
});

export const seriesTotalsSchema = z.object({
  ...flowFields,
  customersAtStart: count("Connected at the start of `from`"),
  customersAtEnd: count("Connected at the end of `to`"),
  churnRate: rate("lost ÷ (customersAtStart + added + transferredIn); null when that is 0"),
});

export const churnSeriesSchema = z.object({ ...groupFields, points: z.array(seriesPointSchema), totals: seriesTotalsSchema });

export const churnAnswerSchema = z.object({
  ...rangeFields,
  series: z.array(churnSeriesSchema).meta({ description: "One series per group, every day of the range present (zeros included)" }),
  nextCursor,
});

const retained = (k: number) => z.number().int().nullable().meta({ description: `Members still connected at the end of day D+${k}; null until that day is over` });
const cohortRate = (k: number) => rate(`retained${k} ÷ size; null until day D+${k} is over or when the cohort is empty`);

export const cohortPointSchema = z.object({
  date: day("The cohort day D (the day its members were added), corp timezone"),
  size: count(),
  retained1: retained(1),
  retained7: retained(7),
  retained30: retained(30),
  rate1: cohortRate(1),
  rate7: cohortRate(7),
  rate30: cohortRate(30),
});

const eligible = (k: number) => count(`Members of the cohorts whose day D+${k} is over`);
const retainedTotal = (k: number) => count(`Of those, retained at D+${k}`);
const totalRate = (k: number) => rate(`retained${k} ÷ eligible${k}; null when eligible${k} is 0`);

export const cohortTotalsSchema = z.object({
  size: count("All members of the cohorts in the range"),
  eligible1: eligible(1),
  eligible7: eligible(7),
  eligible30: eligible(30),
  retained1: retainedTotal(1),
  retained7: retainedTotal(7),
  retained30: retainedTotal(30),
  rate1: totalRate(1),
  rate7: totalRate(7),
  rate30: totalRate(30),
});

export const groupCohortsSchema = z.object({ ...groupFields, points: z.array(cohortPointSchema), totals: cohortTotalsSchema });

export const cohortsAnswerSchema = z.object({
  ...rangeFields,
  asOfDay: day("Today in the corp timezone: a horizon is reported once D+k is before it"),
  horizons: z.array(z.literal(COHORT_HORIZONS)).meta({ description: "The retention horizons, in days after the cohort day" }),
  cohorts: z.array(groupCohortsSchema).meta({ description: "One cohort table per group, every day of the range present (empty cohorts as zeros)" }),
  nextCursor,
});
