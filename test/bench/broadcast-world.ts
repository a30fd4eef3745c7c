/**
 * The broadcast benchmark's corp: staff, customers and follow relations (some customers follow two
 * members; some relations carry tags), written straight into the WeCom simulator's world (no
 * callbacks) and into broadcast-scheduler's audience read model (the item `relationAdded` writes,
 * checked against it).
 */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { batchWrite, documentClient, key, mapLimit } from "@siyu/store";
import { IdGen, seededRandom, type SimWorld } from "@siyu/wecom-sim";
import { relationAdded } from "../../functions/broadcast-scheduler/src/store/audience.ts";
import { shardOf } from "../../functions/broadcast-scheduler/src/store/shards.ts";

export interface BenchRelation {
  externalUserId: string;
  userId: string;
  channelId: string;
  addedAtMs: number;
  tagIds: string[];
}

export interface BenchCorp {
  staff: string[];
  customers: string[];
  relations: BenchRelation[];
  tags: { gold: string; silver: string; doNotDisturb: string };
}

const DAY_MS = 86_400_000;
const CHANNELS = 20;

/**
 * Staff `s000…`, `customers` customers each followed by one member (round robin) and a share of them
 * by a second member added later (WeCom routes their task to that one); tags on the relations: 金卡
 * 30 %, 银卡 20 %, 免打扰 2 %. Deterministic for a given size.
 */
export function buildCorp(world: SimWorld, o: { staff: number; customers: number; secondFollow: number; now: number }): BenchCorp {
  const random = seededRandom(20240601);
  const ids = new IdGen(random);
  const level = world.tags.add({ groupName: "会员等级", tags: [{ name: "金卡" }, { name: "银卡" }] }, "console");
  const risk = world.tags.add({ groupName: "风控", tags: [{ name: "免打扰" }] }, "console");
  const tags = { gold: level.tags[0]!.id, silver: level.tags[1]!.id, doNotDisturb: risk.tags[0]!.id };
  const staff = Array.from({ length: o.staff }, (_, i) => `s${String(i).padStart(3, "0")}`);
  for (const [i, userid] of staff.entries()) world.staff.add({ userid, name: `导购${i}` });
  const tagsOf = () => [
    ...(random() < 0.3 ? [tags.gold] : []),
    ...(random() < 0.2 ? [tags.silver] : []),
    ...(random() < 0.02 ? [tags.doNotDisturb] : []),
  ];
  const customers: string[] = [];
  const relations: BenchRelation[] = [];
  for (let i = 0; i < o.customers; i++) {
    const externalUserId = ids.externalUserId();
    customers.push(externalUserId);
    world.customers.add({ externalUserId, name: `顾客${i}` });
    const first = Math.floor(o.now - DAY_MS * (1 + random() * 89));
    relations.push({ externalUserId, userId: staff[i % staff.length]!, channelId: `ch${i % CHANNELS}`, addedAtMs: first, tagIds: tagsOf() });
    if (staff.length > 1 && random() < o.secondFollow) {
      const other = staff[(i + 1 + Math.floor(random() * (staff.length - 1))) % staff.length]!;
      const later = Math.floor(first + (o.now - DAY_MS / 2 - first) * random()) + 1;
      relations.push({ externalUserId, userId: other, channelId: `ch${(i + 7) % CHANNELS}`, addedAtMs: later, tagIds: tagsOf() });
    }
  }
  for (const r of relations) {
    world.customers.follow(r.userId, r.externalUserId, { state: r.channelId, addWay: 1, operUserid: r.userId, createdAt: r.addedAtMs, tagIds: r.tagIds });
  }
  return { staff, customers, relations, tags };
}

const addInput = (r: BenchRelation) => ({
  externalUserId: r.externalUserId,
  userId: r.userId,
  channelId: r.channelId,
  addedAt: new Date(r.addedAtMs).toISOString(),
  ...(r.tagIds.length ? { tagIds: r.tagIds } : {}),
});

/** The item `relationAdded` writes for a new relation (checked against it before the batch writes). */
function relationItem(r: BenchRelation): Record<string, unknown> {
  const at = new Date(r.addedAtMs).toISOString();
  return {
    pk: key("R", shardOf(r.externalUserId)),
    sk: key(r.externalUserId, r.userId),
    externalUserId: r.externalUserId,
    userId: r.userId,
    channelId: r.channelId,
    addedAt: at,
    statusAt: at,
    active: true,
    lastInteractionAt: at,
    ...(r.tagIds.length ? { tagIds: r.tagIds } : {}),
  };
}

const canonical = (item: Record<string, unknown> | undefined) => JSON.stringify(Object.entries(item ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)));

/**
 * The same relations in the read model: `update` = `relationAdded` for each (32 in flight, as the
 * audience consumer would over time); `batch` = the first 64 through `relationAdded`, read back and
 * compared with the batch item shape (a drift fails the bench), the rest in BatchWriteItem.
 */
export async function seedReadModel(table: string, relations: readonly BenchRelation[], mode: "batch" | "update"): Promise<void> {
  if (mode === "update") {
    await mapLimit(relations, 32, (r) => relationAdded(table, addInput(r)));
    return;
  }
  const sample = relations.slice(0, 64);
  await mapLimit(sample, 32, (r) => relationAdded(table, addInput(r)));
  for (const r of sample) {
    const expected = relationItem(r);
    const out = await documentClient().send(new GetCommand({ TableName: table, Key: { pk: expected.pk, sk: expected.sk }, ConsistentRead: true }));
    if (canonical(out.Item) !== canonical(expected)) {
      throw new Error(`the read model's relation item changed shape; update the bench's relationItem:\n stored ${canonical(out.Item)}\n bench  ${canonical(expected)}`);
    }
  }
  await batchWrite(table, relations.slice(sample.length).map(relationItem), [], { concurrency: 16 });
}
