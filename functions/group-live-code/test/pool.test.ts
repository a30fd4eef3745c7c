import { WECOM_LIMITS } from "@siyu/wecom";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  adoptAutoCreated,
  eligibleGroups,
  type GroupState,
  hasRoom,
  type JoinWayRead,
  type JoinWaySettings,
  planJoinWayCreate,
  planJoinWayUpdate,
  poolSummary,
  type PoolState,
} from "../src/domain/pool.ts";

const g = (chatId: string, members = 0, more: Partial<GroupState> = {}): GroupState => ({
  chatId,
  ownerUserId: "zhangsan",
  capacity: 200,
  members,
  dismissed: false,
  autoCreated: false,
  ...more,
});
const pool = (...groups: GroupState[]): PoolState => ({ groups, capacity: 200 });
const settings: JoinWaySettings = { name: "新品体验群", autoCreate: { enabled: false }, state: "glc.k3v9q2m7xa" };
const read = (chat_id_list: string[], more: Partial<JoinWayRead> = {}): JoinWayRead => ({
  config_id: "cfg1",
  scene: 2,
  remark: "新品体验群",
  auto_create_room: 0,
  chat_id_list,
  state: "glc.k3v9q2m7xa",
  ...more,
});
const ids = (n: number) => Array.from({ length: n }, (_, i) => `wr${i}`);

describe("eligibleGroups", () => {
  it("takes the first 5 groups with room, in pool order", () => {
    const p = pool(...ids(7).map((id) => g(id)));
    expect(eligibleGroups(p)).toEqual(["wr0", "wr1", "wr2", "wr3", "wr4"]);
  });

  it("skips full, dismissed and removed groups", () => {
    const p = pool(g("wr0", 200), g("wr1", 0, { dismissed: true }), g("wr2", 0, { removed: true }), g("wr3", 199), g("wr4", 10, { capacity: 10 }));
    expect(eligibleGroups(p)).toEqual(["wr3"]);
  });

  it("keeps listed groups first, in WeCom's order, then fills from the pool", () => {
    const p = pool(...ids(7).map((id) => g(id)));
    expect(eligibleGroups(p, ["wr6", "wr2"])).toEqual(["wr6", "wr2", "wr0", "wr1", "wr3"]);
  });

  it("swaps one full group for the next one", () => {
    const p = pool(g("wr0", 200), ...ids(7).slice(1).map((id) => g(id)));
    expect(eligibleGroups(p, ["wr0", "wr1", "wr2", "wr3", "wr4"])).toEqual(["wr1", "wr2", "wr3", "wr4", "wr5"]);
  });
});

