import { type DomainEvent, dayRange } from "@siyu/kernel";
import type { Logger } from "@siyu/lambda-kit";
import { counterUpdate, transact } from "@siyu/store";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { type ReadContext, readChurnSeries, readCohorts } from "../src/app/query.ts";
import { rebuildRange } from "../src/app/rebuild.ts";
import { recordEvent } from "../src/app/record.ts";
import {
  buildCohorts,
  buildSeries,
  CORP_GROUP,
  channelGroup,
  type Fact,
  factsFromEvent,
  recompute,
  staffGroup,
} from "../src/domain/index.ts";
import { applyToLedger, readLedger } from "../src/store/ledger.ts";
import { CORP, CounterTable, added, lost, noon, removed, transferred } from "./helpers.ts";
import { consumerEnv, deliverBatch, expectedRows, storedRows } from "./support/figures.ts";
import { useDynamo } from "../../../test/support/dynamo-table.ts";
import manifest from "../service.ts";

const dynamo = useDynamo(manifest);
afterAll(() => dynamo.close());

const TZ = "Asia/Shanghai";
const log: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const now = () => new Date("2024-04-20T04:00:00Z");

/** A redelivery: the same data in a new envelope. */
const again = (e: DomainEvent): DomainEvent => ({ ...e, id: `${e.id}-again` });

const factsOf = (events: readonly DomainEvent[]): Fact[] => events.flatMap((e) => factsFromEvent(e));

async function record(table: string, e: DomainEvent, maxTransactItems?: number) {
  return recordEvent(
    { table, corpId: CORP, timeZone: TZ, now, log, alertsQueueUrl: "http://127.0.0.1:9/unused", ...(maxTransactItems ? { maxTransactItems } : {}) },
    e,
  );
}

/** A small scripted history: adds on two channels, a loss, a mutual delete, a re-add, a transfer, a late add. */
function scenario(): DomainEvent[] {
  return [
    added("u1", "wm1", noon("2024-03-01"), "a"),
    added("u1", "wm2", noon("2024-03-01"), "b"),
    added("u2", "wm3", noon("2024-03-02"), "a"),
    lost("u1", "wm1", noon("2024-03-03"), "a"),
    lost("u1", "wm2", noon("2024-03-04"), "b"),
    removed("u1", "wm2", noon("2024-03-05"), "b"),
    added("u1", "wm1", noon("2024-03-06"), "a"),
    transferred("u2", "u1", "wm3", noon("2024-03-07"), "a"),
    lost("u3", "wm4", noon("2024-03-08"), "c"), // its add arrives later
    added("u3", "wm4", noon("2024-03-02"), "c"),
  ];
}

