/**
 * `pnpm bench churn` (or `pnpm exec tsx test/bench/churn.bench.ts`): the churn query against
 * DynamoDB Local with 90 days × 500 staff of counters seeded straight into a churn-stats table
 * (plus 20 channels and the corp), then `GET /v1/stats/churn`'s read path (`readChurnSeries`: the
 * rows, the opening balances, `buildSeries`) for groupBy=day and groupBy=staff over 30 and 90 days.
 * Prints p50/p99 and the DynamoDB requests one query makes. Goal: p50 ≤ 300 ms locally.
 *
 * DynamoDB Local is a single JVM on this machine, so absolute numbers are pessimistic for AWS (where
 * the parallel Queries and BatchGets of one read land on different partitions).
 */
import { pathToFileURL } from "node:url";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { addDays, dayRange } from "@siyu/kernel";
import { createTable, startDynamoLocal } from "@siyu/local/services";
import churnManifest from "../../functions/churn-stats/service.ts";
import { setDocumentClient } from "@siyu/store";
import { readChurnSeries, type StatsQuery } from "../../functions/churn-stats/src/app/query.ts";
import { COUNTER_FIELDS, type Counters, zeroCounters } from "../../functions/churn-stats/src/domain/index.ts";
import { cohortRowKey, dayRowKey, monthRowKey, totalRowKey } from "../../functions/churn-stats/src/store/keys.ts";
import { packKey, revKey } from "../../functions/churn-stats/src/store/packs.ts";
import { printTable, summary } from "./stats.ts";

const DAYS = 90;
const STAFF = Number(process.env.BENCH_STAFF ?? 500);
const CHANNELS = 20;
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 40);
const TODAY = "2024-06-30";

/** A small deterministic PRNG, so every run seeds the same figures. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function instrument(client: DynamoDBClient) {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = (context.commandName ?? "?").replace(/Command$/, "");
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: "initialize", name: "benchCountRequests" },
  );
  return counts;
}

type Row = Record<string, unknown>;

/** Day rows (day × staff, channel, corp, relations), month rows and total rows that add up. */
function seedRows(): Row[] {
  const random = rng(42);
  const days = dayRange(addDays(TODAY, -(DAYS - 1)), TODAY);
  const rows: Row[] = [];
  const months = new Map<string, Counters>();
  const totals = new Map<string, Counters>();
  const add = (map: Map<string, Counters>, key: string, c: Counters) => {
    const m = map.get(key) ?? zeroCounters();
    for (const f of COUNTER_FIELDS) m[f] += c[f];
    map.set(key, m);
  };
  const row = (day: string, group: string, c: Counters) => {
    rows.push({ ...dayRowKey(day, group), ...c, rev: 1 });
    add(months, `${day.slice(0, 7)} ${group}`, c);
    add(totals, group, c);
  };
  for (const day of days) {
    const corp = zeroCounters();
    const channels = Array.from({ length: CHANNELS }, () => zeroCounters());
    for (let s = 0; s < STAFF; s++) {
      const c = zeroCounters();
      c.added = Math.floor(random() * 6);
      c.lost = Math.floor(random() * 2.2);
      c.removed = random() < 0.1 ? 1 : 0;
      c.active = c.added - c.lost - c.removed;
      row(day, `staff:u${String(s).padStart(4, "0")}`, c);
      const ch = channels[s % CHANNELS]!;
      for (const f of COUNTER_FIELDS) {
        ch[f] += c[f];
        corp[f] += c[f];
      }
    }
    channels.forEach((c, i) => {
      row(day, `channel:ch${String(i).padStart(2, "0")}`, c);
    });
    row(day, "corp", corp);
    row(day, "relations", corp);
    rows.push({ ...cohortRowKey(day, "corp"), size: corp.added, retained1: corp.added, retained7: corp.added, retained30: corp.added, rev: 1 });
    rows.push({ ...revKey(dayRowKey(day, "corp").pk), rev: 1 }, { ...revKey(cohortRowKey(day, "corp").pk), rev: 1 });
  }
  for (const [key, c] of months) {
    const [month, group] = key.split(" ") as [string, string];
    rows.push({ ...monthRowKey(month, group), ...c, rev: 1 });
  }
  for (const month of new Set([...months.keys()].map((k) => k.slice(0, 7)))) rows.push({ ...revKey(monthRowKey(month, "corp").pk), rev: 1 });
  for (const [group, c] of totals) rows.push({ ...totalRowKey(group), ...c, active: c.active + 200, rev: 1 });
  return rows;
}

type WriteRequest = { PutRequest: { Item: Row } } | { DeleteRequest: { Key: Row } };

