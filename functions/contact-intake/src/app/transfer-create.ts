import { sendCommand } from "@siyu/bus";
import { AppError, deterministicId, makeEvent, newId } from "@siyu/kernel";
import { mapLimit } from "@siyu/store";
import {
  historyForRule,
  planTransfer,
  type TransferRequest,
} from "../domain/transfer.ts";
import { activeRelationsOfStaff, getRelation, type RelationRecord, } from "../store/relations.ts";
import {
  customerTransfers,
  getTransfer,
  insertTransfer,
  listRows,
  rowStatuses,
  setTransferState,
  type TransferBatch,
  type TransferHeader,
  type TransferRow,
} from "../store/transfers.ts";

import type { TransferDeps } from "./transfer-deps.ts";
import { EXCLUDED_SHOWN, exclusionView, type TransferView, transferView } from "./transfer-views.ts";

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
    timeZone: config.timeZone,
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
export async function dispatchBatches(deps: TransferDeps, header: TransferHeader): Promise<void> {
  const { config } = deps;
  const now = deps.now();
  for (let batch = 0; batch < header.batches; batch++) {
    const id = deterministicId("transfer-batch", header.transferId, batch);
    await sendCommand(config.queueUrl("transfers"), makeEvent("transfer.batch_requested", { transferId: header.transferId, batch }, { corpId: config.corpId, occurredAt: now, id }));
  }
  await setTransferState(config.table, header.transferId, "open", now);
}