describe("planJoinWayUpdate", () => {
  it("returns undefined when WeCom already lists the right groups with the right settings", () => {
    const p = pool(...ids(3).map((id) => g(id)));
    expect(planJoinWayUpdate(read(["wr0", "wr1", "wr2"]), p, settings)).toBeUndefined();
    // the order WeCom holds is kept, so a reordering is no change either
    expect(planJoinWayUpdate(read(["wr2", "wr0", "wr1"]), p, settings)).toBeUndefined();
  });

  it("sends a complete configuration when a group fills (update_join_way overwrites)", () => {
    const p = pool(g("wr0", 200), ...ids(7).slice(1).map((id) => g(id)));
    const plan = planJoinWayUpdate(read(["wr0", "wr1", "wr2", "wr3", "wr4"]), p, settings);
    expect(plan?.request).toEqual({
      config_id: "cfg1",
      scene: 2,
      remark: "新品体验群",
      auto_create_room: 0,
      state: "glc.k3v9q2m7xa",
      chat_id_list: ["wr1", "wr2", "wr3", "wr4", "wr5"],
    });
    expect(plan?.listedIn).toEqual(["wr5"]);
    expect(plan?.listedOut).toEqual(["wr0"]);
  });

  it("keeps a group WeCom auto-created since the last read (the anchors' overwrite bug)", () => {
    const p = pool(g("wr0", 200), g("wr1", 200));
    const wecom = read(["wr0", "wr1", "wrAuto10"], { auto_create_room: 1, room_base_name: "销售客服群", room_base_id: 10 });
    const s: JoinWaySettings = { ...settings, autoCreate: { enabled: true, roomBaseName: "销售客服群", roomBaseId: 10 }, roomBaseIdApplied: 10 };
    const plan = planJoinWayUpdate(wecom, p, s);
    expect(plan?.request.chat_id_list).toEqual(["wrAuto10"]);
    expect(plan?.request).toMatchObject({ auto_create_room: 1, room_base_name: "销售客服群", room_base_id: 10 });
    expect(adoptAutoCreated(p, wecom.chat_id_list)).toEqual([{ chatId: "wrAuto10", capacity: 200, members: 0, dismissed: false, autoCreated: true }]);
  });

  it("a removed group is dropped, never adopted as auto-created", () => {
    const p = pool(g("wr0", 0, { removed: true }), g("wr1"));
    expect(adoptAutoCreated(p, ["wr0", "wr1"])).toEqual([]);
    expect(planJoinWayUpdate(read(["wr0", "wr1"]), p, settings)?.request.chat_id_list).toEqual(["wr1"]);
  });

  it("with no room left keeps the full groups listed (WeCom needs one; auto-create then makes the next group)", () => {
    const p = pool(g("wr0", 200), g("wr1", 200), g("wr2", 0, { dismissed: true }));
    expect(planJoinWayUpdate(read(["wr0", "wr1"]), p, settings)).toBeUndefined();
    expect(planJoinWayUpdate(read(["wr0", "wr2"]), p, settings)?.request.chat_id_list).toEqual(["wr0"]);
    // nothing live at all: nothing can be sent
    expect(planJoinWayUpdate(read(["wr2"]), pool(g("wr2", 0, { dismissed: true })), settings)).toBeUndefined();
  });

  it("a settings change alone is an update; the remark is cut at WeCom's 30 characters", () => {
    const p = pool(g("wr0"));
    const plan = planJoinWayUpdate(read(["wr0"]), p, { ...settings, name: "群".repeat(40) });
    expect(plan?.request.remark).toBe("群".repeat(30));
    expect(planJoinWayUpdate(read(["wr0"], { remark: "群".repeat(30) }), p, { ...settings, name: "群".repeat(40) })).toBeUndefined();
    // WeCom reset auto_create_room to its default 1 (an overwrite from elsewhere): put it back
    expect(planJoinWayUpdate(read(["wr0"], { auto_create_room: undefined }), p, settings)?.request.auto_create_room).toBe(0);
  });

  it("keeps WeCom's serial unless the operator changed room_base_id since Siyu last sent it", () => {
    const p = pool(g("wr0", 200), g("wr1"));
    const on = { enabled: true as const, roomBaseName: "销售客服群", roomBaseId: 10 };
    const wecom = read(["wr0"], { auto_create_room: 1, room_base_name: "销售客服群", room_base_id: 13 });
    expect(planJoinWayUpdate(wecom, p, { ...settings, autoCreate: on, roomBaseIdApplied: 10 })?.request.room_base_id).toBe(13);
    expect(planJoinWayUpdate(wecom, p, { ...settings, autoCreate: { ...on, roomBaseId: 20 }, roomBaseIdApplied: 10 })?.request.room_base_id).toBe(20);
  });

  it("planJoinWayCreate lists the first 5 groups with room, or nothing while no group is live", () => {
    expect(planJoinWayCreate(pool(...ids(6).map((id) => g(id))), settings)?.chat_id_list).toEqual(ids(5));
    expect(planJoinWayCreate(pool(), settings)).toBeUndefined();
  });
});

// ───────────────────────────── properties ─────────────────────────────

const CAP = 5;
const groupArb = (chatId: string) =>
  fc.record({
    chatId: fc.constant(chatId),
    capacity: fc.constant(CAP),
    members: fc.integer({ min: 0, max: CAP + 1 }),
    dismissed: fc.integer({ min: 1, max: 8 }).map((n) => n === 1),
    autoCreated: fc.boolean(),
    removed: fc.integer({ min: 1, max: 10 }).map((n) => n === 1),
  });
const poolArb = fc.integer({ min: 0, max: 14 }).chain((n) => fc.tuple(...ids(n).map(groupArb)).map((groups): PoolState => ({ groups, capacity: CAP })));
const listedArb = (p: PoolState) => fc.subarray(p.groups.map((x) => x.chatId)).chain((l) => fc.shuffledSubarray(l, { maxLength: Math.min(5, l.length) }));
const scenario = poolArb.chain((p) => fc.tuple(fc.constant(p), listedArb(p)));
const autoIds = fc.uniqueArray(fc.constantFrom<string>("wrAutoA", "wrAutoB", "wrAutoC"), { maxLength: 2 });

