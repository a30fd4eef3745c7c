/**
 * Cohort retention: of the customers added on day D, the share still connected at the end of day
 * D+1, D+7 and D+30 (corp timezone).
 *
 * Members:
 * - staff / channel / `relations` cohorts: relation episodes started by `added` (not by a transfer,
 *   not baseline) on day D, under the adding staff member and the episode's channel;
 * - `corp` cohort: customers who became connected to the corp (0 → 1 active relations) by an `added`
 *   on day D (a new customer, or a returning one).
 *
 * A member is retained at k when its **survival end** is on a day after D+k, or it has none.
 * A relation member survives a transfer: its survival end follows the customer to the taker's
 * relation (and on through further transfers) up to the first loss or removal. A corp member's
 * survival end is the end of its customer episode.
 *
 * Incremental maintenance: a member is counted as retained at every horizon when it is added
 * (`size +1`, `retained1/7/30 +1`); when its survival end on day E becomes known, `retained_k −1`
 * for every k with E ≤ D+k. `deltas.ts` gets exactly these increments (and their compensations for
 * late facts) by diffing the customer's figures. Because counts at k are final only once day D+k
 * has passed, the read model reports a horizon only for mature cohorts (`isMature`).
 */
import { addDays, dayRange, daysBetween } from "@siyu/kernel";
import {
  COHORT_HORIZONS,
  type CohortCounters,
  type CohortHorizon,
  type CohortRow,
  CORP_GROUP,
  channelGroup,
  type FigureSheet,
  type GroupId,
  RELATIONS_GROUP,
  retainedField,
  staffGroup,
} from "./counters.ts";
import type { CustomerEpisode, CustomerHistory, Episode } from "./episodes.ts";
import { dayOf, type Fact } from "./facts.ts";

/**
 * The first loss or removal ending a relation episode, following transfers: an episode ended by
 * `transferred_out` continues in the taker's episode that is connected at that moment. `null` =
 * still connected. If the taker's relation is not connected (inconsistent data) the transfer ends it.
 */
export function survivalEnd(episode: Episode, episodes: readonly Episode[]): Fact | null {
  let current = episode;
  for (let hops = 0; hops <= episodes.length; hops++) {
    const end = current.end;
    if (!end) return null;
    if (end.kind !== "transferred_out" || end.counterpartUserId === undefined) return end;
    const at = current.endIndex;
    const next = episodes.find(
      (e) => e.userId === end.counterpartUserId && e.startIndex < at && e.endIndex > at,
    );
    if (!next) return end;
    current = next;
  }
  return current.end;
}

/** Whether a member added on `cohortDay` whose survival ended on `endDay` (null: not ended) is retained at k. */
export function isRetained(cohortDay: string, endDay: string | null, k: number): boolean {
  return endDay === null || endDay > addDays(cohortDay, k);
}

function countMember(sheet: FigureSheet, day: string, groups: readonly GroupId[], endDay: string | null): void {
  const retained = COHORT_HORIZONS.filter((k) => isRetained(day, endDay, k));
  for (const group of groups) {
    sheet.cohort(day, group, "size");
    for (const k of retained) sheet.cohort(day, group, retainedField(k));
  }
}

/** Add one customer's cohort contributions to `sheet` (used by `deltas.customerFigures`). */
export function addCohortContributions(
  sheet: FigureSheet,
  history: CustomerHistory,
  customer: readonly CustomerEpisode[],
  timeZone: string,
): void {
  for (const ep of history.episodes) {
    if (ep.start?.kind !== "added") continue;
    const end = survivalEnd(ep, history.episodes);
    const groups = [staffGroup(ep.userId), channelGroup(ep.channelId), RELATIONS_GROUP];
    countMember(sheet, dayOf(ep.start.at, timeZone), groups, end ? dayOf(end.at, timeZone) : null);
  }
  for (const ep of customer) {
    if (ep.start?.kind !== "added") continue;
    countMember(sheet, dayOf(ep.start.at, timeZone), [CORP_GROUP], ep.end ? dayOf(ep.end.at, timeZone) : null);
  }
}

/** A horizon is known once day D+k is over, i.e. D+k is before `asOfDay` (today, corp timezone). */
export function isMature(cohortDay: string, k: number, asOfDay: string): boolean {
  return daysBetween(addDays(cohortDay, k), asOfDay) > 0;
}

export interface CohortPoint {
  date: string;
  size: number;
  /** `null` until the horizon is mature. */
  retained1: number | null;
  retained7: number | null;
  retained30: number | null;
  /** retained ÷ size; `null` until mature or when the cohort is empty. */
  rate1: number | null;
  rate7: number | null;
  rate30: number | null;
}

export interface CohortTotals {
  /** All members of the cohorts in the range. */
  size: number;
  /** Per horizon, over mature cohorts only: members, retained members, and the rate. */
  eligible1: number;
  eligible7: number;
  eligible30: number;
  retained1: number;
  retained7: number;
  retained30: number;
  rate1: number | null;
  rate7: number | null;
  rate30: number | null;
}

export interface GroupCohorts {
  group: GroupId;
  points: CohortPoint[];
  totals: CohortTotals;
}

const ratio = (n: number, d: number) => (d > 0 ? n / d : null);

/**
 * The cohort table for `from..to` (every day present, empty cohorts as zeros) from stored cohort rows.
 * `rows` may hold other days and groups; they are ignored. `asOfDay` is today in the corp timezone.
 */
export function buildCohorts(input: {
  from: string;
  to: string;
  groups: readonly GroupId[];
  rows: readonly CohortRow[];
  asOfDay: string;
}): GroupCohorts[] {
  const { from, to, asOfDay } = input;
  const byCell = new Map<string, CohortCounters>();
  for (const r of input.rows) byCell.set(`${r.day} ${r.group}`, r);
  const days = dayRange(from, to);
  return input.groups.map((group) => {
    const totals: CohortTotals = {
      size: 0,
      eligible1: 0,
      eligible7: 0,
      eligible30: 0,
      retained1: 0,
      retained7: 0,
      retained30: 0,
      rate1: null,
      rate7: null,
      rate30: null,
    };
    const points = days.map((date) => {
      const c = byCell.get(`${date} ${group}`);
      const size = c?.size ?? 0;
      totals.size += size;
      const point: CohortPoint = { date, size, retained1: null, retained7: null, retained30: null, rate1: null, rate7: null, rate30: null };
      for (const k of COHORT_HORIZONS) {
        if (!isMature(date, k, asOfDay)) continue;
        const retained = c ? c[retainedField(k)] : 0;
        setHorizon(point, k, retained, ratio(retained, size));
        totals[`eligible${k}`] += size;
        totals[`retained${k}`] += retained;
      }
      return point;
    });
    for (const k of COHORT_HORIZONS) totals[`rate${k}`] = ratio(totals[`retained${k}`], totals[`eligible${k}`]);
    return { group, points, totals };
  });
}

function setHorizon(p: CohortPoint, k: CohortHorizon, retained: number, rate: number | null): void {
  p[`retained${k}`] = retained;
  p[`rate${k}`] = rate;
}
