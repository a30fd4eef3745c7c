/**
 * Weekly work-hour schedules in the corp's timezone.
 *
 * A schedule is a list of windows; each window names ISO weekdays (1 = Monday … 7 = Sunday) and one or
 * more wall-clock ranges `HH:MM–HH:MM`, start included, end excluded. `24:00` is allowed as an end.
 * A range never crosses midnight: "22:00–02:00" is written as 22:00–24:00 on one day plus 00:00–02:00
 * on the next, which keeps weekday semantics unambiguous. Ranges of one weekday may touch but not overlap.
 */
import { corpDay, corpTime, nextCorpMidnight, nextOffsetChange, offsetAt, zonedParts } from "@siyu/kernel";
import * as z from "zod";

const START_RE = /^([01]\d|2[0-3]):[0-5]\d$/;
const END_RE = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;

/** Minutes since midnight of `HH:MM` (`24:00` → 1440). */
export function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

const timeRangeSchema = z
  .strictObject({
    start: z.string().regex(START_RE, "start must be HH:MM (00:00–23:59)"),
    end: z.string().regex(END_RE, "end must be HH:MM (00:01–24:00)"),
  })
  .superRefine((r, ctx) => {
    if (!START_RE.test(r.start) || !END_RE.test(r.end)) return;
    if (toMinutes(r.end) <= toMinutes(r.start)) {
      ctx.addIssue({
        code: "custom",
        path: ["end"],
        message: `end (${r.end}) must be after start (${r.start}); split a range that crosses midnight into …–24:00 and 00:00–… on the next weekday`,
      });
    }
  });

export const scheduleWindowSchema = z.strictObject({
  weekdays: z
    .array(z.int("weekday must be an integer").min(1, "weekday is 1 (Monday) … 7 (Sunday)").max(7, "weekday is 1 (Monday) … 7 (Sunday)"))
    .min(1, "at least one weekday")
    .max(7)
    .superRefine((days, ctx) => {
      days.forEach((d, i) => {
        if (days.indexOf(d) !== i) ctx.addIssue({ code: "custom", path: [i], message: `weekday ${d} is listed twice` });
      });
    }),
  ranges: z.array(timeRangeSchema).min(1, "at least one time range").max(24),
});

/** Windows of a schedule; ranges of one weekday must not overlap (touching is fine). */
export const scheduleWindowsSchema = z
  .array(scheduleWindowSchema)
  .min(1, "at least one window (remove the schedule to be always in hours)")
  .max(50)
  .superRefine((windows, ctx) => {
    type Slot = { start: number; end: number; w: number; r: number; label: string };
    const byDay = new Map<number, Slot[]>();
    windows.forEach((win, w) => {
      win.ranges.forEach((range, r) => {
        const start = toMinutes(range.start);
        const end = toMinutes(range.end);
        if (end <= start) return; // reported by the range itself
        for (const day of new Set(win.weekdays)) {
          const slots = byDay.get(day) ?? [];
          slots.push({ start, end, w, r, label: `${range.start}–${range.end}` });
          byDay.set(day, slots);
        }
      });
    });
    const reported = new Set<string>();
    for (const [day, slots] of [...byDay].sort((a, b) => a[0] - b[0])) {
      slots.sort((a, b) => a.start - b.start || a.w - b.w || a.r - b.r);
      for (let i = 1; i < slots.length; i++) {
        const prev = slots[i - 1]!;
        const cur = slots[i]!;
        if (cur.start < prev.end) {
          const key = `${cur.w}.${cur.r}`;
          if (reported.has(key)) continue;
          reported.add(key);
          ctx.addIssue({
            code: "custom",
            path: [cur.w, "ranges", cur.r],
            message: `${cur.label} overlaps ${prev.label} (windows.${prev.w}.ranges.${prev.r}) on weekday ${day}`,
          });
        }
      }
    }
  });

export type ScheduleWindow = z.output<typeof scheduleWindowSchema>;

/** Whether `at` falls inside one of the windows, in the corp's timezone. */
export function isWithinSchedule(windows: readonly ScheduleWindow[], at: Date, timeZone: string): boolean {
  const p = zonedParts(at, timeZone);
  const second = (p.hour * 60 + p.minute) * 60 + p.second;
  return windows.some(
    (w) =>
      w.weekdays.includes(p.weekday) &&
      w.ranges.some((r) => second >= toMinutes(r.start) * 60 && second < toMinutes(r.end) * 60),
  );
}

/**
 * The next instant strictly after `at` at which the schedule can switch between in- and off-hours,
 * or the next corp midnight if that comes first (days change at midnight, and so do daily caps).
 * Conservative: touching ranges (09:00–12:00, 12:00–18:00) still report 12:00, and a DST change is a
 * boundary whether or not the schedule switches there.
 */
export function nextScheduleBoundary(windows: readonly ScheduleWindow[], at: Date, timeZone: string): Date {
  const midnight = nextCorpMidnight(at, timeZone);
  const { weekday } = zonedParts(at, timeZone);
  const day = corpDay(at, timeZone);
  let best = midnight.getTime();
  const consider = (t: number) => {
    if (t > at.getTime() && t < best) best = t;
  };
  // a DST change moves the wall clock itself (01:59 EDT → 01:00 EST): the schedule may switch there
  const shift = nextOffsetChange(at, midnight, timeZone);
  if (shift) consider(shift.getTime());
  // a wall time in a repeated hour happens twice, one in a skipped hour not at all: try it under each of
  // the day's offsets (an instant that is not really that wall time is a harmless extra boundary)
  const offsets = new Set([offsetAt(at, timeZone), offsetAt(new Date(midnight.getTime() - 1000), timeZone)]);
  for (const w of windows) {
    if (!w.weekdays.includes(weekday)) continue;
    for (const r of w.ranges) {
      for (const hhmm of [r.start, r.end]) {
        const wall = corpTime(day, "UTC", hhmm).getTime();
        for (const offset of offsets) consider(wall - offset);
      }
    }
  }
  return new Date(best);
}