describe("the write path against DynamoDB Local", () => {
  it("counts every fact once, whatever the redeliveries; the stored rows equal a recomputation", async () => {
    const table = await dynamo.table();
    const events = scenario();
    for (const e of events) await record(table, e);
    for (const e of events) await record(table, again(e));
    expect(storedRows(await dynamo.items(table))).toEqual(expectedRows(factsOf(events)));
    const { ledger } = await readLedger(table, CORP, "wm2");
    expect(ledger.version).toBe(3);
    expect(ledger.facts.map((f) => f.kind)).toEqual(["added", "lost", "removed"]);
  });

  it("keeps the fact log append-only: one item per fact, in its UTC-day partition", async () => {
    const table = await dynamo.table();
    const events = scenario();
    for (const e of [...events, ...events.map(again)]) await record(table, e);
    const log = (await dynamo.items(table)).filter((i) => (i.pk as string).startsWith("FACTS#"));
    expect(log).toHaveLength(factsOf(events).length);
    for (const item of log) expect(item.pk).toBe(`FACTS#${(item.at as string).slice(0, 10)}`);
  });

  it("serialises concurrent writers of one customer with the ledger version (no lost increments)", async () => {
    const table = await dynamo.table();
    const events = [
      added("u1", "wm1", noon("2024-03-01")),
      added("u2", "wm1", noon("2024-03-01").replace("04:", "05:")),
      lost("u1", "wm1", noon("2024-03-02")),
      removed("u2", "wm1", noon("2024-03-03")),
      added("u3", "wm1", noon("2024-03-04")),
      transferred("u3", "u1", "wm1", noon("2024-03-05")),
    ];
    const results = await Promise.all([...events, ...events.map(again)].map((e) => record(table, e)));
    expect(results.some((r) => (r.write?.attempts ?? 1) > 1)).toBe(true);
    expect(storedRows(await dynamo.items(table))).toEqual(expectedRows(factsOf(events)));
  });

  it("splits a write of more than the transaction limit into a pending record applied chunk by chunk", async () => {
    const table = await dynamo.table();
    const events = scenario();
    const outcomes = [];
    for (const e of events) outcomes.push(await record(table, e, 6));
    expect(outcomes.some((o) => o.write?.split)).toBe(true);
    for (const e of events) await record(table, again(e), 6);
    const items = await dynamo.items(table);
    expect(storedRows(items)).toEqual(expectedRows(factsOf(events)));
    const pending = items.filter((i) => (i.pk as string).startsWith("PENDING#"));
    expect(pending.length).toBeGreaterThan(0);
    for (const p of pending) expect(p.status).toBe("done");
    for (const l of items.filter((i) => (i.pk as string).startsWith("LEDGER#"))) expect(Object.keys(l.pending ?? {})).toEqual([]);
  });

  it("finishes a split write whose worker died halfway when the event is redelivered", async () => {
    const table = await dynamo.table();
    let transactions = 0;
    const crash = (next: any, context: any) => async (args: any) => {
      if (context.commandName === "TransactWriteItemsCommand" && ++transactions === 2) throw new Error("worker died");
      return next(args);
    };
    dynamo.raw.middlewareStack.add(crash, { step: "initialize", name: "crashOnce" });
    const e = added("u1", "wm1", noon("2024-03-01"));
    try {
      await expect(applyToLedger(factsFromEvent(e), { table, timeZone: TZ, now: now(), maxItems: 6 })).rejects.toThrow("worker died");
    } finally {
      dynamo.raw.middlewareStack.remove("crashOnce");
    }
    const { pending } = await readLedger(table, CORP, "wm1");
    expect(pending).toHaveLength(1);
    expect(storedRows(await dynamo.items(table))).not.toEqual(expectedRows(factsOf([e])));
    const redelivered = await record(table, again(e), 6);
    expect(redelivered.write?.result.changed).toBe(false);
    expect(storedRows(await dynamo.items(table))).toEqual(expectedRows(factsOf([e])));
    expect((await readLedger(table, CORP, "wm1")).pending).toEqual([]);
  });

  it("parks an event of another corp (a permanent failure, nothing written)", async () => {
    const table = await dynamo.table();
    const e = { ...added("u1", "wm1", noon("2024-03-01")), corpId: "other-corp" };
    await expect(record(table, e)).rejects.toThrow(/corp other-corp/);
    expect(await dynamo.items(table)).toEqual([]);
  });
});

// --- property: the real consumer, random order, duplicates, concurrency ------------------------------------------

const STAFF = ["u1", "u2", "u3"];
const CUSTOMERS = ["wm1", "wm2", "wm3", "wm4"];
const CHANNELS = ["a", "b", ""];
const BASE = Date.parse("2024-03-01T04:00:00Z");
const instantArb = fc.integer({ min: 0, max: 160 }).map((i) => new Date(BASE + i * 6 * 3_600_000).toISOString());

const eventArb: fc.Arbitrary<DomainEvent> = fc.oneof(
  fc
    .record({
      type: fc.constantFrom("added", "lost", "removed"),
      userId: fc.constantFrom(...STAFF),
      externalUserId: fc.constantFrom(...CUSTOMERS),
      at: instantArb,
      channelId: fc.constantFrom(...CHANNELS),
    })
    .map((s) => (s.type === "added" ? added : s.type === "lost" ? lost : removed)(s.userId, s.externalUserId, s.at, s.channelId) as DomainEvent),
  fc
    .record({
      from: fc.constantFrom(...STAFF),
      to: fc.constantFrom(...STAFF),
      externalUserId: fc.constantFrom(...CUSTOMERS),
      at: instantArb,
      channelId: fc.constantFrom(...CHANNELS),
    })
    .filter((t) => t.from !== t.to)
    .map((t) => transferred(t.from, t.to, t.externalUserId, t.at, t.channelId) as DomainEvent),
);

