/**
 * A run's recipients, one page at a time, across the partitions they live in: the left-out shards
 * first, then each outbox chunk in order. A chunk not settled yet (not sent) has no rows: its
 * recipients are listed from the chunk as `planned`. The cursor is opaque (base64url JSON) and checked:
 * a cursor this API did not return is a 400, never a 500.
 */
import { AppError } from "@siyu/kernel";
import * as z from "zod";
import { chunksOf } from "../store/outbox.ts";
import { EXCLUDED_SHARDS, type RecipientRow, type RowPartition, recipientPartitionPage } from "../store/recipients.ts";

const cursorSchema = z.strictObject({ p: z.number().int().nonnegative(), k: z.string().min(1).max(1024).optional(), o: z.number().int().nonnegative().optional() });
type Cursor = z.infer<typeof cursorSchema>;

const invalid = () =>
  new AppError(400, "invalid-cursor", "Invalid cursor", "the cursor is not one this API returned for this run's recipients", {
    errors: [{ path: "query.cursor", message: "not a cursor returned for this run's recipients" }],
  });

function decode(cursor: string | undefined): Cursor {
  if (!cursor) return { p: 0 };
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
    if (parsed.success) return parsed.data;
  } catch {
    // falls through to the 400
  }
  throw invalid();
}

const encode = (c: Cursor) => Buffer.from(JSON.stringify(c), "utf8").toString("base64url");

export async function recipientPage(
  table: string,
  runKey: string,
  q: { limit: number; cursor?: string; status?: RecipientRow["status"] },
): Promise<{ items: RecipientRow[]; nextCursor?: string }> {
  const chunks = await chunksOf(table, runKey, { withIds: true });
  const partitions: ({ kind: "rows"; p: RowPartition } | { kind: "planned"; ids: string[]; sender: string; chunkId: string })[] = [];
  for (let n = 0; n < EXCLUDED_SHARDS; n++) partitions.push({ kind: "rows", p: { excludedShard: n } });
  for (const c of chunks) partitions.push(c.settled ? { kind: "rows", p: { chunkId: c.chunkId } } : { kind: "planned", ids: c.ids, sender: c.sender, chunkId: c.chunkId });
  const at = decode(q.cursor);
  if (at.p > partitions.length || (at.k && !at.k.startsWith("r#"))) throw invalid();
  const items: RecipientRow[] = [];
  let { p, k, o } = at;
  while (p < partitions.length && items.length < q.limit) {
    const part = partitions[p]!;
    const want = q.limit - items.length;
    if (part.kind === "planned") {
      if (q.status && q.status !== "planned") {
        p++;
        o = undefined;
        continue;
      }
      const from = o ?? 0;
      const slice = part.ids.slice(from, from + want);
      items.push(...slice.map((id) => ({ id, status: "planned" as const, userId: part.sender, chunkId: part.chunkId, updatedAt: "" })));
      if (from + slice.length < part.ids.length) return { items, nextCursor: encode({ p, o: from + slice.length }) };
      p++;
      o = undefined;
      continue;
    }
    const page = await recipientPartitionPage(table, runKey, part.p, { limit: want, ...(k ? { startSk: k } : {}), ...(q.status ? { status: q.status } : {}) });
    items.push(...page.items);
    if (page.lastSk) {
      k = page.lastSk;
      if (items.length >= q.limit) return { items, nextCursor: encode({ p, k }) };
      continue;
    }
    p++;
    k = undefined;
  }
  return p < partitions.length ? { items, nextCursor: encode({ p, ...(k ? { k } : {}), ...(o !== undefined ? { o } : {}) }) } : { items };
}
