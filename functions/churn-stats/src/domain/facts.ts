/**
 * Relation facts: the append-only record churn statistics are derived from.
 *
 * A **relation** is one follow relation (corp, staff `userId`, customer `externalUserId`). Every
 * change of a relation is one **fact**: it was `added` or `transferred_in` (a *start*), or it was
 * `lost` (the customer deleted the staff member), `removed` (the staff member deleted the customer)
 * or `transferred_out` (an *end*). Facts are never updated or deleted; all figures are functions of
 * the set of facts, so they can be rebuilt at any time (`recompute.ts`).
 *
 * Identity: a fact's id is derived from its business identity (corp, kind, staff, customer, instant),
 * never from the envelope id, so a redelivered or re-produced event maps to the same fact.
 *
 * Ordering: facts are ordered by instant; at the same instant starts come before ends (so a transfer's
 * `transferred_in` is seen before its `transferred_out` and the customer never looks disconnected),
 * and `lost` before `removed` (so a simultaneous mutual delete is a loss). See `compareFacts`. How the
 * facts of a customer replay into connected periods is `episodes.ts`.
 */
import { type DomainEvent, type EventData, corpDay, deterministicId } from "@siyu/kernel";
import * as z from "zod";
import { ForeignCorpEvent } from "./errors.ts";

/** In canonical order for facts at the same instant: starts first, then `lost`, `removed`, `transferred_out`. */
export const FACT_KINDS = ["added", "transferred_in", "lost", "removed", "transferred_out"] as const;
export type FactKind = (typeof FACT_KINDS)[number];
export type StartKind = "added" | "transferred_in";
export type EndKind = "lost" | "removed" | "transferred_out";

export function isStart(kind: FactKind): kind is StartKind {
  return kind === "added" || kind === "transferred_in";
}

/** Version tag mixed into every fact id; bump only with a migration of stored facts. */
export const FACT_ID_VERSION = "churn-fact/v1";

const isoInstant = z.iso.datetime({ offset: false });

/** A fact as stored (fact log item, or inside a customer ledger). Parse stored items with it. */
export const factSchema = z.object({
  /** `deterministicId(FACT_ID_VERSION, corpId, kind, userId, externalUserId, at)`: 32 hex chars. */
  factId: z.string().regex(/^[0-9a-f]{32}$/),
  corpId: z.string().min(1).max(64),
  userId: z.string().min(1).max(64),
  externalUserId: z.string().min(1).max(128),
  kind: z.enum(FACT_KINDS),
  /** The instant of the change, UTC ISO with milliseconds (`2024-03-01T16:00:00.000Z`). */
  at: isoInstant,
  /** The channel (`state`) carried by the event; `""` when unknown. */
  channelId: z.string(),
  /** Transfers only: the other staff member (the taker for `transferred_out`, the giver for `transferred_in`). */
  counterpartUserId: z.string().min(1).max(64).optional(),
  /** Provenance: the envelope id of the event the fact was first derived from. Not part of identity. */
  eventId: z.string().max(128).optional(),
});
export type Fact = z.infer<typeof factSchema>;

export interface FactInput {
  corpId: string;
  userId: string;
  externalUserId: string;
  kind: FactKind;
  at: string | Date;
  channelId?: string;
  counterpartUserId?: string;
  eventId?: string;
}

/** Normalise an instant to UTC ISO with milliseconds; throws RangeError on an invalid instant. */
export function normalizeInstant(at: string | Date): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) throw new RangeError(`not an instant: ${String(at)}`);
  return d.toISOString();
}

/** The deterministic id of a fact: same corp, kind, staff, customer and instant ⇒ same id. */
export function factId(f: Pick<FactInput, "corpId" | "kind" | "userId" | "externalUserId" | "at">): string {
  return deterministicId(FACT_ID_VERSION, f.corpId, f.kind, f.userId, f.externalUserId, normalizeInstant(f.at));
}

/** Build a fact (normalised instant, deterministic id). Also the way to import baseline relations. */
export function makeFact(input: FactInput): Fact {
  const at = normalizeInstant(input.at);
  const fact: Fact = {
    factId: factId({ ...input, at }),
    corpId: input.corpId,
    userId: input.userId,
    externalUserId: input.externalUserId,
    kind: input.kind,
    at,
    channelId: input.channelId ?? "",
  };
  if (input.counterpartUserId !== undefined) fact.counterpartUserId = input.counterpartUserId;
  if (input.eventId !== undefined) fact.eventId = input.eventId;
  return fact;
}