/**
 * Upstream gives one payload per fact identity (contact-intake derives event ids and contents from the
 * callback): drop generated events that would give an existing fact another payload (e.g. the same
 * transfer at the same instant with another channel), whose winner would depend on arrival order.
 */
function consistentHistory(events: DomainEvent[]): DomainEvent[] {
  const seen = new Map<string, string>();
  const content = (f: Fact) => JSON.stringify([f.kind, f.userId, f.externalUserId, f.at, f.channelId, f.counterpartUserId ?? ""]);
  return events.filter((e) => {
    const facts = factsFromEvent(e);
    if (facts.some((f) => seen.has(f.factId) && seen.get(f.factId) !== content(f))) return false;
    for (const f of facts) seen.set(f.factId, content(f));
    return true;
  });
}

/** Events, some delivered again (new envelope id), all shuffled, cut into SQS batches of 1–6. */
const deliveryArb = fc
  .array(eventArb, { minLength: 1, maxLength: 20 })
  .map(consistentHistory)
  .chain((events) =>
    fc.record({
      events: fc.constant(events),
      deliveries: fc
        .array(fc.nat({ max: events.length - 1 }), { maxLength: 8 })
        .chain((dups) => {
          const all = [...events, ...dups.map((i, n) => ({ ...events[i]!, id: `${events[i]!.id}-dup-${n}` }))];
          return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
        }),
      batchSizes: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 30, maxLength: 30 }),
    }),
  );

describe("property: stored counters = recompute(facts), through the real consumer", () => {
  it("for random histories delivered in random order, with duplicates, in concurrent batches", async () => {
    await fc.assert(
      fc.asyncProperty(deliveryArb, async ({ events, deliveries, batchSizes }) => {
        const table = await dynamo.table();
        const env = consumerEnv(table);
        const batches: DomainEvent[][] = [];
        for (let i = 0, b = 0; i < deliveries.length; b++) {
          const size = batchSizes[b % batchSizes.length]!;
          batches.push(deliveries.slice(i, i + size));
          i += size;
        }
        // three SQS batches in flight at a time (like three pollers); each batch runs 5 records at a time
        for (let i = 0; i < batches.length; i += 3) {
          const failed = await Promise.all(batches.slice(i, i + 3).map((b) => deliverBatch(env, b)));
          expect(failed.flat()).toEqual([]);
        }
        expect(storedRows(await dynamo.items(table))).toEqual(expectedRows(factsOf(events)));
      }),
      { numRuns: 25 },
    );
  }, 180_000);

  it("with the split path forced (transactions of at most 6 items)", async () => {
    await fc.assert(
      fc.asyncProperty(deliveryArb, async ({ events, deliveries }) => {
        const table = await dynamo.table();
        await Promise.all(deliveries.map((e) => record(table, e, 6)));
        expect(storedRows(await dynamo.items(table))).toEqual(expectedRows(factsOf(events)));
      }),
      { numRuns: 10 },
    );
  }, 180_000);
});

// --- the read model ------------------------------------------------------------------------------------------------

