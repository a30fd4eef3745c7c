/** `GET /v1/group-codes/{id}/stats`: the domain's aggregation over the code's facts and current membership. */
import { notFound } from "@siyu/kernel";
import { codeStats } from "../domain/stats.ts";
import { getCode, groupsOf } from "../store/codes.ts";
import { factsOf } from "../store/facts.ts";
import { seatsOf, viewCountsOf } from "../store/seats.ts";
import type { Deps } from "./deps.ts";

export async function codeStatsView(deps: Deps, codeId: string) {
  const { table, timeZone } = deps.config;
  const code = await getCode(table, codeId);
  if (!code) throw notFound(`no live code ${codeId}`);
  const [groups, facts, seats] = await Promise.all([groupsOf(table, codeId), factsOf(table, codeId), seatsOf(table, codeId)]);
  // members as last read from WeCom (staff are in every group and are not customers)
  const owners = new Set(groups.map((g) => g.ownerUserId).filter(Boolean));
  const customersByGroup = new Map(groups.map((g) => [g.chatId, (g.memberIds ?? []).filter((id) => !owners.has(id))]));
  const viewCounts = seats.flatMap((s) => viewCountsOf(s as unknown as Record<string, unknown>));
  return { codeId, ...codeStats({ groups, customersByGroup, facts, viewCounts, timeZone }) };
}
