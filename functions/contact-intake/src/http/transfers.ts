import { notFound } from "@siyu/kernel";
import { idempotencyKeyOf, log, route } from "@siyu/lambda-kit";
import { wecomFor } from "@siyu/wecom";
import * as z from "zod";
import { createTransfer } from "../app/transfer-create.ts";
import { listTransfers, transferDetail } from "../app/transfer-views.ts";
import { TRANSFER_CUSTOMER_STATUSES, transferRequestSchema } from "../domain/transfer.ts";
import { transferCreatedSchema, transferDetailSchema, transferPageSchema } from "./schemas/transfers.ts";

const transferIdParam = z.object({ transferId: z.string().min(1).max(64).regex(/^[0-9A-Za-z]+$/, "a transfer id") });
const page = { limit: z.coerce.number().int().min(1).max(100).default(50), cursor: z.string().min(1).max(2048).optional() };

/**
 * `POST /v1/transfers`: plan and store a transfer (在职/离职继承) and queue its WeCom calls → 202
 * with the plan. The 90-day rule, transfers in progress and followers are checked before any call.
 * An `Idempotency-Key` header makes a retry answer the same transfer without calling WeCom again.
 */
export const createTransferRoute = route(
  {
    body: transferRequestSchema,
    doc: { response: { status: 202, description: "Planned, its WeCom calls queued (also 202 on an Idempotency-Key replay, with `Idempotent-Replayed: true`)", schema: transferCreatedSchema } },
  },
  async (req) => {
    const key = idempotencyKeyOf(req.headers);
    const wecom = wecomFor(req.config);
    const out = await createTransfer({ config: req.config, wecom: () => wecom.client(), now: () => req.clock.now(), log }, req.body, key);
    return {
      status: 202,
      headers: { location: `/v1/transfers/${out.view.transferId}`, ...(out.replay ? { "idempotent-replayed": "true" } : {}) },
      body: { ...out.view, excluded: out.excluded, excludedCount: out.excludedCount },
    };
  },
);

export const listTransfersRoute = route({ query: z.object(page), doc: { response: { description: "A page of transfers, newest first", schema: transferPageSchema } } }, async (req) => ({ status: 200, body: await listTransfers(req.config.table, req.query) }));

/** `GET /v1/transfers/{transferId}`: progress (counts per status) and a page of per-customer rows. */
export const getTransferRoute = route(
  {
    params: transferIdParam,
    query: z.object({ ...page, status: z.enum(TRANSFER_CUSTOMER_STATUSES).optional() }),
    doc: { response: { description: "The transfer, its counts per status and one page of its customers", schema: transferDetailSchema } },
  },
  async (req) => {
    const d = await transferDetail(req.config.table, req.params.transferId, req.query);
    if (!d) throw notFound(`no transfer ${req.params.transferId}`);
    return { status: 200, body: { ...d.view, customers: d.rows, nextCursor: d.nextCursor ?? null } };
  },
);
