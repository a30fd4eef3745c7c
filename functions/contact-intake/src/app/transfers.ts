import { mapLimit } from "@siyu/store";
import { publishEvents, sendCommand } from "@siyu/bus";
import { AppError, deterministicId, makeEvent, newId } from "@siyu/kernel";
import type { Logger, RuntimeConfig } from "@siyu/lambda-kit";
import { WecomApiError, type WecomClient } from "@siyu/wecom";
import {
  type CustomerTransferRecord,
  findPendingTransfer,
  historyForRule,
  interpretTransferStart,
  isRetryableStartError,
  latestResults,
  planTransfer,
  resolveOpenRow,
  statusOfTransferFailure,
  statusesAfterStart,
  summarizeTransfer,
  type TransferCustomerStatus,
  type TransferExclusion,
  type TransferRequest,
  type TransferResultEntry,
  transferCompletedEvent,
} from "../domain/transfer.ts";
import { activeRelationsOfStaff, applyRelation, getRelation, type RelationRecord, setRelationTags } from "../store/relations.ts";
import { appendTimeline } from "../store/timeline.ts";
import {
  claimBatch,
  customerTransfers,
  finishBatch,
  getBatches,
  getTransfer,
  insertTransfer,
  listRows,
  openTransfers,
  releaseBatch,
  rowStatuses,
  setTransferState,
  type TransferBatch,
  type TransferHeader,
  type TransferRow,
  updateHistory,
  updateRow,
  workRows,
} from "../store/transfers.ts";

export interface TransferDeps {
  config: RuntimeConfig;
  wecom: () => Promise<WecomClient>;
  now: () => Date;
  log: Logger;
}

/** How many excluded customers the create answer lists (all are in the transfer's rows). */
const EXCLUDED_SHOWN = 100;

export interface TransferView {
  transferId: string;
  state: TransferHeader["state"];
  fromUserId: string;
  toUserId: string;
  resigned: boolean;
  successMessage?: string;
  createdAt: string;
  updatedAt: string;
  finalAt?: string;
  batches: number;
  counts: Record<TransferCustomerStatus, number>;
  total: number;
}

export function transferView(h: TransferHeader, statuses: Iterable<TransferCustomerStatus>): TransferView {
  const s = summarizeTransfer(statuses);
  const view: TransferView = {
    transferId: h.transferId,
    state: h.state,
    fromUserId: h.fromUserId,
    toUserId: h.toUserId,
    resigned: h.resigned,
    createdAt: h.createdAt,
    updatedAt: h.updatedAt,
    batches: h.batches,
    counts: s.counts,
    total: s.total,
  };
  if (h.successMessage !== undefined) view.successMessage = h.successMessage;
  if (h.finalAt !== undefined) view.finalAt = h.finalAt;
  return view;
}

export function exclusionView(e: TransferExclusion | TransferRow) {
  const out: Record<string, unknown> = { externalUserId: e.externalUserId, reason: e.reason };
  const eligibleAt = e.eligibleAt;
  if (eligibleAt !== undefined) out.eligibleAt = typeof eligibleAt === "string" ? eligibleAt : eligibleAt.toISOString();
  if (e.recentTransfers !== undefined) out.recentTransfers = e.recentTransfers;
  return out;
}

/** The request as it matters for idempotency (a replay must be the same request). */
function requestHash(r: TransferRequest): string {
  return deterministicId("transfer-request", r.fromUserId, r.toUserId, String(r.resigned), r.successMessage ?? "", JSON.stringify(r.externalUserIds ?? null));
}

/**
 * `POST /v1/transfers`: plan (followers from Siyu's relations, the 90-day rule and transfers in
 * progress from Siyu's transfer history — all before WeCom is called), store the transfer with one
 * row per customer, and queue one WeCom call per batch of ≤ 100. With an Idempotency-Key, a replay
 * answers the stored transfer and calls nothing.
 */
