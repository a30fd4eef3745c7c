/**
 * The subset of EventBridge Scheduler cron expressions Siyu accepts for recurring broadcasts, read in
 * the corp's timezone (EventBridge Scheduler evaluates a cron in the schedule's `ScheduleExpressionTimezone`,
 * which the infra sets to the corp timezone, so this file and AWS agree on every instant).
 *
 * Six fields: `minutes hours day-of-month month day-of-week year`, bare or as `cron(...)`.
 * Each field takes `*`, values, ranges `a-b`, steps `*\/n` `a/n` `a-b/n` and lists `a,b`; months
 * `JAN`–`DEC`, weekdays `SUN`–`SAT` (1 = Sunday … 7 = Saturday, as in EventBridge). Exactly one of
 * day-of-month and day-of-week is `?`. EventBridge's `L`, `W` and `#` are refused with a message
 * rather than half supported.
 */
import { addDays, corpDay, corpTime, zonedParts } from "@siyu/kernel";

export interface Cron {
  /** The expression as given, without the `cron(...)` wrapper. */
  source: string;
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  /** Undefined for `?`. */
  daysOfMonth: ReadonlySet<number> | undefined;
  months: ReadonlySet<number>;
  /** 1 = Sunday … 7 = Saturday; undefined for `?`. */
  daysOfWeek: ReadonlySet<number> | undefined;
  years: ReadonlySet<number>;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  question?: boolean;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] as const;
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;
const FIELDS: readonly FieldSpec[] = [
  { name: "minutes", min: 0, max: 59 },
  { name: "hours", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31, question: true },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day-of-week", min: 1, max: 7, names: WEEKDAYS, question: true },
  { name: "year", min: 1970, max: 2199 },
];

function value(text: string, spec: FieldSpec): number {
  const byName = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (byName >= 0) return byName + 1;
  if (!/^\d+$/.test(text)) throw new Error(`${spec.name}: "${text}" is not a value`);
  const n = Number(text);
  if (n < spec.min || n > spec.max) throw new Error(`${spec.name}: ${n} is outside ${spec.min}–${spec.max}`);
  return n;
}

function field(text: string, spec: FieldSpec): Set<number> | undefined {
  if (text === "?") {
    if (!spec.question) throw new Error(`${spec.name}: "?" is only for day-of-month or day-of-week`);
    return undefined;
  }
  if (/[LW#]/i.test(text.replace(/[A-Z]{3}/gi, (w) => (spec.names?.includes(w.toUpperCase()) ? "" : w)))) {
    throw new Error(`${spec.name}: L, W and # are not supported`);
  }
  const out = new Set<number>();
  for (const item of text.split(",")) {
    const [range = "", stepText, extra] = item.split("/");
    if (extra !== undefined) throw new Error(`${spec.name}: "${item}" has two steps`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1 || (stepText !== undefined && !/^\d+$/.test(stepText))) {
      throw new Error(`${spec.name}: step "${stepText}" is not a positive whole number`);
    }
    let lo: number;
    let hi: number;
    if (range === "*") [lo, hi] = [spec.min, spec.max];
    else if (range.includes("-")) {
      const [a = "", b = "", more] = range.split("-");
      if (more !== undefined) throw new Error(`${spec.name}: "${range}" is not a range`);
      [lo, hi] = [value(a, spec), value(b, spec)];
      if (lo > hi) throw new Error(`${spec.name}: range ${range} runs backwards`);
    } else {
      lo = value(range, spec);
      hi = stepText === undefined ? lo : spec.max;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/** Parse an EventBridge-style cron; throws an `Error` whose message names the bad field. */
export function parseCron(expression: string): Cron {
  const source = expression.trim().replace(/^cron\((.*)\)$/s, "$1").trim();
  const parts = source.split(/\s+/);
  if (parts.length !== 6) throw new Error(`a cron has 6 fields (minutes hours day-of-month month day-of-week year), got ${parts.length}`);
  const [minutes, hours, daysOfMonth, months, daysOfWeek, years] = parts.map((p, i) => field(p, FIELDS[i]!));
  if ((daysOfMonth === undefined) === (daysOfWeek === undefined)) {
    throw new Error('exactly one of day-of-month and day-of-week must be "?"');
  }
  return { source, minutes: minutes!, hours: hours!, daysOfMonth, months: months!, daysOfWeek, years: years! };
}

const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** 1 = Sunday … 7 = Saturday, for a calendar day. */
function weekdayOf(day: string): number {
  return new Date(`${day}T00:00:00.000Z`).getUTCDay() + 1;
}

function dayMatches(cron: Cron, day: string): boolean {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  if (!cron.years.has(y) || !cron.months.has(m)) return false;
  return cron.daysOfMonth ? cron.daysOfMonth.has(d) : cron.daysOfWeek!.has(weekdayOf(day));
}

/** Whether an instant is one the cron fires at in the timezone (to the minute, second 0). */
export function cronMatches(cron: Cron, instant: Date, timeZone: string): boolean {
  if (instant.getTime() % 60_000 !== 0) return false;
  const p = zonedParts(instant, timeZone);
  return dayMatches(cron, corpDay(instant, timeZone)) && cron.hours.has(p.hour) && cron.minutes.has(p.minute);
}

const sorted = (s: ReadonlySet<number>) => [...s].sort((a, b) => a - b);

/**
 * The earliest instant showing wall time `h:m` on `day` in the zone. A fall-back change repeats an hour
 * (30 minutes in a few zones), and the run fires at the first occurrence; `corpTime` may answer the later.
 */
function firstInstantOf(day: string, timeZone: string, h: number, m: number): Date {
  const at = corpTime(day, timeZone, `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`);
  for (const back of [3_600_000, 1_800_000]) {
    const earlier = new Date(at.getTime() - back);
    const p = zonedParts(earlier, timeZone);
    if (p.hour === h && p.minute === m && corpDay(earlier, timeZone) === day) return earlier;
  }
  return at;
}

/**
 * The instants the cron fires at in `[from, until]`, ascending, at most `limit`. A wall time that does
 * not exist (skipped by a DST change) has no instant; an ambiguous one fires once.
 */
export function cronInstants(cron: Cron, opts: { from: Date; until: Date; timeZone: string; limit: number }): Date[] {
  const { from, until, timeZone, limit } = opts;
  const out: Date[] = [];
  const hours = sorted(cron.hours);
  const minutes = sorted(cron.minutes);
  const lastDay = corpDay(until, timeZone);
  for (let day = corpDay(from, timeZone); day <= lastDay && out.length < limit; day = addDays(day, 1)) {
    const [y, m] = day.split("-").map(Number) as [number, number];
    if (!cron.years.has(y) || !cron.months.has(m)) {
      // skip the rest of a month the cron never fires in (a far `until` stays cheap)
      day = addDays(`${day.slice(0, 8)}01`, daysInMonth(y, m) - 1);
      continue;
    }
    if (!dayMatches(cron, day)) continue;
    for (const h of hours) {
      for (const m of minutes) {
        const at = firstInstantOf(day, timeZone, h, m);
        if (at > until) return out;
        if (at < from || !cronMatches(cron, at, timeZone)) continue;
        const last = out.at(-1);
        if (last && at <= last) continue;
        out.push(at);
        if (out.length >= limit) return out;
      }
    }
  }
  return out;
}
