import { ManualClock } from "@siyu/kernel";
import { DEV_WECOM_CREDENTIALS } from "@siyu/wecom";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SimError, SimWorld, seededRandom, WecomError } from "../src/index.ts";
import type { FollowRelation } from "../src/world/customers.ts";
import { DEFAULT_API_LIMITS } from "../src/world/limits.ts";
import { DEFAULT_CUSTOMER_CAP } from "../src/world/transfers.ts";

/**
 * CustomerBook indexes its relations by customer and by member; `relationsOf` / `customersOf` must
 * answer exactly what the full scan they replaced did (same relation objects, same order: oldest
 * first, ties in the order the relations were added) after any mix of adds, deletes and transfers.
 */

const MEMBERS = ["m0", "m1", "m2", "m3"];
const CUSTOMERS = ["wmc0", "wmc1", "wmc2", "wmc3", "wmc4", "wmc5"];
const DAY_MS = 86_400_000;

function world(seed: "empty" | "demo" = "empty", customerCap = DEFAULT_CUSTOMER_CAP): SimWorld {
  return new SimWorld(
    {
      corpId: DEV_WECOM_CREDENTIALS.corpId,
      agentId: undefined,
      secret: DEV_WECOM_CREDENTIALS.secret,
      token: DEV_WECOM_CREDENTIALS.token,
      encodingAesKey: DEV_WECOM_CREDENTIALS.encodingAesKey,
      callbackUrl: null,
      strict: true,
      receiveFrequency: "month",
      timeZone: "Asia/Shanghai",
      baseUrl: "http://sim.test",
      apiLimits: DEFAULT_API_LIMITS,
      callbackRetries: 0,
      callbackRetryDelayMs: 0,
      callbackTimeoutMs: 5000,
      momentJobDelayMs: 1000,
      customerCap,
      seed,
    },
    { clock: new ManualClock("2025-03-10T02:00:00.000Z"), random: seededRandom(7) },
  );
}

function populate(w: SimWorld): void {
  for (const userid of MEMBERS) w.staff.add({ userid, name: userid });
  for (const externalUserId of CUSTOMERS) w.customers.add({ externalUserId, name: externalUserId });
}

/** What relationsOf / customersOf answered before the index: a scan of every relation. */
const scanOf = (w: SimWorld, externalUserId: string) =>
  w.customers
    .allRelations()
    .filter((r) => r.externalUserId === externalUserId)
    .sort((a, b) => a.createdAt - b.createdAt);
const scanFor = (w: SimWorld, userid: string) =>
  w.customers
    .allRelations()
    .filter((r) => r.userid === userid)
    .sort((a, b) => a.createdAt - b.createdAt);

const pairs = (rels: FollowRelation[]) => rels.map((r) => `${r.userid}/${r.externalUserId}@${r.createdAt}`);

function expectIndexMatchesScan(w: SimWorld): void {
  const customers = new Set([...CUSTOMERS, ...w.customers.all().map((c) => c.externalUserId), "wmUNKNOWN"]);
  const members = new Set([...MEMBERS, ...w.staff.all().map((s) => s.userid), "nobody"]);
  for (const ext of customers) {
    const got = w.customers.relationsOf(ext);
    const want = scanOf(w, ext);
    expect(pairs(got), `relationsOf(${ext})`).toEqual(pairs(want));
    for (const [i, r] of got.entries()) expect(r).toBe(want[i]);
  }
  for (const userid of members) {
    const got = w.customers.customersOf(userid);
    const want = scanFor(w, userid);
    expect(pairs(got), `customersOf(${userid})`).toEqual(pairs(want));
    for (const [i, r] of got.entries()) expect(r).toBe(want[i]);
  }
  // every relation is in exactly one bucket of each index
  expect([...customers].reduce((n, ext) => n + w.customers.relationsOf(ext).length, 0)).toBe(w.customers.allRelations().length);
  expect([...members].reduce((n, u) => n + w.customers.customersOf(u).length, 0)).toBe(w.customers.allRelations().length);
}

