/**
 * Who may be on a channel's contact-way code right now.
 *
 * WeCom picks among a code's users by itself, so Siyu enforces schedules and daily caps by rewriting
 * the code's user list (`update_contact_way` overwrites it). The list comes from exactly one of:
 *   1. the pool (`staff`): in work hours, or always when the channel has no schedule;
 *   2. the off-hours staff: outside work hours (when the schedule names any);
 *   3. the backups: when no one in the list above is eligible;
 * where eligible = active and under today's cap (corp day). When even the backups are exhausted the
 * result is empty (`reason: "none"`): WeCom needs at least one user, so the caller keeps the code as
 * it is and alerts the operators (`needsUpdate` returns false for an empty list).
 */
import { corpDay } from "@siyu/kernel";
import { type ChannelDefinition, dailyCapOf, type StaffMember } from "./channel.ts";
import { SIYU } from "./limits.ts";
import { isWithinSchedule, nextScheduleBoundary } from "./schedule.ts";

export type EligibilityReason = "in-schedule" | "off-hours" | "backup" | "none";
/** Which of the channel's lists a candidate comes from. */
export type StaffList = "staff" | "offHoursStaff" | "backupStaff";

type EligibilityChannel = Pick<ChannelDefinition, "staff" | "backupStaff" | "schedule">;

interface EligibilityContext {
  now: Date;
  /** The corp's IANA timezone (kernel `DEFAULT_TIMEZONE` = Asia/Shanghai). */
  timeZone: string;
  /** Adds on this channel so far on the corp day of `now`, by user id (missing = 0). */
  addsToday: Readonly<Record<string, number>>;
  /** Members who cannot take adds (resigned, disabled, not activated, customer-contact off…). */
  inactive?: ReadonlySet<string>;
  /** Cap for members without their own `dailyCap` (corp setting). */
  defaultDailyCap?: number;
}

export interface Candidate {
  userId: string;
  weight: number;
  dailyCap: number;
  addsToday: number;
  eligible: boolean;
  /** Why an ineligible candidate is out (inactive wins over capped). */
  excluded?: "capped" | "inactive";
}

export interface Eligibility {
  /** Who may be on the code now, in list order. Empty only when `reason` is `none`. */
  userIds: string[];
  reason: EligibilityReason;
  /** Whether `now` is inside the schedule (true without a schedule). */
  inSchedule: boolean;
  /** The corp day the caps were evaluated for. */
  day: string;
  /** The list `userIds` were drawn from (for `none`: the last list examined, or undefined if none was). */
  list: StaffList | undefined;
  /** That whole list in definition order, eligible or not: the input of rotation.ts. */
  candidates: Candidate[];
  /** Members of the examined lists at or over today's cap. */
  capped: string[];
  /** Members of the examined lists skipped as inactive. */
  inactive: string[];
}

function evaluate(channel: EligibilityChannel, list: readonly StaffMember[], ctx: EligibilityContext): Candidate[] {
  const defaultCap = ctx.defaultDailyCap ?? SIYU.defaultDailyAddCap;
  return list.map((m) => {
    const dailyCap = dailyCapOf(channel, m.userId, defaultCap);
    const addsToday = ctx.addsToday[m.userId] ?? 0;
    const excluded = ctx.inactive?.has(m.userId) ? "inactive" : addsToday >= dailyCap ? "capped" : undefined;
    const c: Candidate = { userId: m.userId, weight: m.weight, dailyCap, addsToday, eligible: excluded === undefined };
    if (excluded) c.excluded = excluded;
    return c;
  });
}

/** The staff eligible for the channel's code at `ctx.now`. Pure: counts and statuses come from the caller. */
export function eligibleStaff(channel: EligibilityChannel, ctx: EligibilityContext): Eligibility {
  const day = corpDay(ctx.now, ctx.timeZone);
  const inSchedule = channel.schedule === undefined || isWithinSchedule(channel.schedule.windows, ctx.now, ctx.timeZone);
  const offHours = channel.schedule?.offHoursStaff ?? [];

  const steps: { list: StaffList; members: readonly StaffMember[]; reason: EligibilityReason }[] = [];
  if (inSchedule) steps.push({ list: "staff", members: channel.staff, reason: "in-schedule" });
  else if (offHours.length > 0) steps.push({ list: "offHoursStaff", members: offHours, reason: "off-hours" });
  if (channel.backupStaff.length > 0) steps.push({ list: "backupStaff", members: channel.backupStaff, reason: "backup" });

  const capped: string[] = [];
  const inactive: string[] = [];
  let last: { list: StaffList; candidates: Candidate[] } | undefined;
  for (const step of steps) {
    const candidates = evaluate(channel, step.members, ctx);
    for (const c of candidates) {
      if (c.excluded === "capped" && !capped.includes(c.userId)) capped.push(c.userId);
      if (c.excluded === "inactive" && !inactive.includes(c.userId)) inactive.push(c.userId);
    }
    const userIds = candidates.filter((c) => c.eligible).map((c) => c.userId);
    if (userIds.length > 0) {
      return { userIds, reason: step.reason, inSchedule, day, list: step.list, candidates, capped, inactive };
    }
    last = { list: step.list, candidates };
  }
  return {
    userIds: [],
    reason: "none",
    inSchedule,
    day,
    list: last?.list,
    candidates: last?.candidates ?? [],
    capped,
    inactive,
  };
}

/**
 * The next instant strictly after `now` at which the eligible set can change by time alone: a
 * schedule boundary today, or the next corp midnight (caps reset, weekday changes). A scheduler can
 * sleep until then; changes caused by adds or member status are handled when those happen.
 */
export function nextBoundary(channel: Pick<ChannelDefinition, "schedule">, now: Date, timeZone: string): Date {
  return nextScheduleBoundary(channel.schedule?.windows ?? [], now, timeZone);
}

/**
 * Whether the code's user list must be rewritten: the two lists differ as sets (order and duplicates
 * never matter to WeCom, which picks at random among the users). Always false for an empty `next`,
 * because a contact way cannot have zero users; the caller alerts instead.
 */
export function needsUpdate(previous: readonly string[], next: readonly string[]): boolean {
  if (next.length === 0) return false;
  const a = new Set(previous);
  const b = new Set(next);
  if (a.size !== b.size) return true;
  for (const id of b) if (!a.has(id)) return true;
  return false;
}
