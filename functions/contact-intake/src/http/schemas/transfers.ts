/**
 * The transfer routes' answers (`POST/GET /v1/transfers`, `GET /v1/transfers/{transferId}`), as
 * `app/transfer-views.ts` and `app/transfer-create.ts` build them. With `SIYU_CHECK_RESPONSES=1` every
 * answer is checked against these, so docs/openapi.json cannot drift from the code.
 */
import * as z from "zod";
import { TRANSFER_CUSTOMER_STATUSES, type TransferExclusionReason, type TransferPhase } from "../../domain/transfer.ts";
import { domainEnum, instant } from "./customers.ts";

const customerStatusSchema = z.enum(TRANSFER_CUSTOMER_STATUSES);

/** What every view of a transfer shows first (`transferHeaderView`). */
const transferHeaderSchema = z.object({
  transferId: z.string(),
  state: domainEnum<TransferPhase>({ planning: true, open: true, final: true }).meta({
    description: "planning: stored, its WeCom calls not all queued yet; open: customers pending or waiting; final: every customer has an outcome",
  }),
  fromUserId: z.string().meta({ description: "The handover member" }),
  toUserId: z.string().meta({ description: "The takeover member" }),
  resigned: z.boolean().meta({ description: "true: 离职继承 (the handover member left); false: 在职继承" }),
  createdAt: instant("When it was planned"),
});

/** A transfer and where it stands (`transferView`). */
const transferViewSchema = transferHeaderSchema.extend({
  successMessage: z.string().optional(),
  updatedAt: instant("Last change"),
  finalAt: instant("When every customer had an outcome").optional(),
  batches: z.number().int().meta({ description: "WeCom calls (≤ 100 customers each)" }),
  counts: z.record(customerStatusSchema, z.number().int()).meta({ description: "Customers per status" }),
  total: z.number().int().meta({ description: "Customers in the transfer, excluded ones included" }),
});

/** A customer Siyu did not send (`exclusionView`). */
const exclusionSchema = z.object({
  externalUserId: z.string(),
  reason: domainEnum<TransferExclusionReason>({ "too-frequent": true, "in-progress": true, "not-a-follower": true, duplicate: true }),
  eligibleAt: instant("too-frequent: the first instant the customer can be transferred again").optional(),
  recentTransfers: z.number().int().optional().meta({ description: "too-frequent: transfers counted in the window" }),
});

/** `POST /v1/transfers`: the planned transfer and who was left out. */
export const transferCreatedSchema = transferViewSchema.extend({
  excluded: z.array(exclusionSchema).meta({ description: "The first 100 excluded customers (all are in the transfer's rows)" }),
  excludedCount: z.number().int(),
});

/** `GET /v1/transfers`: newest first, each with how many customers were included and excluded. */
export const transferPageSchema = z.object({
  items: z.array(transferHeaderSchema.extend({ included: z.number().int(), excluded: z.number().int() })),
  nextCursor: z.string().nullable().meta({ description: "Pass as `cursor` for the next page; null at the end" }),
});

/** One customer of a transfer (`TransferRow`). */
const transferRowSchema = z.object({
  externalUserId: z.string(),
  status: customerStatusSchema,
  batch: z.number().int().optional().meta({ description: "The WeCom call it is in (absent when excluded)" }),
  channelId: z.string().optional(),
  reason: z.string().optional().meta({ description: "Why it is excluded or failed, e.g. `too-frequent`, `not-a-follower`, `no-record`" }),
  errcode: z.number().int().optional().meta({ description: "WeCom's errcode when it refused to start it" }),
  eligibleAt: instant("too-frequent: the first instant it can be transferred again").optional(),
  recentTransfers: z.number().int().optional(),
  claimedAt: instant("When its batch was claimed").optional(),
  startedAt: instant("When WeCom started it").optional(),
  takeoverAt: instant("waiting: the automatic completion time; done: when it completed").optional(),
  published: z.boolean().optional().meta({ description: "done: contact.transferred has been published" }),
  updatedAt: instant("Last change"),
});

/** `GET /v1/transfers/{transferId}`: the transfer, its counts and one page of its customers. */
export const transferDetailSchema = transferViewSchema.extend({
  customers: z.array(transferRowSchema),
  nextCursor: z.string().nullable().meta({ description: "Pass as `cursor` for the next page of customers; null at the end" }),
});