export async function createTransfer(
  deps: TransferDeps,
  req: TransferRequest,
  idempotencyKey?: string,
): Promise<{ replay: boolean; view: TransferView; excluded: Record<string, unknown>[]; excludedCount: number }> {
  const { config } = deps;
  const table = config.table;
  const hash = requestHash(req);
  const transferId = idempotencyKey ? deterministicId("contact-intake/transfer", idempotencyKey) : newId();
  if (idempotencyKey) {
    const existing = await getTransfer(table, transferId);
    if (existing) return replay(deps, existing, hash);
  }

  const now = deps.now();
  const createdAt = now.toISOString();
  // who follows the handover member, per Siyu's records
  let relations: RelationRecord[];
  if (req.externalUserIds) {
    const unique = [...new Set(req.externalUserIds)];
    relations = (await mapLimit(unique, 16, (id) => getRelation(table, id, req.fromUserId))).filter(
      (r): r is RelationRecord => r !== undefined && r.status === "active",
    );
  } else {
    relations = await activeRelationsOfStaff(table, req.fromUserId);
  }
  const channelOf = new Map(relations.map((r) => [r.externalUserId, r.channelId]));
  const candidates = req.externalUserIds ? [...new Set(req.externalUserIds)].filter((id) => channelOf.has(id)) : [...channelOf.keys()];
  const records = (
    await mapLimit(candidates, 16, async (id) => (await customerTransfers(table, id)).map((r) => ({ ...r, externalUserId: id })))
  ).flat();
  const rule = historyForRule(records);
  const plan = planTransfer(req, {
    now,
    timezone: config.timezone,
    customersOfHandover: [...channelOf.keys()],
    history: rule.history,
    inProgress: rule.inProgress,
  });
  const excluded = plan.excluded.map(exclusionView);
  if (plan.included.length === 0) {
    throw new AppError(
      422,
      "transfer-nothing-to-send",
      "No customer can be transferred",
      req.externalUserIds
        ? "every named customer is excluded (see `excluded`); nothing was sent to WeCom"
        : `${req.fromUserId} has no active customer in Siyu that can be transferred now; nothing was sent to WeCom`,
      { extensions: { excluded: excluded.slice(0, EXCLUDED_SHOWN), excludedCount: excluded.length } },
    );
  }

  const rows: TransferRow[] = [];
  plan.batches.forEach((b, batch) => {
    for (const id of b.external_userid) rows.push({ externalUserId: id, status: "pending", batch, channelId: channelOf.get(id) ?? "unknown", updatedAt: createdAt });
  });
  for (const e of plan.excluded) {
    // a duplicate's first mention has its own row
    if (e.reason === "duplicate") continue;
    const row: TransferRow = { externalUserId: e.externalUserId, status: "excluded", reason: e.reason, updatedAt: createdAt };
    if (e.eligibleAt) row.eligibleAt = e.eligibleAt.toISOString();
    if (e.recentTransfers !== undefined) row.recentTransfers = e.recentTransfers;
    const channelId = channelOf.get(e.externalUserId);
    if (channelId) row.channelId = channelId;
    rows.push(row);
  }
  const header: TransferHeader = {
    transferId,
    fromUserId: req.fromUserId,
    toUserId: req.toUserId,
    resigned: req.resigned,
    state: "planning",
    createdAt,
    updatedAt: createdAt,
    batches: plan.batches.length,
    included: plan.included.length,
    excluded: plan.excluded.length,
    requestHash: hash,
  };
  if (req.successMessage !== undefined) header.successMessage = req.successMessage;
  if (idempotencyKey) header.idempotencyKey = idempotencyKey;
  const history = plan.included.map((id) => ({
    externalUserId: id,
    transferId,
    fromUserId: req.fromUserId,
    toUserId: req.toUserId,
    resigned: req.resigned,
    channelId: channelOf.get(id) ?? "unknown",
    status: "pending" as const,
    plannedAt: createdAt,
  }));
  const batches: TransferBatch[] = plan.batches.map((b, batch) => ({ batch, externalUserIds: b.external_userid, state: "planned" }));
  if (!(await insertTransfer(table, { header, batches, rows, history }))) {
    // a concurrent request with the same Idempotency-Key stored it first
    const existing = await getTransfer(table, transferId);
    if (existing) return replay(deps, existing, hash);
  }
  await dispatchBatches(deps, header);
  deps.log.info("transfer planned", { transferId, included: plan.included.length, excluded: plan.excluded.length, batches: plan.batches.length });
  return {
    replay: false,
    view: transferView({ ...header, state: "open" }, rows.map((r) => r.status)),
    excluded: excluded.slice(0, EXCLUDED_SHOWN),
    excludedCount: excluded.length,
  };
}

async function replay(deps: TransferDeps, existing: TransferHeader, hash: string) {
  if (existing.requestHash !== hash) {
    throw new AppError(422, "idempotency-key-reused", "Idempotency-Key reused", "this Idempotency-Key was used for a different transfer request", {
      extensions: { transferId: existing.transferId },
    });
  }
  // a request that stopped after storing the plan: finish queuing it (idempotent)
  if (existing.state === "planning") await dispatchBatches(deps, existing);
  const table = deps.config.table;
  const excludedRows = (await listRows(table, existing.transferId, { limit: EXCLUDED_SHOWN, status: "excluded" })).items;
  return {
    replay: true,
    view: transferView(existing.state === "planning" ? { ...existing, state: "open" } : existing, await rowStatuses(table, existing.transferId)),
    excluded: excludedRows.map(exclusionView),
    excludedCount: existing.excluded,
  };
}

/** Queue one command per planned batch (ids derived from the batch: a repeat is deduplicated), then open the transfer. */
async function dispatchBatches(deps: TransferDeps, header: TransferHeader): Promise<void> {
  const { config } = deps;
  const now = deps.now();
  for (let batch = 0; batch < header.batches; batch++) {
    const id = deterministicId("transfer-batch", header.transferId, batch);
    await sendCommand(config.queueUrl("transfers"), makeEvent("transfer.batch_requested", { transferId: header.transferId, batch }, { corpId: config.corpId, occurredAt: now, id }));
  }
  await setTransferState(config.table, header.transferId, "open", now);
}

