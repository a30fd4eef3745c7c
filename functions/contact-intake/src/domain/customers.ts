/**
 * The customer list (`GET /v1/customers`): its query schema, which index serves it, the sort-key
 * range of the added-date filter, the month partitions to walk, and its opaque cursors.
 *
 * One row per follow relation (a customer following two members is two rows), newest add first.
 * Every relation sort key is `<addedAt ISO>#<externalUserId>#<userId>`, so the added-date filter is a
 * key condition on whichever index is chosen. Index preference (most selective first): staff
 * (`userId`), channel (`channelId`), tag (`tagId`), else the month-of-add index, which is partitioned
 * by UTC month (`ADDED#YYYY-MM`) and walked month by month, newest first.
 *
 * Cursors are base64url JSON `{ v: 2, f, m?, k? }`: `f` fingerprints the filter (a cursor only works
 * with the query that produced it), `m` is the month partition being read (month index only), `k`
 * the DynamoDB key to resume after. Everything is checked on the way in; a cursor this API did not
 * produce is a 400 `invalid-cursor`.
 */
import { addDays, deterministicId, isDay, startOfCorpDay } from "@siyu/kernel";
import * as z from "zod";
import { InvalidCursor } from "./errors.ts";

const RELATION_STATUSES = ["active", "lost", "removed", "transferred"] as const;
/** A follow relation's state (its one home: events.ts and the store import it from here). */
export type RelationStatus = (typeof RELATION_STATUSES)[number];

