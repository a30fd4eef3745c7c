/**
 * A live code's statistics (`GET /v1/group-codes/{id}/stats`): per code and per group, page views,
 * joins, leaves, current members, duplicate members across the code's groups and fill; per corp day
 * for the chart. A pure aggregation over the facts the store keeps; nothing here is estimated.
 *
 * Modelling decisions (wecom-services §C2/§C3: the anchors count page views as joins, or joins as
 * scans):
 * - **page views, joins and leaves are separate facts**. A view is a landing-page visit (there is
 *   no such thing in native mode: WeCom reports no scans of its QR); a join is a member who joined
 *   one of the code's groups; `joinsViaCode` are the joins whose `member_list[].state` names this code
 *   (members.ts), the rest came by invitation or a QR shared outside it;
 * - **current members and duplicates come from the membership** (who is in which group now), not from
 *   summing joins and leaves, which drift when an event is lost. A duplicate is a customer in more
 *   than one of the code's groups; staff are not counted as duplicates (owners are in every group);
 * - **fill** is members / capacity of the groups still routable (not dismissed, not removed), so a
 *   dismissed group does not make a code look empty; a group over capacity (invites past 200) counts
 *   as full, not more than full;
 * - days are corp days in the corp's time zone (ARCHITECTURE: day boundaries in `timeZone`).
 */
import { corpDay } from "@siyu/kernel";
import type { GroupState } from "./pool.ts";

export type StatsFact =
  | { kind: "view"; at: string; visitorId?: string; chatId?: string }
  | { kind: "join"; at: string; chatId: string; memberId: string; viaCode: boolean }
  | { kind: "leave"; at: string; chatId: string; memberId: string };

export interface StatsInput {
  groups: readonly GroupState[];
  /** Customers (external user ids) in each group now. */
  customersByGroup: ReadonlyMap<string, readonly string[]>;
  facts: readonly StatsFact[];
  /**
   * Page views counted per group and corp day (landing visits that got a seat are counted on the seat
   * counter in the write that takes the seat; a view without a group is a fact).
   */
  viewCounts?: readonly { chatId?: string; day: string; count: number }[];
  timeZone: string;
}

export interface Counts {
  pageViews: number;
  /** Distinct `visitorId`s among the views that have one. */
  uniqueVisitors: number;
  joins: number;
  joinsViaCode: number;
  leaves: number;
}

export interface GroupStats extends Counts {
  chatId: string;
  capacity: number;
  currentMembers: number;
  /** Customers of this group that are also in another group of the code. */
  duplicateMembers: number;
  /** members / capacity, in [0, 1]. */
  fill: number;
  routable: boolean;
}

export interface CodeStats {
  totals: Counts & {
    currentMembers: number;
    /** Distinct customers in more than one of the code's groups. */
    duplicateMembers: number;
    /** Members over capacity of the routable groups, in [0, 1] (0 when none is routable). */
    fill: number;
    groups: number;
    routableGroups: number;
  };
  groups: GroupStats[];
  /** One row per corp day with a fact, ascending. */
  daily: (Counts & { day: string })[];
}

const zero = (): Counts => ({ pageViews: 0, uniqueVisitors: 0, joins: 0, joinsViaCode: 0, leaves: 0 });

function tally(facts: readonly StatsFact[]): Counts {
  const c = zero();
  const visitors = new Set<string>();
  for (const f of facts) {
    if (f.kind === "view") {
      c.pageViews++;
      if (f.visitorId !== undefined) visitors.add(f.visitorId);
    } else if (f.kind === "join") {
      c.joins++;
      if (f.viaCode) c.joinsViaCode++;
    } else c.leaves++;
  }
  c.uniqueVisitors = visitors.size;
  return c;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const fillOf = (members: number, capacity: number) => (capacity <= 0 ? 0 : Math.min(1, members / capacity));

/**
 * @example
 * codeStats({ groups, customersByGroup, facts, timeZone: "Asia/Shanghai" }).totals
 * // → { pageViews: 120, uniqueVisitors: 97, joins: 80, joinsViaCode: 74, leaves: 6, currentMembers: 81, duplicateMembers: 2, fill: 0.2025, groups: 2, routableGroups: 2 }
 */
export function codeStats(input: StatsInput): CodeStats {
  const groupsIn = new Map<string, number>();
  for (const g of input.groups) {
    for (const id of new Set(input.customersByGroup.get(g.chatId) ?? [])) groupsIn.set(id, (groupsIn.get(id) ?? 0) + 1);
  }
  const factsByGroup = new Map<string, StatsFact[]>();
  for (const f of input.facts) if (f.chatId !== undefined) push(factsByGroup, f.chatId, f);

  const counted = input.viewCounts ?? [];
  const viewsOf = (pick: (v: (typeof counted)[number]) => boolean) => counted.filter(pick).reduce((n, v) => n + v.count, 0);
  const withViews = (c: Counts, views: number): Counts => ({ ...c, pageViews: c.pageViews + views });

  const groups = input.groups.map((g): GroupStats => {
    const customers = new Set(input.customersByGroup.get(g.chatId) ?? []);
    const routable = !g.dismissed && !g.removed;
    return {
      chatId: g.chatId,
      ...withViews(tally(factsByGroup.get(g.chatId) ?? []), viewsOf((v) => v.chatId === g.chatId)),
      capacity: g.capacity,
      currentMembers: g.members,
      duplicateMembers: [...customers].filter((id) => (groupsIn.get(id) ?? 0) > 1).length,
      fill: fillOf(g.members, g.capacity),
      routable,
    };
  });

  const routable = input.groups.filter((g) => !g.dismissed && !g.removed);
  const byDay = new Map<string, StatsFact[]>();
  for (const f of input.facts) {
    push(byDay, corpDay(f.at, input.timeZone), f);
  }
  for (const v of counted) if (!byDay.has(v.day)) byDay.set(v.day, []);
  return {
    totals: {
      ...withViews(tally(input.facts), viewsOf(() => true)),
      currentMembers: input.groups.filter((g) => !g.removed).reduce((n, g) => n + (g.dismissed ? 0 : g.members), 0),
      duplicateMembers: [...groupsIn.values()].filter((n) => n > 1).length,
      fill: fillOf(
        routable.reduce((n, g) => n + Math.min(g.members, g.capacity), 0),
        routable.reduce((n, g) => n + g.capacity, 0),
      ),
      groups: input.groups.length,
      routableGroups: routable.length,
    },
    groups,
    daily: [...byDay.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([day, facts]) => ({ day, ...withViews(tally(facts), viewsOf((v) => v.day === day)) })),
  };
}
