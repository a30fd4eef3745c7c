
import { publishEvents, } from "@siyu/bus";
import { deterministicId, } from "@siyu/kernel";
import { planTagsChanged } from "../domain/tags.ts";
import {
  latestResults,
  resolveOpenRow,
  type TransferResultEntry,
  transferCompletedEvent,
} from "../domain/transfer.ts";
import { applyRelation, getRelation, setRelationTags } from "../store/relations.ts";
import { appendTimeline } from "../store/timeline.ts";
import {
  getBatches,
  openTransfers,
  setTransferState,
  type TransferHeader,
  type TransferRow,
  updateHistory,
  updateRow,
  workRows,
} from "../store/transfers.ts";

import { dispatchBatches } from "./transfer-create.ts";
import type { TransferDeps } from "./transfer-deps.ts";

interface PollOutcome {
  transfers: number;
  polled: number;
  updated: Record<string, number>;
  published: number;
  finalized: number;
}

/**
 * The result poller: for every transfer not final, read `transfer_result` (all pages) and move each
 * pending/waiting customer on; completed ones move the follow relation and publish
 * `contact.transferred` once (deterministic id; the row remembers it was published).
 */
export async function pollTransfers(deps: TransferDeps, opts: { maxTransfers?: number } = {}): Promise<PollOutcome> {
  const { config, log } = deps;
  const table = config.table;
  const out: PollOutcome = { transfers: 0, polled: 0, updated: {}, published: 0, finalized: 0 };
  const open = await openTransfers(table, opts.maxTransfers ?? 200);
  out.transfers = open.length;
  for (const header of open) {
    try {
      await pollOne(deps, header, out);
    } catch (error) {
      // one transfer's failure must not stop the others; the next run retries it
      log.error("polling a transfer failed", { transferId: header.transferId, error });
    }
  }
  return out;
}

const PLANNING_GRACE_MS = 2 * 60_000;

async function pollOne(deps: TransferDeps, header: TransferHeader, out: PollOutcome): Promise<void> {
  const { config } = deps;
  const table = config.table;
  const now = deps.now();
  if (header.state === "planning") {
    // a create request that stopped after storing its plan: finish it
    if (now.getTime() - new Date(header.createdAt).getTime() < PLANNING_GRACE_MS) return;
    await dispatchBatches(deps, header);
    return;
  }
  const rows = await workRows(table, header.transferId);
  if (rows.length === 0) {
    await setTransferState(table, header.transferId, "final", now);
    out.finalized++;
    return;
  }
  const open = rows.filter((r) => r.status === "pending" || r.status === "waiting");
  let latest = new Map<string, TransferResultEntry>();
  const batches = open.some((r) => r.status === "pending") ? await getBatches(table, header.transferId) : [];
  const claimedAt = new Map(batches.filter((b) => b.claimedAt).map((b) => [b.batch, b.claimedAt!]));
  // nothing has reached WeCom yet when every open row's batch is still unclaimed
  const anyStarted = open.some((r) => r.status === "waiting" || (r.batch !== undefined && claimedAt.has(r.batch)));
  if (anyStarted) {
    latest = latestResults(await fetchResults(deps, header), new Date(header.createdAt));
    out.polled++;
  }
  for (const row of rows) {
    if (row.status === "done") {
      await completeCustomer(deps, header, row, out);
      continue;
    }
    if (row.status !== "pending" && row.status !== "waiting") continue;
    const since = row.status === "pending" ? (row.batch !== undefined ? claimedAt.get(row.batch) : undefined) : (row.startedAt ?? header.createdAt);
    if (row.status === "pending" && since === undefined) continue;
    const update = resolveOpenRow({ externalUserId: row.externalUserId, status: row.status, ...(since ? { startedAt: since } : {}) }, latest.get(row.externalUserId), now);
    if (!update) continue;
    const at = now.toISOString();
    const ref = { plannedAt: header.createdAt, transferId: header.transferId };
    out.updated[update.status] = (out.updated[update.status] ?? 0) + 1;
    switch (update.status) {
      case "waiting": {
        const fields: Partial<TransferRow> & { updatedAt: string } = { status: "waiting", updatedAt: at };
        if (update.takeoverAt) fields.takeoverAt = update.takeoverAt.toISOString();
        if (row.status === "pending") fields.startedAt = since ?? at;
        await updateRow(table, header.transferId, row.externalUserId, ["pending", "waiting"], fields);
        await updateHistory(table, row.externalUserId, ref, { status: "waiting", startedAt: fields.startedAt ?? row.startedAt ?? at });
        break;
      }
      case "done": {
        const takeoverAt = update.takeoverAt.toISOString();
        const moved = await updateRow(table, header.transferId, row.externalUserId, ["pending", "waiting"], {
          status: "done",
          takeoverAt,
          published: false,
          updatedAt: at,
        });
        if (moved) await completeCustomer(deps, header, { ...row, status: "done", takeoverAt, published: false }, out);
        break;
      }
      case "refused":
      case "taker-at-cap":
        await updateRow(table, header.transferId, row.externalUserId, ["pending", "waiting"], { status: update.status, updatedAt: at });
        await updateHistory(table, row.externalUserId, ref, { status: update.status, completedAt: (update.at ?? now).toISOString() });
        break;
      case "failed":
        await updateRow(table, header.transferId, row.externalUserId, ["pending", "waiting"], { status: "failed", reason: update.reason, updatedAt: at });
        await updateHistory(table, row.externalUserId, ref, { status: "failed" });
        break;
    }
  }
  if ((await workRows(table, header.transferId)).length === 0) {
    await setTransferState(table, header.transferId, "final", deps.now());
    out.finalized++;
  }
}

