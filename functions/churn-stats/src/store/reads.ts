/**
 * Counter rows by partition name for the read model: the few named groups' rows by key, or every row
 * of a kind through the read cache (`packs.ts`). Returns what the domain's `seriesFromRows` /
 * `cohortsFromRows` combine: partition name → group → values in the order of `fields`.
 */
import type { GroupId, PartitionRows, RowsByPartition } from "../domain/index.ts";
import { batchGetRows, type ReadStats } from "./counters.ts";
import { cohortRowKey, dayRowKey, monthRowKey, totalRowKey } from "./keys.ts";
import { readKindRows } from "./packs.ts";

/** Which rows a partition name refers to: `day` / `cohort` names are days, `month` names months; `total` has one name, `all`. */
export type RowFamily = "day" | "month" | "cohort" | "total";

const KEY_OF: Record<RowFamily, (name: string, group: GroupId) => { pk: string; sk: string }> = {
  day: dayRowKey,
  month: monthRowKey,
  cohort: cohortRowKey,
  total: (_name, group) => totalRowKey(group),
};

export interface RowReadOptions {
  table: string;
  stats?: ReadStats | undefined;
  concurrency?: number | undefined;
}

const cellKey = (k: { pk: string; sk: string }) => `${k.pk}|${k.sk}`;

/** The rows of a few named groups: BatchGetItem of their keys. */
export async function readNamedRows(
  o: RowReadOptions,
  family: RowFamily,
  groups: readonly GroupId[],
  names: readonly string[],
  fields: readonly string[],
): Promise<RowsByPartition> {
  const keyOf = KEY_OF[family];
  const keys = names.flatMap((n) => groups.map((group) => keyOf(n, group)));
  const found = await batchGetRows(o.table, keys, { concurrency: o.concurrency ?? 16, ...(o.stats ? { stats: o.stats } : {}) });
  const out = new Map<string, PartitionRows>();
  for (const n of names) {
    const m = new Map<GroupId, number[]>();
    for (const group of groups) {
      const item = found.get(cellKey(keyOf(n, group)));
      if (item) m.set(group, fields.map((f) => (typeof item[f] === "number" ? (item[f] as number) : 0)));
    }
    out.set(n, m);
  }
  return out;
}

/**
 * Every row of `kind` in the partitions of `names` (one BatchGetItem of revisions and packs, plus a
 * Query per partition whose pack is stale or missing). Packs are written only for `settled` names.
 */
export async function readKindRowsByName(
  o: RowReadOptions,
  family: Exclude<RowFamily, "total">,
  kind: "staff" | "channel",
  names: readonly string[],
  fields: readonly string[],
  settled: ReadonlySet<string>,
): Promise<RowsByPartition> {
  const partitionOf = (n: string) => KEY_OF[family](n, `${kind}:x`).pk;
  const settledPartitions = new Set([...names].filter((n) => settled.has(n)).map(partitionOf));
  const byPartition = await readKindRows(names.map(partitionOf), {
    table: o.table,
    kind,
    fields,
    settled: (p) => settledPartitions.has(p),
    concurrency: o.concurrency ?? 16,
    ...(o.stats ? { stats: o.stats } : {}),
  });
  return new Map(names.map((n) => [n, byPartition.get(partitionOf(n)) ?? new Map()]));
}
