
import { AppError, } from "@siyu/kernel";
import { WecomApiError, } from "@siyu/wecom";
import {
  interpretTransferStart,
  isRetryableStartError,
  statusesAfterStart,
} from "../domain/transfer.ts";
import {
  claimBatch,
  finishBatch,
  getTransfer,
  releaseBatch,
  type TransferRow,
  updateHistory,
  updateRow,
} from "../store/transfers.ts";

import type { TransferDeps } from "./transfer-deps.ts";

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

