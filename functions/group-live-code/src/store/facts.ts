/**
 * A live code's stats facts (`LC#<codeId>` / `f#<at>#<id>`): page views, joins and leaves, each with a
 * deterministic id (a redelivered event rewrites the same fact), kept 400 days.
 */
import { batchWrite, key, queryPrefix, ttlAfter } from "@siyu/store";
import type { StatsFact } from "../domain/stats.ts";

const KEEP_SECONDS = 400 * 86_400;

/** Facts have a partition of their own: the code's partition stays small enough to read in one Query per visit. */
export const factsPk = (codeId: string) => key("LCF", codeId);
export const factSk = (f: { at: string; id: string }) => key("f", f.at, f.id);
export const factItem = (codeId: string, f: StatsFact & { id: string }) => ({ pk: factsPk(codeId), sk: factSk(f), ...f, ttl: ttlAfter(new Date(f.at), KEEP_SECONDS) });

export async function putFacts(table: string, codeId: string, facts: readonly (StatsFact & { id: string })[]): Promise<void> {
  if (facts.length === 0) return;
  await batchWrite(
    table,
    facts.map((f) => factItem(codeId, f)),
  );
}

/** Every fact of a code (bounded: the stats of one code, not a sweep). */
export async function factsOf(table: string, codeId: string): Promise<StatsFact[]> {
  const items = await queryPrefix<StatsFact & { pk: string; sk: string; id: string; ttl: number }>(table, factsPk(codeId), "f#", { ConsistentRead: false }, 1_000_000);
  return items.map(({ pk: _p, sk: _s, id: _i, ttl: _t, ...f }) => f as StatsFact);
}
