/**
 * The ledger a plan reads: what each recipient received or was known not to receive (the stored
 * ledger), plus a `planned` entry for every recipient of a run still open whose outcome is not known
 * yet (taken from that run's outbox chunks, so planning writes no ledger item per customer). A planned
 * entry counts in every window from the run's start to its deadline (quota.ts).
 */
import type { Candidate } from "./audience-types.ts";
import type { LedgerEntry } from "./quota.ts";

/** A run not finished yet, with the recipients it tasked (or may have tasked). */
export interface OpenRun {
  runKey: string;
  at: string;
  deadline: string;
  recipients: Iterable<string>;
}

/**
 * The stored ledger with each open run's recipients added as planned, unless the recipient's stored
 * entries already hold that run's outcome. Returns a new map; the input is not changed.
 * @example withOpenRuns(new Map(), [{ runKey: "c1#now", at, deadline, recipients: ["wm1"] }]).get("wm1") // [{ state: "planned", runId: "c1#now", … }]
 */
export function withOpenRuns(stored: ReadonlyMap<string, readonly LedgerEntry[]>, openRuns: readonly OpenRun[]): Map<string, LedgerEntry[]> {
  const out = new Map<string, LedgerEntry[]>();
  for (const [id, entries] of stored) out.set(id, [...entries]);
  for (const run of openRuns) {
    const planned: LedgerEntry = { at: run.at, latestAt: run.deadline, source: "siyu", state: "planned", runId: run.runKey };
    for (const id of run.recipients) {
      const entries = out.get(id);
      if (!entries) out.set(id, [planned]);
      else if (!entries.some((e) => e.runId === run.runKey)) entries.push(planned);
    }
  }
  return out;
}

/** Entries older than this no longer bind any window (the longest is a month, plus a run's deadline). */
export const LEDGER_HORIZON_DAYS = 40;

/**
 * Relations with their latest known interaction: the add, or a later delivered message of that member
 * (Siyu's own or the member's personal one), from the ledger. WeCom routes a customer's task to the
 * member who last talked with them, so the planner routes the same way.
 */
export function withInteractions(candidates: readonly Candidate[], ledger: ReadonlyMap<string, readonly LedgerEntry[]>): Candidate[] {
  return candidates.map((c) => {
    let latest = c.lastInteractionAt ?? c.addedAt;
    for (const e of ledger.get(c.externalUserId) ?? []) {
      if (e.state === "delivered" && e.userId === c.userId && e.at > latest) latest = e.at;
    }
    return latest === c.lastInteractionAt ? c : { ...c, lastInteractionAt: latest };
  });
}