const member = fc.constantFrom(...MEMBERS);
const customer = fc.constantFrom(...CUSTOMERS);
const op = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("staffAdds" as const), m: member, c: customer }) },
  // seeds and benches write relations with their own createdAt (any order, ties included)
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("follow" as const), m: member, c: customer, daysAgo: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("customerDeletes" as const), m: member, c: customer }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("staffDeletes" as const), m: member, c: customer }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("transfer" as const),
      resigned: fc.boolean(),
      from: member,
      to: member,
      cs: fc.uniqueArray(customer, { minLength: 1, maxLength: 4 }),
      settle: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("refuse" as const), c: customer }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("resign" as const), m: member }) },
  // 0 ms keeps several adds on one createdAt: the ties must keep insertion order
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: fc.constantFrom(0, 0, 1, 60_000, DAY_MS + 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reset" as const), demo: fc.boolean() }) },
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

/** Apply one step; a step the simulator refuses (409, 84061…) is skipped, as a caller would see it fail. */
function apply(w: SimWorld, o: Op): void {
  try {
    switch (o.kind) {
      case "staffAdds":
        w.staffAddsCustomer(o.m, o.c);
        break;
      case "follow":
        if (!w.customers.relation(o.m, o.c)) {
          const at = w.clock.nowMs() - o.daysAgo * DAY_MS;
          w.customers.follow(o.m, o.c, { addWay: 1, operUserid: o.c, createdAt: at - (at % 60_000) });
        }
        break;
      case "customerDeletes":
        void w.customerDeletesStaff(o.c, o.m);
        break;
      case "staffDeletes":
        void w.staffDeletesCustomer(o.c, o.m);
        break;
      case "transfer":
        if (o.resigned && w.staff.get(o.from)?.status === "active") w.staff.resign(o.from);
        w.transfers.start(o.resigned ? "resigned" : "onjob", { handover_userid: o.from, takeover_userid: o.to, external_userid: o.cs });
        if (o.settle) {
          w.clock.advance(DAY_MS + 1);
          void w.tick();
        }
        break;
      case "refuse":
        w.transfers.refuse(o.c);
        break;
      case "resign":
        w.staff.resign(o.m);
        break;
      case "advance":
        w.clock.advance(o.ms);
        void w.tick();
        break;
      case "reset":
        w.reset(o.demo ? "demo" : "empty");
        populate(w);
        break;
    }
  } catch (e) {
    if (!(e instanceof SimError || e instanceof WecomError)) throw e;
  }
}

describe("CustomerBook relation indexes", () => {
  it("relationsOf / customersOf equal a full scan after any sequence of adds, deletes and transfers", () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 8 }), (ops, cap) => {
        const w = world("empty", cap);
        populate(w);
        w.withSilentCallbacks(() => {
          for (const o of ops) {
            apply(w, o);
            expectIndexMatchesScan(w);
          }
        });
      }),
      { numRuns: 300 },
    );
  });

  it("the demo seed and a reset are indexed too", () => {
    const w = world("demo");
    expect(w.customers.allRelations()).toHaveLength(12);
    expectIndexMatchesScan(w);
    const zhangwei = w.customers.customersOf("zhangwei");
    expect(zhangwei).toHaveLength(3);
    w.reset("empty");
    expect(w.customers.customersOf("zhangwei")).toEqual([]);
    expect(w.customers.relationsOf(zhangwei[0]!.externalUserId)).toEqual([]);
    w.reset("demo");
    expect(pairs(w.customers.customersOf("zhangwei"))).toEqual(pairs(zhangwei));
    expectIndexMatchesScan(w);
  });

  it("ties on createdAt keep insertion order; ending and re-adding a relation moves it last among them", () => {
    const w = world();
    populate(w);
    w.withSilentCallbacks(() => {
      w.staffAddsCustomer("m0", "wmc0");
      w.staffAddsCustomer("m0", "wmc1");
      w.staffAddsCustomer("m0", "wmc2");
      w.staffAddsCustomer("m1", "wmc1");
      expect(w.customers.customersOf("m0").map((r) => r.externalUserId)).toEqual(["wmc0", "wmc1", "wmc2"]);
      expect(w.customers.relationsOf("wmc1").map((r) => r.userid)).toEqual(["m0", "m1"]);
      void w.staffDeletesCustomer("wmc0", "m0");
      void w.staffDeletesCustomer("wmc1", "m0");
      w.staffAddsCustomer("m0", "wmc1");
      w.staffAddsCustomer("m0", "wmc0");
      expect(w.customers.customersOf("m0").map((r) => r.externalUserId)).toEqual(["wmc2", "wmc1", "wmc0"]);
      expect(w.customers.relationsOf("wmc1").map((r) => r.userid)).toEqual(["m1", "m0"]);
      // a one-way deletion keeps the relation listed
      void w.customerDeletesStaff("wmc2", "m0");
      expect(w.customers.customersOf("m0").map((r) => [r.externalUserId, r.customerDeleted])).toEqual([
        ["wmc2", true],
        ["wmc1", false],
        ["wmc0", false],
      ]);
      // a transfer moves the customer to the taker, newest there
      w.clock.advance(1000);
      w.transfers.start("onjob", { handover_userid: "m0", takeover_userid: "m2", external_userid: ["wmc0"] });
      w.clock.advance(DAY_MS + 1);
      void w.tick();
      expect(w.customers.customersOf("m0").map((r) => r.externalUserId)).toEqual(["wmc2", "wmc1"]);
      expect(w.customers.relationsOf("wmc0").map((r) => [r.userid, r.addWay])).toEqual([["m2", 202]]);
      expectIndexMatchesScan(w);
    });
  });
});