describe("reads (series and cohorts) against DynamoDB Local", () => {
  it("equal the domain's series built from recomputed figures, for every groupBy and filter", async () => {
    const table = await dynamo.table();
    const events = scenario();
    for (const e of events) await record(table, e);
    const figures = recompute(factsOf(events), { timeZone: TZ });
    const mem = new CounterTable();
    const { storageIncrements } = await import("../src/domain/index.ts");
    mem.add(storageIncrements(figures));
    const today = "2024-04-20";
    const ctx: ReadContext = { table, today };
    const expectSeries = async (from: string, to: string, groups: string[], query: Parameters<typeof readChurnSeries>[1]) => {
      const got = await readChurnSeries(ctx, query);
      const opening = new Map(groups.map((g) => [g, mem.opening(g, from, "2024-04-21")]));
      expect(got.series).toEqual(buildSeries({ from, to, groups, rows: figures.counters, opening }));
    };
    for (const [from, to] of [
      ["2024-03-01", "2024-03-10"],
      ["2024-03-04", "2024-03-06"],
      ["2024-02-20", "2024-04-25"],
    ] as const) {
      await expectSeries(from, to, [CORP_GROUP], { from, to, groupBy: "day", limit: 50 });
      await expectSeries(from, to, ["staff:u1", "staff:u2", "staff:u3"], { from, to, groupBy: "staff", limit: 50 });
      await expectSeries(from, to, ["channel:a", "channel:b", "channel:c"], { from, to, groupBy: "channel", limit: 50 });
      await expectSeries(from, to, [staffGroup("u1")], { from, to, groupBy: "day", userId: "u1", limit: 50 });
      await expectSeries(from, to, [channelGroup("b")], { from, to, groupBy: "channel", channelId: "b", limit: 50 });
      const cohorts = await readCohorts(ctx, { from, to, groupBy: "staff", limit: 50 });
      expect(cohorts.cohorts).toEqual(buildCohorts({ from, to, groups: ["staff:u1", "staff:u2", "staff:u3"], rows: figures.cohorts, asOfDay: today }));
    }
  });

  it("caches settled days in packs, and never uses a pack a later increment made stale", async () => {
    const table = await dynamo.table();
    const first = scenario();
    for (const e of first) await record(table, e);
    const ctx: ReadContext = { table, today: "2024-03-08" };
    const from = "2024-03-01";
    const to = "2024-03-08";
    const q = (groupBy: "staff" | "channel") => ({ from, to, groupBy, limit: 50 });
    const expectAll = async (events: DomainEvent[]) => {
      const figures = recompute(factsOf(events), { timeZone: TZ });
      const mem = new CounterTable();
      const { storageIncrements } = await import("../src/domain/index.ts");
      mem.add(storageIncrements(figures));
      for (const groupBy of ["staff", "channel"] as const) {
        const got = await readChurnSeries(ctx, q(groupBy));
        const groups = got.series.map((s) => s.group);
        const opening = new Map(groups.map((g) => [g, mem.opening(g, from, "2024-03-09")]));
        expect(got.series).toEqual(buildSeries({ from, to, groups, rows: figures.counters, opening }));
        const cohorts = await readCohorts(ctx, q(groupBy));
        expect(cohorts.cohorts).toEqual(buildCohorts({ from, to, groups, rows: figures.cohorts, asOfDay: ctx.today }));
      }
    };
    await expectAll(first);
    const packs = (await dynamo.items(table)).filter((i) => (i.pk as string).startsWith("PACK#"));
    expect(packs.map((p) => p.pk)).toContain("PACK#DAY#2024-03-03#staff");
    expect(packs.map((p) => p.pk)).not.toContain("PACK#DAY#2024-03-08#staff"); // today: never packed
    // late facts on settled days: their packs go stale and are replaced
    const late = [lost("u2", "wm3", noon("2024-03-03"), "a"), added("u5", "wm7", noon("2024-03-02"), "d"), removed("u1", "wm5", noon("2024-03-04"), "e")];
    for (const e of late) await record(table, e);
    await expectAll([...first, ...late]);
  });

  it("pages groups with a cursor (the registry is the total rows)", async () => {
    const table = await dynamo.table();
    for (const e of scenario()) await record(table, e);
    const ctx: ReadContext = { table, today: "2024-04-20" };
    const q = { from: "2024-03-01", to: "2024-03-10", groupBy: "staff" as const, limit: 2 };
    const first = await readChurnSeries(ctx, q);
    expect(first.series.map((s) => s.group)).toEqual(["staff:u1", "staff:u2"]);
    expect(first.nextCursor).toBeTruthy();
    const second = await readChurnSeries(ctx, { ...q, cursor: first.nextCursor });
    expect(second.series.map((s) => s.group)).toEqual(["staff:u3"]);
    expect(second.nextCursor).toBeUndefined();
  });
});