/**
 * The transfers queue: make one batch's WeCom call, at most once (the batch is claimed first), and
 * record each customer's answer: errcode 0 → waiting (WeCom completes it after 24 h unless refused),
 * else failed with the errcode. Busy/rate-limited answers give the claim back and retry.
 */
export async function sendTransferBatch(deps: TransferDeps, transferId: string, batchNo: number): Promise<void> {
  const { config, log } = deps;
  const table = config.table;
  const header = await getTransfer(table, transferId);
  if (!header) throw new AppError(404, "not-found", "Not found", `no transfer ${transferId}`, { retryable: false });
  const batch = await claimBatch(table, transferId, batchNo, deps.now());
  if (!batch) {
    log.info("transfer batch already claimed; not calling WeCom again", { transferId, batch: batchNo });
    return;
  }
  const body = { handover_userid: header.fromUserId, takeover_userid: header.toUserId, external_userid: batch.externalUserIds };
  const wecom = await deps.wecom();
  let customers: { external_userid: string; errcode: number }[];
  try {
    const out = header.resigned
      ? await wecom.resignedTransferCustomer(body)
      : await wecom.transferCustomer(header.successMessage !== undefined ? { ...body, transfer_success_msg: header.successMessage } : body);
    customers = out.customer;
  } catch (error) {
    if (error instanceof WecomApiError && isRetryableStartError(error.errcode)) {
      await releaseBatch(table, transferId, batchNo);
      throw error;
    }
    if (error instanceof WecomApiError) {
      // the whole call was refused (e.g. 40097 not resigned, 60111 unknown member): every customer failed
      customers = batch.externalUserIds.map((external_userid) => ({ external_userid, errcode: error.errcode }));
      log.warn("transfer call refused", { transferId, batch: batchNo, errcode: error.errcode, errmsg: error.errmsg });
    } else {
      // timeout or transport failure: WeCom may have started it. Leave the batch claimed; the result
      // poller settles its customers from transfer_result (or as unknown-outcome after an hour).
      log.error("transfer call outcome unknown; leaving it to the result poller", { transferId, batch: batchNo, error });
      return;
    }
  }
  const now = deps.now();
  const at = now.toISOString();
  const answered = new Set<string>();
  for (const s of statusesAfterStart(interpretTransferStart(customers))) {
    if (!batch.externalUserIds.includes(s.externalUserId)) continue;
    answered.add(s.externalUserId);
    const fields: Partial<TransferRow> & { updatedAt: string } = { status: s.status, updatedAt: at, startedAt: at };
    if (s.errcode !== undefined) fields.errcode = s.errcode;
    if (s.reason !== undefined) fields.reason = s.reason;
    await updateRow(table, transferId, s.externalUserId, ["pending"], fields);
    await updateHistory(table, s.externalUserId, { plannedAt: header.createdAt, transferId }, s.status === "waiting" ? { status: "waiting", startedAt: at } : { status: "failed" });
  }
  const missing = batch.externalUserIds.filter((id) => !answered.has(id));
  if (missing.length) log.warn("transfer answer did not list every customer; the poller will settle them", { transferId, missing: missing.length });
  const allFailed = customers.every((c) => c.errcode !== 0);
  await finishBatch(table, transferId, batchNo, allFailed ? "failed" : "sent", now, allFailed ? customers[0]?.errcode : undefined);
}

export interface PollOutcome {
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
    if (giver?.tagIds?.length) await setRelationTags(table, ext, header.toUserId, giver.tagIds);
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

/**
 * A `transfer_fail` callback (customer refused, or the taker is at their customer cap): settle the
 * open transfer of this customer to this member, if Siyu started one.
 */
export async function recordTransferFailure(deps: TransferDeps, f: { userId: string; externalUserId: string; reason: string }): Promise<void> {
  const table = deps.config.table;
  const record = findPendingTransfer(await customerTransfers(table, f.externalUserId), f.userId);
  if (!record) {
    deps.log.info("transfer_fail for a transfer Siyu did not start (or already settled)", { ...f });
    return;
  }
  const status = statusOfTransferFailure(f.reason);
  const at = deps.now().toISOString();
  const fields: Partial<TransferRow> & { updatedAt: string } = { status, updatedAt: at };
  if (status === "failed") fields.reason = f.reason;
  await updateRow(table, record.transferId, f.externalUserId, ["pending", "waiting"], fields);
  await updateHistory(table, f.externalUserId, record, { status, completedAt: at });
}

/** For the intake: the open transfer of this customer to this member (its add event is not a channel add). */
export async function pendingTransferTo(table: string, externalUserId: string, userId: string): Promise<CustomerTransferRecord | undefined> {
  return findPendingTransfer(await customerTransfers(table, externalUserId), userId);
}

/** A transfer with its counts and one page of customer rows. */
export async function transferDetail(
  table: string,
  transferId: string,
  opts: { limit: number; cursor?: string | undefined; status?: TransferCustomerStatus | undefined },
) {
  const header = await getTransfer(table, transferId);
  if (!header) return undefined;
  const [statuses, page] = await Promise.all([rowStatuses(table, transferId), listRows(table, transferId, opts)]);
  return { view: transferView(header, statuses), rows: page.items, nextCursor: page.nextCursor };
}
