
import {
  summarizeTransfer,
  type TransferCustomerStatus,
  type TransferExclusion,
} from "../domain/transfer.ts";
import {
  getTransfer,
  listRows,
  listTransfers as readTransfers,
  rowStatuses,
  type TransferHeader,
  type TransferRow,
} from "../store/transfers.ts";

/** How many excluded customers the create answer lists (all are in the transfer's rows). */
export const EXCLUDED_SHOWN = 100;

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

/** What every view of a transfer shows first: who to whom, and where it stands. */
export function transferHeaderView(h: TransferHeader) {
  return { transferId: h.transferId, state: h.state, fromUserId: h.fromUserId, toUserId: h.toUserId, resigned: h.resigned, createdAt: h.createdAt };
}

export function transferView(h: TransferHeader, statuses: Iterable<TransferCustomerStatus>): TransferView {
  const s = summarizeTransfer(statuses);
  const view: TransferView = {
    ...transferHeaderView(h),
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


/** `GET /v1/transfers`: a page of transfers, newest first, each with who was included and who was not. */
export async function listTransfers(table: string, opts: { limit: number; cursor?: string | undefined }) {
  const p = await readTransfers(table, opts);
  return {
    items: p.items.map((h) => ({ ...transferHeaderView(h), included: h.included, excluded: h.excluded })),
    nextCursor: p.nextCursor ?? null,
  };
}