async function fetchResults(deps: TransferDeps, header: TransferHeader): Promise<TransferResultEntry[]> {
  const wecom = await deps.wecom();
  const entries: TransferResultEntry[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const req = { handover_userid: header.fromUserId, takeover_userid: header.toUserId, ...(cursor ? { cursor } : {}) };
    const res = header.resigned ? await wecom.resignedTransferResult(req) : await wecom.transferResult(req);
    entries.push(...res.customer);
    cursor = res.next_cursor || undefined;
    if (!cursor) break;
  }
  return entries;
}

/**
 * A customer's transfer completed: the handover member's relation becomes `transferred`, the
 * takeover member's becomes active with the customer's channel (unless WeCom's callbacks already did
 * both), the history entry is closed, and `contact.transferred` is published once.
 */
async function completeCustomer(deps: TransferDeps, header: TransferHeader, row: TransferRow, out: PollOutcome): Promise<void> {
  const { config } = deps;
  const table = config.table;
  const takeoverAt = row.takeoverAt ?? deps.now().toISOString();
  const channelId = row.channelId ?? "unknown";
  const ext = row.externalUserId;
  const now = deps.now();
  const timelineId = (kind: string) => deterministicId("contact-intake/timeline", kind, "transfer", header.transferId, ext);

  const giver = await getRelation(table, ext, header.fromUserId);
  if (giver && giver.status === "active") {
    await applyRelation(table, { userId: header.fromUserId, externalUserId: ext, status: "transferred", channelId: giver.channelId, at: takeoverAt }, now);
    await appendTimeline(table, [
      { id: timelineId("transferred-out"), externalUserId: ext, userId: header.fromUserId, kind: "transferred-out", at: takeoverAt, channelId: giver.channelId, detail: { toUserId: header.toUserId, transferId: header.transferId } },
    ]);
  }
  const taker = await getRelation(table, ext, header.toUserId);
  if (taker?.status !== "active") {
    await applyRelation(table, { userId: header.toUserId, externalUserId: ext, status: "active", channelId, at: takeoverAt, addedAt: takeoverAt, confirmed: true }, now);
    if (giver?.tagIds?.length) {
      const copied = await setRelationTags(table, ext, header.toUserId, giver.tagIds);
      const id = deterministicId("contact-intake", "contact.tags_changed", "transfer", header.transferId, ext);
      const tagsChanged = copied && planTagsChanged({ corpId: config.corpId, userId: header.toUserId, externalUserId: ext, source: "transfer", id, at: new Date(takeoverAt) }, copied);
      if (tagsChanged) await publishEvents(config.topicArn, [tagsChanged]);
    }
    await appendTimeline(table, [
      { id: timelineId("transferred-in"), externalUserId: ext, userId: header.toUserId, kind: "transferred-in", at: takeoverAt, channelId, detail: { fromUserId: header.fromUserId, transferId: header.transferId } },
    ]);
  }
  await updateHistory(table, ext, { plannedAt: header.createdAt, transferId: header.transferId }, { status: "done", completedAt: takeoverAt });
  if (row.published) return;
  await publishEvents(config.topicArn, [
    transferCompletedEvent({ corpId: config.corpId, fromUserId: header.fromUserId, toUserId: header.toUserId, externalUserId: ext, channelId, takeoverAt: new Date(takeoverAt) }),
  ]);
  await updateRow(table, header.transferId, ext, ["done"], { published: true, updatedAt: deps.now().toISOString() });
  out.published++;
}