/**
 * The facts a domain event contributes: one for `contact.added|lost|removed`, two for
 * `contact.transferred` (`transferred_out` on the giver's relation, `transferred_in` on the taker's;
 * both belong to the same customer, so one customer ledger write covers them), none for other types.
 * The event must already be validated (`parseEnvelope`).
 */
export function factsFromEvent(event: DomainEvent): Fact[] {
  const base = { corpId: event.corpId, eventId: event.id };
  switch (event.type) {
    case "contact.added": {
      const d = event.data as EventData<"contact.added">;
      return [makeFact({ ...base, ...relationOf(d), kind: "added", at: d.addedAt, channelId: d.channelId })];
    }
    case "contact.lost": {
      const d = event.data as EventData<"contact.lost">;
      return [makeFact({ ...base, ...relationOf(d), kind: "lost", at: d.lostAt, channelId: d.channelId })];
    }
    case "contact.removed": {
      const d = event.data as EventData<"contact.removed">;
      return [makeFact({ ...base, ...relationOf(d), kind: "removed", at: d.removedAt, channelId: d.channelId })];
    }
    case "contact.transferred": {
      const d = event.data as EventData<"contact.transferred">;
      if (d.fromUserId === d.toUserId) return [];
      const common = { ...base, externalUserId: d.externalUserId, at: d.transferredAt, channelId: d.channelId };
      return [
        makeFact({ ...common, userId: d.fromUserId, kind: "transferred_out", counterpartUserId: d.toUserId }),
        makeFact({ ...common, userId: d.toUserId, kind: "transferred_in", counterpartUserId: d.fromUserId }),
      ];
    }
    default:
      return [];
  }
}

/** The facts of an event for this corp's stack: an event of another corp is never counted here. */
export function factsToRecord(event: DomainEvent, corpId: string): Fact[] {
  if (event.corpId !== corpId) throw new ForeignCorpEvent(event.corpId, corpId);
  return factsFromEvent(event);
}

function relationOf(d: { userId: string; externalUserId: string }) {
  return { userId: d.userId, externalUserId: d.externalUserId };
}

export interface RelationKey {
  corpId: string;
  userId: string;
  externalUserId: string;
}

const enc = (s: string) => encodeURIComponent(s);

/** A string key of a relation, safe as a DynamoDB key part (`/` inside parts is percent-encoded). */
export function relationKey(r: RelationKey): string {
  return `${enc(r.corpId)}/${enc(r.userId)}/${enc(r.externalUserId)}`;
}

/** A string key of a customer within a corp: the unit of consistency (one ledger per customer). */
export function customerKey(r: Pick<RelationKey, "corpId" | "externalUserId">): string {
  return `${enc(r.corpId)}/${enc(r.externalUserId)}`;
}

const dayCache = new Map<string, string>();
const DAY_CACHE_LIMIT = 50_000;

/**
 * The corp-timezone day of an instant (`corpDay`, memoised: figures are recomputed from the same
 * instants on every apply, and `Intl` formatting is the hot spot).
 */
export function dayOf(at: string, timeZone: string): string {
  const key = `${timeZone} ${at}`;
  let day = dayCache.get(key);
  if (day === undefined) {
    day = corpDay(at, timeZone);
    if (dayCache.size >= DAY_CACHE_LIMIT) dayCache.clear();
    dayCache.set(key, day);
  }
  return day;
}

const RANK: Record<FactKind, number> = { added: 0, transferred_in: 1, lost: 2, removed: 3, transferred_out: 4 };

/** Canonical order: instant, then kind rank (starts, lost, removed, transferred_out), then staff, then id. */
export function compareFacts(a: Fact, b: Fact): number {
  const t = Date.parse(a.at) - Date.parse(b.at);
  if (t !== 0) return t;
  const r = RANK[a.kind] - RANK[b.kind];
  if (r !== 0) return r;
  if (a.userId !== b.userId) return a.userId < b.userId ? -1 : 1;
  return a.factId < b.factId ? -1 : a.factId > b.factId ? 1 : 0;
}

export function sortFacts(facts: readonly Fact[]): Fact[] {
  return [...facts].sort(compareFacts);
}

/** One fact per id; the first occurrence wins (the fact log keeps the first recorded version). */
export function dedupeFacts(facts: readonly Fact[]): Fact[] {
  const seen = new Set<string>();
  const out: Fact[] = [];
  for (const f of facts) {
    if (seen.has(f.factId)) continue;
    seen.add(f.factId);
    out.push(f);
  }
  return out;
}
