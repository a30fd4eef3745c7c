
import {
  type CustomerTransferRecord,
  findPendingTransfer,
  statusOfTransferFailure,
} from "../domain/transfer.ts";
import {
  customerTransfers,
  type TransferRow,
  updateHistory,
  updateRow,
} from "../store/transfers.ts";

import type { TransferDeps } from "./transfer-deps.ts";

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