// --- rebuild -------------------------------------------------------------------------------------------------------

describe("rebuild", () => {
  const range = { from: "2024-02-28", to: "2024-03-12" };

  it("changes nothing after live counting (same answer)", async () => {
    const table = await dynamo.table();
    for (const e of scenario()) await record(table, e);
    const before = storedRows(await dynamo.items(table));
    const report = await rebuildRange({ table, timeZone: TZ, ...range });
    expect(report.rowsChanged).toBe(0);
    expect(report.rowsCompared).toBeGreaterThan(0);
    expect(storedRows(await dynamo.items(table))).toEqual(before);
  });

  it("repairs counters a buggy writer got wrong (day, month and total rows alike)", async () => {
    const table = await dynamo.table();
    const events = scenario();
    for (const e of events) await record(table, e);
    // a bug counted 3 extra losses on 03-04 for u1, and lost a cohort row
    const bogus = { lost: 3, active: -3, rev: 1 };
    await transact([
      counterUpdate(table, { pk: "DAY#2024-03-04", sk: "staff:u1" }, bogus),
      counterUpdate(table, { pk: "MONTH#2024-03", sk: "staff:u1" }, bogus),
      counterUpdate(table, { pk: "TOTAL#staff", sk: "staff:u1" }, bogus),
      counterUpdate(table, { pk: "COHORT#2024-03-01", sk: "channel:a" }, { size: -1, retained1: -1, retained7: -1, retained30: -1, rev: 1 }),
    ]);
    expect(storedRows(await dynamo.items(table))).not.toEqual(expectedRows(factsOf(events)));
    const dry = await rebuildRange({ table, timeZone: TZ, ...range, dryRun: true });
    expect(dry.rowsChanged).toBe(2);
    expect(storedRows(await dynamo.items(table))).not.toEqual(expectedRows(factsOf(events)));
    const report = await rebuildRange({ table, timeZone: TZ, ...range });
    expect(report.changes.map((c) => [c.day, c.group, c.rows])).toEqual([
      ["2024-03-01", "channel:a", "cohort"],
      ["2024-03-04", "staff:u1", "day"],
    ]);
    expect(storedRows(await dynamo.items(table))).toEqual(expectedRows(factsOf(events)));
  });

  it("moves every figure to the new days after a change of the corp's timezone", async () => {
    const table = await dynamo.table();
    // instants near Shanghai midnight (16:00 UTC): their day differs in UTC
    const events = [
      added("u1", "wm1", "2024-03-01T15:30:00Z", "a"),
      added("u2", "wm2", "2024-03-01T16:30:00Z", "b"),
      lost("u1", "wm1", "2024-03-02T17:00:00Z", "a"),
      removed("u2", "wm2", "2024-03-03T15:59:00Z", "b"),
    ];
    for (const e of events) await record(table, e);
    const report = await rebuildRange({ table, timeZone: "UTC", ...range });
    expect(report.rowsChanged).toBeGreaterThan(0);
    expect(storedRows(await dynamo.items(table))).toEqual(expectedRows(factsOf(events), "UTC"));
  });

  it("stays exact when live events are counted while it runs", async () => {
    const table = await dynamo.table();
    const events = scenario();
    const late = [added("u4", "wm9", noon("2024-03-04"), "a"), lost("u4", "wm9", noon("2024-03-05"), "a"), added("u1", "wm8", noon("2024-03-04"), "b")];
    for (const e of events) await record(table, e);
    await Promise.all([rebuildRange({ table, timeZone: TZ, ...range }), ...late.map((e) => record(table, e))]);
    expect(storedRows(await dynamo.items(table))).toEqual(expectedRows(factsOf([...events, ...late])));
    expect(dayRange(range.from, range.to)).toHaveLength(14);
  });
});
