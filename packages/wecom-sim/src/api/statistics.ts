import { addDays, corpDay, daysBetween, dayRange, startOfCorpDay } from "@siyu/kernel";
import * as z from "zod";
import { ERR, limitError, WecomError } from "../errors.ts";
import type { Activity } from "../world/activity.ts";
import type { SimWorld } from "../world/world.ts";
import { type ApiRoute, intLike, parse, post } from "./route.ts";

/**
 * Statistics (wecom-reference §10), computed from the world's activity log: daily buckets in the
 * corp timezone, inclusive ranges, span ≤ 30 days, last 180 days only.
 */
const behaviorSchema = z.object({
  userid: z.array(z.string()).optional(),
  partyid: z.array(intLike).optional(),
  start_time: intLike.optional(),
  end_time: intLike.optional(),
});

const groupSchema = z.object({
  day_begin_time: intLike.optional(),
  day_end_time: intLike.optional(),
  owner_filter: z.object({ userid_list: z.array(z.string()).optional() }).optional(),
  order_by: intLike.optional(),
  order_asc: intLike.optional(),
  offset: intLike.optional(),
  limit: intLike.optional(),
});

const MAX_SPAN_DAYS = 30;
const RETENTION_DAYS = 180;

/** The inclusive list of corp days between two unix times, with WeCom's range rules. */
function daysOf(world: SimWorld, startSec: number | undefined, endSec: number | undefined, ruleSuffix: string, endMayBeToday: boolean): string[] {
  if (startSec === undefined) throw new WecomError(ERR.EMPTY_PARAMETER, "the start time is required");
  const tz = world.config.timeZone;
  const first = corpDay(new Date(startSec * 1000), tz);
  const last = corpDay(new Date((endSec ?? startSec) * 1000), tz);
  const today = corpDay(world.clock.now(), tz);
  if (daysBetween(first, last) < 0) throw new WecomError(ERR.INVALID_PARAMETER, "the end time is before the start time");
  if (daysBetween(first, last) > MAX_SPAN_DAYS) {
    throw limitError(ERR.INVALID_PARAMETER, `stats.${ruleSuffix}.span-30-days`, `${first}..${last} spans more than ${MAX_SPAN_DAYS} days`, { first, last });
  }
  if (daysBetween(first, today) > RETENTION_DAYS) {
    throw limitError(ERR.INVALID_PARAMETER, `stats.${ruleSuffix}.last-180-days`, `${first} is more than ${RETENTION_DAYS} days ago`, { first });
  }
  const latest = endMayBeToday ? today : addDays(today, -1);
  if (daysBetween(last, latest) < 0) {
    throw limitError(ERR.INVALID_PARAMETER, `stats.${ruleSuffix}.until-${endMayBeToday ? "today" : "yesterday"}`, `no data for ${last} yet`, { last });
  }
  return dayRange(first, last);
}

function span(world: SimWorld, day: string): [number, number] {
  const tz = world.config.timeZone;
  return [startOfCorpDay(day, tz).getTime(), startOfCorpDay(addDays(day, 1), tz).getTime()];
}

function behaviorOf(entries: Activity[]) {
  const messages = entries.filter((a) => a.kind === "message_sent");
  return {
    new_apply_cnt: 0,
    new_contact_cnt: entries.filter((a) => a.kind === "contact_added").length,
    chat_cnt: new Set(messages.map((a) => a.externalUserId)).size,
    message_cnt: messages.length,
    negative_feedback_cnt: entries.filter((a) => a.kind === "contact_lost").length,
  };
}

interface GroupData {
  new_chat_cnt: number;
  chat_total: number;
  chat_has_msg: number;
  new_member_cnt: number;
  member_total: number;
  member_has_msg: number;
  msg_total: number;
}

