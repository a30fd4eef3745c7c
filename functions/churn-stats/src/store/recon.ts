/** Reconciliation results: one partition per day (`RECON#<day>`), replaced on every run for that day. */
import { batchWrite } from "@siyu/store";
import type { GroupChatDay, Reconciliation, ReconciliationSummary, StaffReconciliation } from "../domain/index.ts";
import { queryPartition } from "./counters.ts";
import { reconKey } from "./keys.ts";

export type { GroupChatDay, Reconciliation, ReconciliationSummary };

export async function writeReconciliation(table: string, r: Reconciliation): Promise<void> {
  const pk = reconKey(r.date);
  const { staff, groupChatStats, ...summary } = r;
  const items: Record<string, unknown>[] = [
    { pk, sk: "SUMMARY", entity: "reconciliation", ...summary },
    ...staff.map((s) => ({ pk, sk: `STAFF#${encodeURIComponent(s.userId)}`, entity: "reconciliation-staff", ...s })),
    ...groupChatStats.map((g) => ({ pk, sk: `GROUPCHAT#${encodeURIComponent(g.owner)}`, entity: "reconciliation-groupchat", ...g })),
  ];
  const keep = new Set(items.map((i) => i.sk as string));
  const existing = await queryPartition(table, pk, { consistent: true });
  const stale = existing.filter((e) => !keep.has(e.sk as string)).map((e) => ({ pk, sk: e.sk as string }));
  await batchWrite(table, items, stale);
}

const strip = (item: Record<string, unknown>) => {
  const { pk: _pk, sk: _sk, entity: _entity, ...rest } = item;
  return rest;
};

export async function readReconciliation(table: string, date: string): Promise<Reconciliation | undefined> {
  const items = await queryPartition(table, reconKey(date));
  const summary = items.find((i) => i.sk === "SUMMARY");
  if (!summary) return undefined;
  return {
    ...(strip(summary) as unknown as ReconciliationSummary),
    staff: items.filter((i) => (i.sk as string).startsWith("STAFF#")).map((i) => strip(i) as unknown as StaffReconciliation),
    groupChatStats: items.filter((i) => (i.sk as string).startsWith("GROUPCHAT#")).map((i) => strip(i) as unknown as GroupChatDay),
  };
}