async function seed(doc: DynamoDBDocumentClient, table: string, rows: Row[]): Promise<void> {
  await batchWrite(doc, table, rows.map((Item) => ({ PutRequest: { Item } })));
}

/** The read cache starts empty: delete every pack of the bench's days and months. */
async function dropPacks(doc: DynamoDBDocumentClient, table: string): Promise<void> {
  const days = dayRange(addDays(TODAY, -(DAYS - 1)), TODAY);
  const partitions = [...days.map((d) => dayRowKey(d, "corp").pk), ...new Set(days.map((d) => monthRowKey(d.slice(0, 7), "corp").pk))];
  await batchWrite(doc, table, partitions.flatMap((p) => (["staff", "channel"] as const).map((k) => ({ DeleteRequest: { Key: packKey(p, k) } }))));
}

async function batchWrite(doc: DynamoDBDocumentClient, table: string, requests: WriteRequest[]): Promise<void> {
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += 25) chunks.push(requests.slice(i, i + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < chunks.length) {
        let items = chunks[next++]!;
        while (items.length > 0) {
          const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: items } }));
          items = (out.UnprocessedItems?.[table] ?? []) as typeof items;
        }
      }
    }),
  );
}

export async function run(): Promise<void> {
  const dynamo = await startDynamoLocal();
  const raw = new DynamoDBClient({ endpoint: dynamo.endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  const doc = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  try {
    const table = "bench-churn-stats";
    await createTable(raw, table, churnManifest, (msg) => console.warn(msg));
    const rows = seedRows();
    const t0 = Date.now();
    await seed(doc, table, rows);
    console.log(`seeded ${rows.length} counter rows (${DAYS} days × ${STAFF} staff + ${CHANNELS} channels + corp) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const counts = instrument(raw);
    setDocumentClient(doc);
    const cases: { name: string; query: StatsQuery }[] = [];
    for (const days of [30, 90]) {
      const from = addDays(TODAY, -(days - 1));
      cases.push({ name: `groupBy=day, ${days} days`, query: { from, to: TODAY, groupBy: "day", limit: 1 } });
      cases.push({ name: `groupBy=staff, ${days} days, all ${STAFF}`, query: { from, to: TODAY, groupBy: "staff", limit: STAFF } });
    }
    // what one HTTP page may hold (MAX_CELLS = 20,000 days × groups)
    cases.push({ name: "groupBy=staff, 90 days, page of 200", query: { from: addDays(TODAY, -89), to: TODAY, groupBy: "staff", limit: 200 } });
    // the API's default page (50 groups)
    cases.push({ name: "groupBy=staff, 90 days, default page of 50", query: { from: addDays(TODAY, -89), to: TODAY, groupBy: "staff", limit: 50 } });
    cases.push({ name: "groupBy=staff, 30 days, userId filter", query: { from: addDays(TODAY, -29), to: TODAY, groupBy: "staff", userId: "u0007", limit: 1 } });

    const results: Record<string, unknown>[] = [];
    for (const c of cases) {
      const ctx = { table, today: TODAY };
      await dropPacks(doc, table);
      counts.clear();
      const coldStart = performance.now();
      await readChurnSeries(ctx, c.query); // cold: every pack missing, written for the days that are over
      const cold = performance.now() - coldStart;
      const coldRequests = [...counts.values()].reduce((a, b) => a + b, 0);
      for (let i = 0; i < 2; i++) await readChurnSeries(ctx, c.query); // warm-up
      counts.clear();
      const samples: number[] = [];
      let groups = 0;
      let points = 0;
      for (let i = 0; i < ITERATIONS; i++) {
        const started = performance.now();
        const out = await readChurnSeries(ctx, c.query);
        samples.push(performance.now() - started);
        groups = out.series.length;
        points = out.series.reduce((n, s) => n + s.points.length, 0);
      }
      const perQuery = (name: string) => (counts.get(name) ?? 0) / ITERATIONS;
      const s = summary(samples);
      results.push({
        query: c.name,
        groups,
        points,
        "p50 ms": s.p50,
        "p99 ms": s.p99,
        "requests/query": [...counts.values()].reduce((a, b) => a + b, 0) / ITERATIONS,
        BatchGetItem: perQuery("BatchGetItem"),
        Query: perQuery("Query"),
        Scan: perQuery("Scan"),
        "cold ms": cold,
        "cold requests": coldRequests,
        "≤ 300 ms (p50)": s.p50 <= 300 ? "yes" : "no",
      });
    }
    printTable(`churn query, DynamoDB Local, ${ITERATIONS} runs each`, results);
  } finally {
    setDocumentClient(undefined);
    doc.destroy();
    await dynamo.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
  process.exit(0);
}
