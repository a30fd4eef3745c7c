/**
 * Corp-timezone calendar days. Caps and statistics roll over at midnight in the corp's timezone
 * (default Asia/Shanghai); timestamps are stored as UTC ISO strings. A "day" is `YYYY-MM-DD`.
 */
export const DEFAULT_TIMEZONE = "Asia/Shanghai";

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
      weekday: "short",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 1 = Monday … 7 = Sunday (ISO) */
  weekday: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** Wall-clock parts of an instant in a timezone. */
export function zonedParts(instant: Date, timeZone: string): ZonedParts {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAYS[parts.weekday ?? ""] ?? 0,
  };
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** The corp-timezone calendar day (`YYYY-MM-DD`) an instant falls on. */
export function corpDay(instant: Date | string, timeZone: string = DEFAULT_TIMEZONE): string {
  const p = zonedParts(new Date(instant), timeZone);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

export function isDay(value: string): boolean {
  const m = DAY_RE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

function parseDay(day: string): Date {
  if (!isDay(day)) throw new RangeError(`not a calendar day (YYYY-MM-DD): ${day}`);
  return new Date(`${day}T00:00:00.000Z`);
}

/** `day` shifted by `n` calendar days. */
export function addDays(day: string, n: number): string {
  const d = parseDay(day);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((parseDay(to).getTime() - parseDay(from).getTime()) / 86_400_000);
}

/** Every day from `from` to `to`, both included. */
export function dayRange(from: string, to: string): string[] {
  const n = daysBetween(from, to);
  const out: string[] = [];
  for (let i = 0; i <= n; i++) out.push(addDays(from, i));
  return out;
}

/** Offset (ms) of the timezone from UTC at an instant: local wall time − UTC. */
export function offsetAt(instant: Date, timeZone: string): number {
  const p = zonedParts(instant, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The UTC instant of a wall-clock time on a corp day (`HH:MM`, default midnight). */
export function corpTime(day: string, timeZone: string = DEFAULT_TIMEZONE, hhmm = "00:00"): Date {
  const [h, m] = hhmm.split(":").map(Number);
  const wall = parseDay(day).getTime() + ((h ?? 0) * 60 + (m ?? 0)) * 60_000;
  // two passes settle DST transitions (the offset at the guess may differ from the offset at the answer)
  let guess = wall - offsetAt(new Date(wall), timeZone);
  guess = wall - offsetAt(new Date(guess), timeZone);
  return new Date(guess);
}

/**
 * The first instant in (from, to] at which the timezone's UTC offset differs from its offset at `from`
 * (a DST change), to the second; undefined when the offset at `to` is the same. Meant for spans of a day
 * or so, which hold at most one change.
 */
export function nextOffsetChange(from: Date, to: Date, timeZone: string): Date | undefined {
  const base = offsetAt(from, timeZone);
  if (offsetAt(to, timeZone) === base) return undefined;
  // whole seconds: offsets change on a second, and offsetAt reads whole seconds
  let lo = Math.floor(from.getTime() / 1000);
  let hi = Math.floor(to.getTime() / 1000);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(new Date(mid * 1000), timeZone) === base) lo = mid;
    else hi = mid;
  }
  return new Date(hi * 1000);
}

/** The UTC instant at which a corp day begins. */
export function startOfCorpDay(day: string, timeZone: string = DEFAULT_TIMEZONE): Date {
  return corpTime(day, timeZone, "00:00");
}

/** The next corp-timezone midnight strictly after `instant`. */
export function nextCorpMidnight(instant: Date, timeZone: string = DEFAULT_TIMEZONE): Date {
  return startOfCorpDay(addDays(corpDay(instant, timeZone), 1), timeZone);
}
