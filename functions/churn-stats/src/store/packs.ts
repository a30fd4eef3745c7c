/**
 * Partition revisions and packs: a read cache for "every group of a kind" reads (groupBy=staff /
 * channel), which would otherwise read one item per day × group.
 *
 * - Every transaction that writes counter rows of a `DAY#<day>`, `MONTH#<month>` or `COHORT#<day>`
 *   partition also does `ADD rev 1` on that partition's revision item `REV#<partition>` (live
 *   writes, split-write chunks and the rebuild alike). A revision only ever grows.
 * - A pack `PACK#<partition>#<kind>` is a snapshot of all of the kind's rows of the partition in one
 *   attribute, stamped with the revision it was read at. It is valid while the partition's revision
 *   still equals its stamp — any increment since makes it stale, and a stale pack is never used.
 * - Reads: one consistent BatchGetItem of the revisions and packs; a stale or missing pack → one
 *   Query of the partition (the kind's rows), and, for partitions that are over (days before today,
 *   months before this one), the pack is rewritten if the revision did not move during the Query.
 *   Today's partitions change with every event, so they are always queried and never packed.
 *
 * A partition without a revision item was never written by a counter transaction, so it has no rows
 * (every writer — live counting, split chunks, the rebuild — bumps the revision with its rows).
 *
 * Packs are a cache: deleting them all changes no answer. A kind with so many groups that a pack
 * would exceed `MAX_PACK_BYTES` (≈ 8,000 staff) is never packed; its reads stay one Query per day.
 */
import { type NativeAttributeValue, PutCommand } from "@aws-sdk/lib-dynamodb";
import { documentClient, isConditionalCheckFailed, type Key, mapLimit } from "@siyu/store";
import type { GroupId } from "../domain/index.ts";
import { batchGetRows, queryPartition, type ReadStats, type RowIncrement } from "./counters.ts";
import { type GroupKind, groupPrefix } from "./keys.ts";

export const MAX_PACK_BYTES = 300_000;

const PACKED = ["DAY#", "MONTH#", "COHORT#"];

export const revKey = (partition: string): Key => ({ pk: `REV#${partition}`, sk: "REV" });
export const packKey = (partition: string, kind: GroupKind): Key => ({ pk: `PACK#${partition}#${kind}`, sk: "PACK" });

/** The revision bumps a set of counter-row increments needs (one per DAY/MONTH/COHORT partition). */
export function revBumps(rows: readonly RowIncrement[]): RowIncrement[] {
  const partitions = new Set(rows.map((r) => r.key.pk).filter((pk) => PACKED.some((p) => pk.startsWith(p))));
  return [...partitions].sort().map((pk) => ({ key: revKey(pk), deltas: { rev: 1 } }));
}

/** A partition's rows of one kind: group → values in the order of the read's `fields`. */
export type KindRows = Map<GroupId, number[]>;

type Item = Record<string, NativeAttributeValue>;
const cell = (k: Key) => `${k.pk}|${k.sk}`;
const num = (v: unknown) => (typeof v === "number" ? v : 0);

function unpack(item: Item, fields: readonly string[]): KindRows | undefined {
  try {
    const parsed = JSON.parse(item.data as string) as { fields: string[]; rows: Record<string, number[]> };
    if (parsed.fields.join() !== fields.join()) return undefined;
    return new Map(Object.entries(parsed.rows));
  } catch {
    return undefined;
  }
}

function pack(rows: KindRows, fields: readonly string[]): string {
  return JSON.stringify({ fields, rows: Object.fromEntries(rows) });
}

export interface KindReadOptions {
  table: string;
  kind: Extract<GroupKind, "staff" | "channel">;
  /** The counter fields of these partitions. */
  fields: readonly string[];
  /** Whether a partition is over (its pack may be written). */
  settled: (partition: string) => boolean;
  stats?: ReadStats;
  concurrency?: number;
}

/** Every row of `kind` in each partition (`DAY#…`, `MONTH#…` or `COHORT#…`), by partition. */
export async function readKindRows(partitions: readonly string[], o: KindReadOptions): Promise<Map<string, KindRows>> {
  const out = new Map<string, KindRows>();
  if (partitions.length === 0) return out;
  const stats = o.stats ? { stats: o.stats } : {};
  const keys = partitions.flatMap((p) => [revKey(p), packKey(p, o.kind)]);
  const found = await batchGetRows(o.table, keys, { consistent: true, concurrency: o.concurrency ?? 16, ...stats });
  const revs = new Map(partitions.map((p) => [p, num(found.get(cell(revKey(p)))?.rev)]));
  const stale: string[] = [];
  for (const p of partitions) {
    if (revs.get(p) === 0) {
      // no counter transaction ever wrote this partition (every one bumps its revision): it is empty
      out.set(p, new Map());
      continue;
    }
    const item = found.get(cell(packKey(p, o.kind)));
    const rows = item && num(item.rev) === revs.get(p) ? unpack(item, o.fields) : undefined;
    if (rows) out.set(p, rows);
    else stale.push(p);
  }
  if (stale.length === 0) return out;

  const projection = ["sk", ...o.fields].map((_, i) => `#p${i}`).join(", ");
  const names = Object.fromEntries(["sk", ...o.fields].map((f, i) => [`#p${i}`, f]));
  await mapLimit(stale, o.concurrency ?? 16, async (p) => {
    const items = await queryPartition(o.table, p, { beginsWith: groupPrefix(o.kind), consistent: true, projection: { expression: projection, names }, ...stats });
    out.set(p, new Map(items.map((i) => [i.sk as string, o.fields.map((f) => num(i[f]))])));
  });

  const writable = stale.filter((p) => o.settled(p));
  if (writable.length === 0) return out;
  const after = await batchGetRows(o.table, writable.map(revKey), { consistent: true, ...stats });
  await mapLimit(writable, 8, async (p) => {
    const rev = revs.get(p) ?? 0;
    if (num(after.get(cell(revKey(p)))?.rev) !== rev) return; // written to meanwhile: the snapshot may be torn
    const data = pack(out.get(p)!, o.fields);
    if (Buffer.byteLength(data) > MAX_PACK_BYTES) return;
    try {
      await documentClient().send(
        new PutCommand({
          TableName: o.table,
          Item: { ...packKey(p, o.kind), entity: "pack", rev, groups: out.get(p)!.size, data },
          ConditionExpression: "attribute_not_exists(pk) OR #rev <= :rev",
          ExpressionAttributeNames: { "#rev": "rev" },
          ExpressionAttributeValues: { ":rev": rev },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  });
  return out;
}
