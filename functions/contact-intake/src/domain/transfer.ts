/**
 * Customer transfer 在职/离职继承 (wecom-reference §11): validate a request, plan it into WeCom calls of
 * ≤ 100 customers, enforce the per-customer frequency rule before calling WeCom, and interpret the
 * per-customer answers and `transfer_result` statuses until each transfer is final.
 *
 * Frequency rule: at most 2 transfers per customer per 90 natural days (errcode 40128). The reference
 * cites it for the on-job API (§11, §13), so by default it is enforced for on-job transfers only;
 * previous transfers of either kind count. Days are corp days; the window is conservative by one day
 * (a transfer on day D counts through day D+90) because "90 natural days" is not defined more exactly.
 */
import { addDays, corpDay, type DomainEvent, daysBetween, deterministicId, formatIssues, makeEvent, startOfCorpDay } from "@siyu/kernel";
import * as z from "zod";
import { userIdSchema } from "./channel.ts";
import { InvalidInput } from "./errors.ts";
import { WECOM } from "./limits.ts";

const externalUserId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^#]+$/, "an external user id may not contain #");
const memberId = userIdSchema.regex(/^[^#]+$/, "a userId may not contain #");
const messageSchema = (field: string) =>
  z
    .string()
    .refine((s) => [...s].length <= WECOM.transferMessageMaxChars, `${field} is at most ${WECOM.transferMessageMaxChars} characters`);

export const transferRequestSchema = z
  .strictObject({
    /** handover_userid: the member whose customers move. */
    fromUserId: memberId,
    /** takeover_userid. */
    toUserId: memberId,
    /** Which customers; absent = all of the handover member's customers. */
    externalUserIds: z.array(externalUserId).min(1, "name at least one customer, or leave the list out for all").optional(),
    /** 离职继承 (the handover member has resigned) instead of 在职继承. */
    resigned: z.boolean().default(false),
    /** transfer_success_msg shown to the customer (on-job only), ≤ 200 characters. */
    successMessage: messageSchema("successMessage").optional(),
    /** Alias of `successMessage`. */
    message: messageSchema("message").optional(),
  })
  .superRefine((r, ctx) => {
    if (r.fromUserId === r.toUserId) {
      ctx.addIssue({ code: "custom", path: ["toUserId"], message: "the takeover member must differ from the handover member" });
    }
    if (r.message !== undefined && r.successMessage !== undefined) {
      ctx.addIssue({ code: "custom", path: ["message"], message: "give message or successMessage, not both" });
    }
    if (r.resigned && (r.successMessage !== undefined || r.message !== undefined)) {
      const field = r.successMessage !== undefined ? "successMessage" : "message";
      ctx.addIssue({ code: "custom", path: [field], message: "a resigned transfer has no success message" });
    }
  })
  .transform(({ message, ...r }) => (message !== undefined ? { ...r, successMessage: message } : r));
export type TransferRequest = z.output<typeof transferRequestSchema>;

/** Validate a transfer request body; throws `InvalidInput` with field issues. */
export function parseTransferRequest(input: unknown): TransferRequest {
  const r = transferRequestSchema.safeParse(input);
  if (!r.success) throw new InvalidInput("The transfer request is not valid", formatIssues(r.error));
  return r.data;
}

interface TransferPolicy {
  maxPerWindow: number;
  windowDays: number;
  /** Also enforce the rule for resigned-member transfers (default false, see module comment). */
  applyToResigned: boolean;
}

const DEFAULT_TRANSFER_POLICY: TransferPolicy = {
  maxPerWindow: WECOM.transfersPerWindow,
  windowDays: WECOM.transferWindowDays,
  applyToResigned: false,
};

export type TransferExclusionReason = "too-frequent" | "in-progress" | "not-a-follower" | "duplicate";

export interface TransferExclusion {
  externalUserId: string;
  reason: TransferExclusionReason;
  /** too-frequent: the first instant the customer can be transferred again. */
  eligibleAt?: Date;
  /** too-frequent: transfers counted in the window. */
  recentTransfers?: number;
}

interface TransferPlanContext {
  now: Date;
  timeZone: string;
  /** The handover member's current customers. Required when the request names none; otherwise used to check. */
  customersOfHandover?: readonly string[];
  /** Start times of earlier transfers, by customer. */
  history: Readonly<Record<string, readonly (Date | string)[]>>;
  /** Customers with a transfer still waiting for its result. */
  inProgress?: ReadonlySet<string>;
  policy?: Partial<TransferPolicy>;
}

/** Body of `transfer_customer` / `resigned/transfer_customer`. */
interface TransferCustomerRequest {
  handover_userid: string;
  takeover_userid: string;
  external_userid: string[];
  transfer_success_msg?: string;
}

export const TRANSFER_ENDPOINTS = {
  onJob: "/cgi-bin/externalcontact/transfer_customer",
  resigned: "/cgi-bin/externalcontact/resigned/transfer_customer",
} as const;

interface TransferPlan {
  endpoint: (typeof TRANSFER_ENDPOINTS)[keyof typeof TRANSFER_ENDPOINTS];
  /** One WeCom call each, ≤ 100 customers. */
  batches: TransferCustomerRequest[];
  /** Customers that will be transferred, in order. */
  included: string[];
  excluded: TransferExclusion[];
}

/**
 * When a customer with these earlier transfers can next be transferred at or after `now`: undefined
 * if they can be now, else the start of the corp day on which enough earlier transfers have left the
 * window. Also returns how many transfers the window holds now.
 */
export function transferAvailability(
  previous: readonly (Date | string)[],
  now: Date,
  timeZone: string,
  policy: Pick<TransferPolicy, "maxPerWindow" | "windowDays"> = DEFAULT_TRANSFER_POLICY,
): { recent: number; eligibleAt?: Date } {
  const today = corpDay(now, timeZone);
  const days = previous
    .map((t) => corpDay(new Date(t), timeZone))
    .filter((d) => daysBetween(d, today) <= policy.windowDays)
    .sort();
  const recent = days.length;
  if (recent < policy.maxPerWindow) return { recent };
  // The (recent − max + 1) oldest must leave the window; the last of them leaves the day after its day + windowDays.
  const leaving = days[recent - policy.maxPerWindow]!;
  return { recent, eligibleAt: startOfCorpDay(addDays(leaving, policy.windowDays + 1), timeZone) };
}

/** Plan a validated transfer request into WeCom calls, excluding customers that would fail or break the rules. */
export function planTransfer(request: TransferRequest, ctx: TransferPlanContext): TransferPlan {
  const policy = { ...DEFAULT_TRANSFER_POLICY, ...ctx.policy };
  const enforceFrequency = !request.resigned || policy.applyToResigned;
  const followers = ctx.customersOfHandover ? new Set(ctx.customersOfHandover) : undefined;
  const requested = request.externalUserIds ?? ctx.customersOfHandover;
  if (requested === undefined) {
    throw new TypeError("planTransfer needs customersOfHandover when the request names no customers");
  }

  const seen = new Set<string>();
  const included: string[] = [];
  const excluded: TransferExclusion[] = [];
  for (const id of requested) {
    if (seen.has(id)) {
      excluded.push({ externalUserId: id, reason: "duplicate" });
      continue;
    }
    seen.add(id);
    if (followers && !followers.has(id)) {
      excluded.push({ externalUserId: id, reason: "not-a-follower" });
      continue;
    }
    if (ctx.inProgress?.has(id)) {
      excluded.push({ externalUserId: id, reason: "in-progress" });
      continue;
    }
    if (enforceFrequency) {
      const a = transferAvailability(ctx.history[id] ?? [], ctx.now, ctx.timeZone, policy);
      if (a.eligibleAt) {
        excluded.push({ externalUserId: id, reason: "too-frequent", eligibleAt: a.eligibleAt, recentTransfers: a.recent });
        continue;
      }
    }
    included.push(id);
  }

  const batches: TransferCustomerRequest[] = [];
  for (let i = 0; i < included.length; i += WECOM.transferBatchMax) {
    const body: TransferCustomerRequest = {
      handover_userid: request.fromUserId,
      takeover_userid: request.toUserId,
      external_userid: included.slice(i, i + WECOM.transferBatchMax),
    };
    if (!request.resigned && request.successMessage !== undefined) body.transfer_success_msg = request.successMessage;
    batches.push(body);
  }
  return { endpoint: request.resigned ? TRANSFER_ENDPOINTS.resigned : TRANSFER_ENDPOINTS.onJob, batches, included, excluded };
}

type TransferStartReason =
  | "too-frequent"
  | "in-progress"
  | "taker-at-cap"
  | "not-a-follower"
  | "not-resigned"
  | "same-user"
  | "not-verified"
  | "error";

const START_ERRCODES: Record<number, TransferStartReason> = {
  40128: "too-frequent",
  40100: "in-progress",
  40129: "in-progress",
  40099: "taker-at-cap",
  40131: "not-a-follower",
  40097: "not-resigned",
  40130: "same-user",
  40098: "not-verified",
};

interface TransferStartResult {
  /** errcode 0: the transfer started; it completes within 24 h unless refused (not final). */
  started: string[];
  failed: { externalUserId: string; errcode: number; reason: TransferStartReason }[];
}

/** Interpret the per-customer `customer[]{external_userid, errcode}` of a transfer call. */
export function interpretTransferStart(customers: readonly { external_userid: string; errcode: number }[]): TransferStartResult {
  const out: TransferStartResult = { started: [], failed: [] };
  for (const c of customers) {
    if (c.errcode === 0) out.started.push(c.external_userid);
    else out.failed.push({ externalUserId: c.external_userid, errcode: c.errcode, reason: START_ERRCODES[c.errcode] ?? "error" });
  }
  return out;
}

type TransferState = "done" | "waiting" | "refused" | "taker-at-cap" | "no-record" | "unknown";

interface TransferStatus {
  externalUserId: string;
  state: TransferState;
  /** No further change will happen: stop polling. */
  final: boolean;
  /** The customer now belongs to the takeover member. */
  succeeded: boolean;
  /** done: when it completed; waiting: when it will complete automatically. */
  takeoverAt?: Date;
}

const STATUSES: Record<number, { state: TransferState; final: boolean }> = {
  1: { state: "done", final: true },
  2: { state: "waiting", final: false },
  3: { state: "refused", final: true },
  4: { state: "taker-at-cap", final: true },
  5: { state: "no-record", final: true },
};

/**
 * Interpret one `transfer_result` entry: status 1 done, 2 waiting (takeover_time = the automatic
 * completion time), 3 customer refused, 4 taker at cap, 5 no transfer record. Unknown statuses are
 * not final (keep polling, and log them).
 */
export function interpretTransferResult(c: { external_userid: string; status: number; takeover_time?: number }): TransferStatus {
  const s = STATUSES[c.status] ?? { state: "unknown" as const, final: false };
  const out: TransferStatus = { externalUserId: c.external_userid, state: s.state, final: s.final, succeeded: s.state === "done" };
  if (c.takeover_time !== undefined && c.takeover_time > 0) out.takeoverAt = new Date(c.takeover_time * 1000);
  return out;
}

/** When to poll a waiting transfer started at `startedAt` if WeCom gave no takeover time: after the 24 h refusal window. */
export function transferAutoCompleteAt(startedAt: Date): Date {
  return new Date(startedAt.getTime() + WECOM.transferAutoCompleteMs);
}

/**
 * The `contact.transferred` event for a completed transfer, with an id stable across polls
 * (derived from both members, the customer and the takeover time).
 */
export function transferCompletedEvent(t: {
  corpId: string;
  fromUserId: string;
  toUserId: string;
  externalUserId: string;
  channelId: string;
  takeoverAt: Date;
}): DomainEvent<"contact.transferred"> {
  const at = t.takeoverAt.toISOString();
  return makeEvent(
    "contact.transferred",
    { fromUserId: t.fromUserId, toUserId: t.toUserId, externalUserId: t.externalUserId, channelId: t.channelId, transferredAt: at },
    { corpId: t.corpId, occurredAt: at, id: deterministicId("contact-intake", "contact.transferred", t.fromUserId, t.toUserId, t.externalUserId, at) },
  );
}

// ───────────────────────────── tracking a stored transfer ─────────────────────────────

/**
 * Status of one customer of a stored transfer:
 * - `pending`: planned, its batch not yet sent to WeCom;
 * - `waiting`: WeCom started it (errcode 0); the customer may refuse within 24 h;
 * - `done`: the customer now belongs to the takeover member (final);
 * - `refused`: the customer refused (transfer_result 3, `transfer_fail` customer_refused; final);
 * - `taker-at-cap`: the takeover member is at their customer cap (4, customer_limit_exceed; final);
 * - `failed`: WeCom refused to start it (`errcode`), had no record of it, or its outcome is unknown (final);
 * - `excluded`: Siyu did not send it (the 90-day rule, in progress, not a follower, duplicate; final).
 */
export const TRANSFER_CUSTOMER_STATUSES = ["pending", "waiting", "done", "refused", "taker-at-cap", "failed", "excluded"] as const;
export type TransferCustomerStatus = (typeof TRANSFER_CUSTOMER_STATUSES)[number];

function isOpenCustomerStatus(s: TransferCustomerStatus): boolean {
  return s === "pending" || s === "waiting";
}

/** Counts per status and whether the transfer is final (no customer pending or waiting). */
export function summarizeTransfer(statuses: Iterable<TransferCustomerStatus>): { counts: Record<TransferCustomerStatus, number>; total: number; final: boolean } {
  const counts = Object.fromEntries(TRANSFER_CUSTOMER_STATUSES.map((s) => [s, 0])) as Record<TransferCustomerStatus, number>;
  let total = 0;
  for (const s of statuses) {
    counts[s]++;
    total++;
  }
  return { counts, total, final: counts.pending === 0 && counts.waiting === 0 };
}

/** Row changes after a transfer call answered per customer. */
export function statusesAfterStart(
  result: TransferStartResult,
): { externalUserId: string; status: "waiting" | "failed"; errcode?: number; reason?: TransferStartReason }[] {
  return [
    ...result.started.map((externalUserId) => ({ externalUserId, status: "waiting" as const })),
    ...result.failed.map((f) => ({ externalUserId: f.externalUserId, status: "failed" as const, errcode: f.errcode, reason: f.reason })),
  ];
}

/** errcodes after which a transfer call certainly did nothing and may be retried later (§13). */
const RETRYABLE_START_ERRCODES = new Set([-1, 45009, 45033]);
export function isRetryableStartError(errcode: number): boolean {
  return RETRYABLE_START_ERRCODES.has(errcode);
}

export interface TransferResultEntry {
  external_userid: string;
  status: number;
  takeover_time?: number | undefined;
}

/**
 * `transfer_result` lists every transfer between the two members, older ones included. Keep, per
 * customer, the entry with the latest takeover time that is not older than this transfer's start
 * (minus `slackMs` for clock skew): an earlier transfer's outcome must not settle this one.
 */
export function latestResults(entries: readonly TransferResultEntry[], startedAt: Date, slackMs = 10 * 60_000): Map<string, TransferResultEntry> {
  const floor = startedAt.getTime() - slackMs;
  const out = new Map<string, TransferResultEntry>();
  for (const e of entries) {
    const t = e.takeover_time ? e.takeover_time * 1000 : undefined;
    if (t !== undefined && t < floor) continue;
    const prev = out.get(e.external_userid);
    if (!prev || (e.takeover_time ?? 0) >= (prev.takeover_time ?? 0)) out.set(e.external_userid, e);
  }
  return out;
}

/** A pending row whose batch was claimed this long ago without a recorded answer has an unknown outcome. */
const UNKNOWN_OUTCOME_AFTER_MS = 60 * 60_000;
/** A waiting row WeCom stops listing is given up this long after its automatic completion time. */
const NO_RECORD_AFTER_MS = 48 * 3_600_000;

interface OpenRow {
  externalUserId: string;
  status: "pending" | "waiting";
  /** When the WeCom call started it (waiting), or when its batch was claimed (pending). */
  startedAt?: string;
}

type RowUpdate =
  | { status: "waiting"; takeoverAt?: Date }
  | { status: "done"; takeoverAt: Date }
  | { status: "refused" | "taker-at-cap"; at?: Date }
  | { status: "failed"; reason: "no-record" | "unknown-outcome" };

/**
 * What a poll of `transfer_result` means for one open row: a new status, or undefined (no change).
 * `entry` is the row's latest result (see `latestResults`), if WeCom listed one.
 */
export function resolveOpenRow(row: OpenRow, entry: TransferResultEntry | undefined, now: Date): RowUpdate | undefined {
  if (entry) {
    const r = interpretTransferResult(entry);
    switch (r.state) {
      case "waiting":
        if (row.status === "waiting") return undefined;
        return r.takeoverAt ? { status: "waiting", takeoverAt: r.takeoverAt } : { status: "waiting" };
      case "done":
        return { status: "done", takeoverAt: r.takeoverAt ?? now };
      case "refused":
      case "taker-at-cap":
        return r.takeoverAt ? { status: r.state, at: r.takeoverAt } : { status: r.state };
      case "no-record":
        return { status: "failed", reason: "no-record" };
      case "unknown":
        return undefined;
    }
  }
  const since = row.startedAt ? new Date(row.startedAt).getTime() : undefined;
  if (since === undefined) return undefined;
  if (row.status === "pending" && now.getTime() - since > UNKNOWN_OUTCOME_AFTER_MS) return { status: "failed", reason: "unknown-outcome" };
  if (row.status === "waiting" && now.getTime() - since > WECOM.transferAutoCompleteMs + NO_RECORD_AFTER_MS) return { status: "failed", reason: "no-record" };
  return undefined;
}

/** The row status a `transfer_fail` callback means (`FailReason`). */
export function statusOfTransferFailure(failReason: string): "refused" | "taker-at-cap" | "failed" {
  if (failReason === "customer_refused") return "refused";
  if (failReason === "customer_limit_exceed") return "taker-at-cap";
  return "failed";
}

/** One transfer of a customer as kept in the customer's history. */
export interface CustomerTransferRecord {
  transferId: string;
  fromUserId: string;
  toUserId: string;
  resigned: boolean;
  channelId: string;
  status: TransferCustomerStatus;
  /** When WeCom started it (absent while pending). */
  startedAt?: string;
  plannedAt: string;
}

/**
 * The 90-day rule's input from a set of customers' histories: start times of transfers that WeCom
 * started (whatever their outcome: a refused transfer counts too), and customers with a transfer
 * still pending or waiting.
 */
export function historyForRule(records: readonly (CustomerTransferRecord & { externalUserId: string })[]): {
  history: Record<string, string[]>;
  inProgress: Set<string>;
} {
  const history: Record<string, string[]> = {};
  const inProgress = new Set<string>();
  for (const r of records) {
    if (isOpenCustomerStatus(r.status)) inProgress.add(r.externalUserId);
    const started = r.startedAt ?? (r.status === "pending" ? undefined : r.plannedAt);
    if (r.status === "failed" || r.status === "excluded" || started === undefined) continue;
    history[r.externalUserId] = [...(history[r.externalUserId] ?? []), started];
  }
  return { history, inProgress };
}

/**
 * The transfer of this customer to `userId` that is still open, if any: WeCom sends the taker an
 * add event when a transfer completes, and that add is not a channel add (`IntakeContext.pendingTransfer`).
 */
export function findPendingTransfer(records: readonly CustomerTransferRecord[], userId: string): CustomerTransferRecord | undefined {
  return records
    .filter((r) => r.toUserId === userId && isOpenCustomerStatus(r.status))
    .sort((a, b) => (a.plannedAt < b.plannedAt ? 1 : -1))[0];
}

/** Where a transfer request stands: its plan being stored, open (customers pending or waiting), final. */
export type TransferPhase = "planning" | "open" | "final";