describe("eligibleGroups (property)", () => {
  it("never lists more than 5 groups, nor one that is full, dismissed or removed; lists 5 whenever 5 have room", () => {
    fc.assert(
      fc.property(scenario, ([p, listed]) => {
        const e = eligibleGroups(p, listed);
        expect(e.length).toBeLessThanOrEqual(WECOM_LIMITS.joinWayChatIds);
        expect(new Set(e).size).toBe(e.length);
        for (const id of e) expect(hasRoom(p.groups.find((x) => x.chatId === id) as GroupState)).toBe(true);
        expect(e.length).toBe(Math.min(5, p.groups.filter(hasRoom).length));
      }),
      { numRuns: 500 },
    );
  });

  it("one listed group filling changes the listed set by exactly one swap (or one removal when no other has room)", () => {
    fc.assert(
      fc.property(scenario, fc.nat(), ([p, listed], pick) => {
        const before = eligibleGroups(p, listed);
        if (before.length === 0) return;
        const filled = before[pick % before.length] as string;
        const after = eligibleGroups({ ...p, groups: p.groups.map((x) => (x.chatId === filled ? { ...x, members: x.capacity } : x)) }, before);
        const out = before.filter((id) => !after.includes(id));
        const added = after.filter((id) => !before.includes(id));
        expect(out).toEqual([filled]);
        const spare = p.groups.filter((x) => hasRoom(x) && !before.includes(x.chatId));
        expect(added.length).toBe(spare.length > 0 ? 1 : 0);
        // the others keep their places
        expect(after.slice(0, before.length - 1)).toEqual(before.filter((id) => id !== filled));
      }),
      { numRuns: 500 },
    );
  });
});

describe("planJoinWayUpdate (property)", () => {
  it("never drops a group WeCom auto-created since the last read, returns undefined iff the list is unchanged, and never sends more than 5 or a full group while one has room", () => {
    fc.assert(
      fc.property(scenario, autoIds, fc.boolean(), ([p, listed], auto, autoOn) => {
        const wecomList = [...listed, ...auto].slice(-5);
        const newAuto = wecomList.filter((id) => auto.includes(id));
        const s: JoinWaySettings = autoOn ? { ...settings, autoCreate: { enabled: true, roomBaseName: "群", roomBaseId: 1 }, roomBaseIdApplied: 1 } : settings;
        const r = read(wecomList, autoOn ? { auto_create_room: 1, room_base_name: "群", room_base_id: 1 } : {});
        const plan = planJoinWayUpdate(r, p, s);
        const sent = plan?.request.chat_id_list ?? wecomList;
        for (const id of newAuto) expect(sent).toContain(id);
        const merged = [...p.groups, ...adoptAutoCreated(p, wecomList)];
        const liveIds = merged.filter((x) => !x.dismissed && !x.removed).map((x) => x.chatId);
        const expected = eligibleGroups({ ...p, groups: merged }, wecomList);
        const target = expected.length > 0 ? expected : wecomList.filter((id) => liveIds.includes(id)).length > 0 ? wecomList.filter((id) => liveIds.includes(id)) : liveIds.slice(0, 5);
        const unchanged = target.length === 0 || (target.length === wecomList.length && target.every((id) => wecomList.includes(id)));
        expect(plan === undefined).toBe(unchanged);
        if (!plan) return;
        expect(plan.request.chat_id_list.length).toBeGreaterThanOrEqual(1);
        expect(plan.request.chat_id_list.length).toBeLessThanOrEqual(5);
        if (merged.some(hasRoom)) {
          for (const id of plan.request.chat_id_list) expect(hasRoom(merged.find((x) => x.chatId === id) as GroupState)).toBe(true);
        }
        // every field is sent: the update overwrites
        expect(Object.keys(plan.request).sort()).toEqual(
          (autoOn ? ["auto_create_room", "chat_id_list", "config_id", "remark", "room_base_id", "room_base_name", "scene", "state"] : ["auto_create_room", "chat_id_list", "config_id", "remark", "scene", "state"]).sort(),
        );
        // applying the plan and planning again changes nothing
        expect(planJoinWayUpdate({ ...r, chat_id_list: plan.request.chat_id_list }, { ...p, groups: merged }, s)).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });
});

describe("poolSummary", () => {
  it("counts the live groups, their fill and free seats; dismissed and removed groups are not the pool", () => {
    const s = poolSummary([g("wrA", 200), g("wrB", 50), g("wrC", 10, { dismissed: true }), g("wrD", 0, { removed: true }), g("wrE", 120, { capacity: 100 })]);
    expect(s).toEqual({ groups: 3, groupsWithRoom: 1, fullGroups: 2, members: 370, capacity: 500, freeSeats: 150, fill: 0.7 });
    expect(poolSummary([])).toEqual({ groups: 0, groupsWithRoom: 0, fullGroups: 0, members: 0, capacity: 0, freeSeats: 0, fill: 0 });
  });

  it("fill stays in [0, 1] and every live group has room or is full", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ members: fc.nat(300), capacity: fc.integer({ min: 1, max: 200 }), dismissed: fc.boolean() }), { maxLength: 20 }), (rows) => {
        const s = poolSummary(rows.map((r, i) => g(`wr${i}`, r.members, r)));
        expect(s.fill).toBeGreaterThanOrEqual(0);
        expect(s.fill).toBeLessThanOrEqual(1);
        expect(s.groupsWithRoom + s.fullGroups).toBe(s.groups);
        expect(s.freeSeats).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});