/** An id used inside a store key: WeCom ids never contain `#`, and a key part may not. */
export const keyPartSchema = (what: string, max = 128) =>
  z
    .string()
    .min(1, `${what} is required`)
    .max(max, `${what} is at most ${max} characters`)
    .regex(/^[^#]+$/, `${what} may not contain #`);

const daySchema = z
  .string()
  .refine(isDay, "a calendar day YYYY-MM-DD")
  .refine((d) => !isDay(d) || (d >= "1970-01-01" && d <= "2999-12-31"), "a day from 1970-01-01 to 2999-12-31");

const CUSTOMER_LIST_MAX_LIMIT = 100;

export const customerListQuerySchema = z
  .object({
    userId: keyPartSchema("userId", 64).optional(),
    channelId: keyPartSchema("channelId", 30).optional(),
    tagId: keyPartSchema("tagId").optional(),
    /** First corp day of the add (inclusive), corp timezone. */
    addedFrom: daySchema.optional(),
    /** Last corp day of the add (inclusive), corp timezone. */
    addedTo: daySchema.optional(),
    status: z.enum(RELATION_STATUSES).optional(),
    limit: z.coerce
      .number()
      .int("limit is an integer")
      .min(1, `limit is from 1 to ${CUSTOMER_LIST_MAX_LIMIT}`)
      .max(CUSTOMER_LIST_MAX_LIMIT, `limit is from 1 to ${CUSTOMER_LIST_MAX_LIMIT}`)
      .default(20),
    cursor: z.string().min(1).max(2048).optional(),
  })
  .superRefine((q, ctx) => {
    if (q.addedFrom && q.addedTo && isDay(q.addedFrom) && isDay(q.addedTo) && q.addedFrom > q.addedTo) {
      ctx.addIssue({ code: "custom", path: ["addedTo"], message: `addedTo (${q.addedTo}) is before addedFrom (${q.addedFrom})` });
    }
  });
type CustomerListQuery = z.output<typeof customerListQuerySchema>;

export type ListSource =
  | { kind: "staff"; userId: string }
  | { kind: "channel"; channelId: string }
  | { kind: "tag"; tagId: string }
  | { kind: "added" };

export interface CustomerListPlan {
  source: ListSource;
  /** Inclusive sort-key bounds of the added-date range (BETWEEN). */
  skFrom: string;
  skTo: string;
  /** The instants the range covers: from inclusive, to exclusive (absent = open). */
  fromInstant?: Date;
  toExclusive?: Date;
  /** Filters the chosen index does not serve; the caller applies them to each relation. */
  residual: { userId?: string; channelId?: string; tagId?: string; status?: RelationStatus };
  limit: number;
  /** Binds cursors to this filter. */
  fingerprint: string;
}

/** Lowest and highest possible sort keys (ISO instants start with a 4-digit year). */
const SK_MIN = "0000";
const SK_MAX = "9999";

/** The sort-key range for adds at or after `from` and strictly before `toExclusive`. */
export function addedSortKeyRange(from?: Date, toExclusive?: Date): { skFrom: string; skTo: string } {
  const skFrom = from ? from.toISOString() : SK_MIN;
  // `~` sorts after every character of an id, so `<last ms>#~` covers every relation of that millisecond
  const skTo = toExclusive ? `${new Date(toExclusive.getTime() - 1).toISOString()}#~` : SK_MAX;
  return { skFrom, skTo };
}

/** Which index serves a validated query, and what is left to filter. */
export function planCustomerList(q: CustomerListQuery, timeZone: string): CustomerListPlan {
  const fromInstant = q.addedFrom ? startOfCorpDay(q.addedFrom, timeZone) : undefined;
  const toExclusive = q.addedTo ? startOfCorpDay(addDays(q.addedTo, 1), timeZone) : undefined;
  let source: ListSource;
  const residual: CustomerListPlan["residual"] = {};
  if (q.userId) {
    source = { kind: "staff", userId: q.userId };
    if (q.channelId) residual.channelId = q.channelId;
    if (q.tagId) residual.tagId = q.tagId;
  } else if (q.channelId) {
    source = { kind: "channel", channelId: q.channelId };
    if (q.tagId) residual.tagId = q.tagId;
  } else if (q.tagId) {
    source = { kind: "tag", tagId: q.tagId };
  } else {
    source = { kind: "added" };
  }
  if (q.status) residual.status = q.status;
  const plan: CustomerListPlan = {
    source,
    ...addedSortKeyRange(fromInstant, toExclusive),
    residual,
    limit: q.limit,
    fingerprint: listFingerprint(q),
  };
  if (fromInstant) plan.fromInstant = fromInstant;
  if (toExclusive) plan.toExclusive = toExclusive;
  return plan;
}

/** Does a relation pass the filters its index did not apply? */
export function matchesResidual(
  r: { userId: string; channelId: string; status: RelationStatus; tagIds?: readonly string[] },
  residual: CustomerListPlan["residual"],
): boolean {
  if (residual.userId !== undefined && r.userId !== residual.userId) return false;
  if (residual.channelId !== undefined && r.channelId !== residual.channelId) return false;
  if (residual.status !== undefined && r.status !== residual.status) return false;
  if (residual.tagId !== undefined && !(r.tagIds ?? []).includes(residual.tagId)) return false;
  return true;
}

/** The UTC month (`YYYY-MM`) of an ISO instant: the partition of the month-of-add index. */
export function monthOf(instant: string | Date): string {
  return (typeof instant === "string" ? instant : instant.toISOString()).slice(0, 7);
}

/**
 * The month partitions to read, newest first: the months known to hold relations that overlap
 * [fromInstant, toExclusive). Reading only known months keeps an open-ended range from walking
 * empty months back to the beginning of time.
 */
export function monthsToRead(knownMonths: Iterable<string>, fromInstant?: Date, toExclusive?: Date): string[] {
  const lo = fromInstant ? monthOf(fromInstant) : undefined;
  const hi = toExclusive ? monthOf(new Date(toExclusive.getTime() - 1)) : undefined;
  return [...new Set(knownMonths)]
    .filter((m) => /^\d{4}-\d{2}$/.test(m) && (lo === undefined || m >= lo) && (hi === undefined || m <= hi))
    .sort()
    .reverse();
}

export function listFingerprint(q: Pick<CustomerListQuery, "userId" | "channelId" | "tagId" | "addedFrom" | "addedTo" | "status">): string {
  return deterministicId("customers", q.userId ?? "", q.channelId ?? "", q.tagId ?? "", q.addedFrom ?? "", q.addedTo ?? "", q.status ?? "").slice(0, 12);
}

// ───────────────────────────── cursors ─────────────────────────────

export interface ListCursor {
  /** Filter fingerprint. */
  f: string;
  /** Month partition (month-of-add index only). */
  m?: string;
  /** DynamoDB key to resume after; absent = start of `m`. */
  k?: Record<string, string | number>;
}

export function invalidCursor(detail: string): InvalidCursor {
  return new InvalidCursor(detail);
}

export function encodeListCursor(c: ListCursor): string {
  return Buffer.from(JSON.stringify({ v: 2, ...c })).toString("base64url");
}

const cursorSchema = z.strictObject({
  v: z.literal(2),
  f: z.string().min(1).max(64),
  m: z.string().regex(/^\d{4}-\d{2}$/).optional(),
  k: z.record(z.string(), z.union([z.string().max(1024), z.number()])).optional(),
});

/**
 * Decode and check a cursor against the query it is used with: same filter, the key attributes of
 * the index being read, a key inside the requested range, and (month index) a month of the range.
 */
export function decodeListCursor(
  cursor: string,
  expect: { fingerprint: string; keyAttributes: readonly string[]; sortKeyAttribute: string; skFrom: string; skTo: string; months?: readonly string[] },
): ListCursor {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalidCursor("the cursor is not one this API returned");
  }
  const parsed = cursorSchema.safeParse(raw);
  if (!parsed.success) throw invalidCursor("the cursor is not one this API returned");
  const c = parsed.data;
  if (c.f !== expect.fingerprint) throw invalidCursor("the cursor belongs to a query with other filters");
  if (expect.months) {
    if (c.m === undefined || !expect.months.includes(c.m)) throw invalidCursor("the cursor's month is outside this query's range");
  } else if (c.m !== undefined) {
    throw invalidCursor("the cursor is not one this API returned");
  }
  if (c.k) {
    const names = Object.keys(c.k).sort();
    const wanted = [...expect.keyAttributes].sort();
    if (names.length !== wanted.length || names.some((n, i) => n !== wanted[i])) throw invalidCursor("the cursor is not one this API returned");
    const sk = c.k[expect.sortKeyAttribute];
    if (typeof sk !== "string" || sk < expect.skFrom || sk > expect.skTo) throw invalidCursor("the cursor is outside this query's date range");
    if (expect.months && c.m !== undefined && !sk.startsWith(c.m)) throw invalidCursor("the cursor is not one this API returned");
  }
  const out: ListCursor = { f: c.f };
  if (c.m !== undefined) out.m = c.m;
  if (c.k) out.k = c.k;
  return out;
}
