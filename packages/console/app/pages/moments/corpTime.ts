/**
 * Corp time for the 朋友圈 pages: the service plans in the corp's timezone (Asia/Shanghai unless the
 * stack says otherwise, as ../../days.ts assumes), whatever the operator's browser is set to.
 */
import type { MomentSchedule } from "../../api/moments";

export const CORP_TZ = "Asia/Shanghai";

const dayFormat = new Intl.DateTimeFormat("en-CA", { timeZone: CORP_TZ, year: "numeric", month: "2-digit", day: "2-digit" });
const clockFormat = new Intl.DateTimeFormat("en-GB", { timeZone: CORP_TZ, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const shortFormat = new Intl.DateTimeFormat("zh-CN", { timeZone: CORP_TZ, month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

/** The corp day (`YYYY-MM-DD`) of an instant. */
export const corpDayOf = (iso: string | Date) => dayFormat.format(new Date(iso));
/** The corp clock time (`HH:MM`) of an instant. */
export const corpClockOf = (iso: string | Date) => clockFormat.format(new Date(iso));
/** `12/3 08:00` in corp time. */
export const shortTime = (iso: string | null | undefined) => (iso ? shortFormat.format(new Date(iso)) : "—");

/** The instant of a corp wall-clock time, as ISO 8601 with the zone's offset (what the API asks for). */
export function corpInstant(day: string, clock: string): string {
  const guess = Date.parse(`${day}T${clock}:00Z`);
  const wall = Date.parse(`${corpDayOf(new Date(guess))}T${corpClockOf(new Date(guess))}:00Z`);
  return new Date(guess - (wall - guess)).toISOString();
}

const addDays = (day: string, n: number) => {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
};
/** ISO weekday (1 = Monday … 7 = Sunday) of a day. */
const weekday = (day: string) => ((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7) + 1;

/**
 * The corp days and times a post's schedule runs on within `[first, last]` (days, inclusive) — a
 * `now` post on the day it was created, a daily one on each of its days. The calendar shows what was
 * asked for; a run the plan moved shows on its new day in the post's detail.
 */
export function scheduleDays(s: MomentSchedule, createdAt: string, first: string, last: string): { day: string; time: string }[] {
  if (s.kind === "now") return inRange(corpDayOf(createdAt), first, last) ? [{ day: corpDayOf(createdAt), time: corpClockOf(createdAt) }] : [];
  if (s.kind === "at") return inRange(corpDayOf(s.at), first, last) ? [{ day: corpDayOf(s.at), time: corpClockOf(s.at) }] : [];
  const out: { day: string; time: string }[] = [];
  const from = s.from > first ? s.from : first;
  const until = s.until < last ? s.until : last;
  for (let day = from; day <= until; day = addDays(day, 1)) {
    if (s.weekdays && !s.weekdays.includes(weekday(day))) continue;
    for (const time of [...s.times].sort()) out.push({ day, time });
  }
  return out;
}

const inRange = (day: string, first: string, last: string) => day >= first && day <= last;