/** Group statistics of some owners over [start, end), replayed from the activity log. */
function groupData(world: SimWorld, owners: Set<string>, start: number, end: number): GroupData {
  const mine = world.activity.before(end).filter((a) => a.chatId !== undefined && a.owner !== undefined && owners.has(a.owner));
  const inRange = mine.filter((a) => a.at >= start);
  const members = new Map<string, number>();
  for (const a of mine) {
    const chat = a.chatId ?? "";
    if (a.kind === "group_created") members.set(chat, a.count ?? 1);
    else if (a.kind === "member_joined") members.set(chat, (members.get(chat) ?? 0) + 1);
    else if (a.kind === "member_left") members.set(chat, (members.get(chat) ?? 0) - 1);
    else if (a.kind === "group_dismissed") members.delete(chat);
  }
  const groupMessages = inRange.filter((a) => a.kind === "group_message");
  return {
    new_chat_cnt: inRange.filter((a) => a.kind === "group_created").length,
    chat_total: members.size,
    chat_has_msg: new Set(groupMessages.map((a) => a.chatId)).size,
    new_member_cnt: inRange.filter((a) => a.kind === "member_joined").length,
    member_total: [...members.values()].reduce((s, n) => s + n, 0),
    member_has_msg: 0,
    msg_total: groupMessages.length,
  };
}

function ownersOf(world: SimWorld, list: string[] | undefined): string[] {
  const owners = list ?? [];
  if (owners.length === 0) throw new WecomError(ERR.EMPTY_PARAMETER, "owner_filter.userid_list is required");
  if (owners.length > 100) throw limitError(ERR.INVALID_PARAMETER, "stats.groupchat.max-100-owners", `${owners.length} owners (max 100)`);
  for (const o of owners) world.staff.require(o);
  return owners;
}

const ORDER_KEYS: Record<number, keyof GroupData> = { 1: "new_chat_cnt", 2: "chat_total", 3: "new_member_cnt", 4: "member_total" };

export const statisticsRoutes: ApiRoute[] = [
  post("externalcontact/get_user_behavior_data", ({ world, body }) => {
    const input = parse(behaviorSchema, body);
    const userids = input.userid ?? [];
    const parties = input.partyid ?? [];
    if (userids.length === 0 && parties.length === 0) throw new WecomError(ERR.EMPTY_PARAMETER, "userid and partyid are both empty");
    if (userids.length > 100 || parties.length > 100) {
      throw limitError(ERR.INVALID_PARAMETER, "stats.behavior.max-100-ids", "userid and partyid take at most 100 ids each");
    }
    if (input.end_time === undefined) throw new WecomError(ERR.EMPTY_PARAMETER, "end_time is required");
    for (const u of userids) world.staff.require(u);
    const users = new Set([...userids, ...world.staff.inDepartments(parties).map((s) => s.userid)]);
    const days = daysOf(world, input.start_time, input.end_time, "behavior", true);
    return {
      behavior_data: days.map((day) => {
        const [start, end] = span(world, day);
        const entries = world.activity.between(start, end).filter((a) => a.userid !== undefined && users.has(a.userid));
        return { stat_time: Math.floor(start / 1000), ...behaviorOf(entries) };
      }),
    };
  }),

  post("externalcontact/groupchat/statistic", ({ world, body }) => {
    const input = parse(groupSchema, body);
    const owners = ownersOf(world, input.owner_filter?.userid_list);
    const days = daysOf(world, input.day_begin_time, input.day_end_time, "groupchat", false);
    const start = span(world, days[0] ?? "")[0];
    const end = span(world, days[days.length - 1] ?? "")[1];
    const key = ORDER_KEYS[input.order_by ?? 1] ?? "new_chat_cnt";
    const asc = input.order_asc === 1;
    const items = owners
      .map((owner) => ({ owner, data: groupData(world, new Set([owner]), start, end) }))
      .sort((a, b) => (asc ? a.data[key] - b.data[key] : b.data[key] - a.data[key]));
    const offset = input.offset ?? 0;
    const limit = input.limit ?? 500;
    if (limit > 1000) throw limitError(ERR.INVALID_PARAMETER, "stats.groupchat.limit-1000", `limit ${limit} (max 1000)`);
    const slice = items.slice(offset, offset + limit);
    return { total: items.length, next_offset: offset + slice.length, items: slice };
  }),

  post("externalcontact/groupchat/statistic_group_by_day", ({ world, body }) => {
    const input = parse(groupSchema, body);
    const owners = new Set(ownersOf(world, input.owner_filter?.userid_list));
    const days = daysOf(world, input.day_begin_time, input.day_end_time, "groupchat", false);
    return {
      items: days.map((day) => {
        const [start, end] = span(world, day);
        return { stat_time: Math.floor(start / 1000), data: groupData(world, owners, start, end) };
      }),
    };
  }),
];
