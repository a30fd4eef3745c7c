import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GroupNotInPool } from "../src/domain/errors.ts";
import { applyMemberChange, attributeMember, type MemberChange, reconcileMembers } from "../src/domain/members.ts";
import type { GroupState } from "../src/domain/pool.ts";

const group = (members: number, memberVersion?: string): GroupState => ({
  chatId: "wrA",
  ownerUserId: "zhangsan",
  capacity: 200,
  members,
  dismissed: false,
  autoCreated: false,
  ...(memberVersion !== undefined ? { memberVersion } : {}),
});
const change = (more: Partial<MemberChange>): MemberChange => ({ chatId: "wrA", change: "add_member", memberChangeCount: 1, changedAt: "2026-03-01T02:00:00.000Z", ...more });

describe("applyMemberChange", () => {
  it("applies a change that follows the version held", () => {
    const r = applyMemberChange(group(10, "v1"), change({ lastMemberVersion: "v1", memberVersion: "v2", joinScene: 3, memberChangeCount: 2 }));
    expect(r).toMatchObject({ outcome: "applied", joined: 2, left: 0, byQr: true, group: { members: 12, memberVersion: "v2" } });
    expect(r.reconcile).toBeUndefined();
    const d = applyMemberChange(r.group, change({ change: "del_member", lastMemberVersion: "v2", memberVersion: "v3", quitScene: 0 }));
    expect(d).toMatchObject({ outcome: "applied", left: 1, group: { members: 11, memberVersion: "v3" } });
  });

  it("a redelivered change is a duplicate", () => {
    const r = applyMemberChange(group(12, "v2"), change({ lastMemberVersion: "v1", memberVersion: "v2" }));
    expect(r.outcome).toBe("duplicate");
    expect(r.group.members).toBe(12);
  });

  it("a version that does not follow is a gap: adds are applied, removals wait, the version is forgotten", () => {
    const add = applyMemberChange(group(10, "v1"), change({ lastMemberVersion: "v7", memberVersion: "v8" }));
    expect(add).toMatchObject({ outcome: "unverified", reconcile: "gap", joined: 1, group: { members: 11 } });
    expect(add.group.memberVersion).toBeUndefined();
    const del = applyMemberChange(group(10, "v1"), change({ change: "del_member", lastMemberVersion: "v7", memberVersion: "v8" }));
    expect(del).toMatchObject({ outcome: "unverified", reconcile: "gap", left: 0, group: { members: 10 } });
    // and the next change, though it follows the lost one, is unverified until the reconciliation
    const next = applyMemberChange(add.group, change({ lastMemberVersion: "v8", memberVersion: "v9" }));
    expect(next).toMatchObject({ outcome: "unverified", reconcile: "unverified", group: { members: 12 } });
  });

  it("counts that do not follow are a gap too", () => {
    expect(applyMemberChange(group(1, "v1"), change({ change: "del_member", memberChangeCount: 3, lastMemberVersion: "v1", memberVersion: "v2" }))).toMatchObject({
      reconcile: "gap",
      group: { members: 1 },
    });
    expect(applyMemberChange(group(1, "v1"), change({ memberChangeCount: undefined, lastMemberVersion: "v1", memberVersion: "v2" }))).toMatchObject({
      reconcile: "gap",
      group: { members: 2 },
    });
  });

  it("without LastMemVer (today's group.member_changed) nothing can be checked: unverified", () => {
    expect(applyMemberChange(group(5, "v1"), change({ memberVersion: "v2" }))).toMatchObject({ outcome: "unverified", reconcile: "unverified", group: { members: 6 } });
  });

  it("ignores owner, name and notice changes; refuses another group's event", () => {
    expect(applyMemberChange(group(5, "v1"), change({ change: "change_owner" })).outcome).toBe("ignored");
    expect(() => applyMemberChange(group(5), change({ chatId: "wrB" }))).toThrow(GroupNotInPool);
  });
});

describe("reconcileMembers and attribution", () => {
  const read = {
    chat_id: "wrA",
    owner: "zhangsan",
    member_version: "v9",
    member_list: [
      { userid: "zhangsan", type: 1, join_time: 1_772_330_400, join_scene: 1 },
      { userid: "wmC1", type: 2, unionid: "u1", join_time: 1_772_330_460, join_scene: 3, state: "glc.k3v9q2m7xa" },
      { userid: "wmC2", type: 2, join_time: 1_772_330_520, join_scene: 1, invitor: { userid: "lisi" } },
    ],
  };

  it("takes WeCom's list as the truth: count, version, joins attributed and leaves", () => {
    const r = reconcileMembers(group(7), new Set(["zhangsan", "wmOld"]), read);
    expect(r.group).toMatchObject({ members: 3, memberVersion: "v9", ownerUserId: "zhangsan" });
    expect(r.drift).toBe(-4);
    expect(r.left).toEqual(["wmOld"]);
    expect(r.joined).toEqual([
      { chatId: "wrA", memberId: "wmC1", kind: "customer", unionid: "u1", joinScene: "qr", joinedAt: "2026-03-01T02:01:00.000Z", state: "glc.k3v9q2m7xa", codeId: "k3v9q2m7xa" },
      { chatId: "wrA", memberId: "wmC2", kind: "customer", joinScene: "invite", joinedAt: "2026-03-01T02:02:00.000Z", inviterUserId: "lisi" },
    ]);
  });

  it("join_scene is groupchat/get's 1/2/3, not the event's 0/3", () => {
    expect(attributeMember("wrA", { userid: "x", join_scene: 2 }).joinScene).toBe("link");
    expect(attributeMember("wrA", { userid: "x", join_scene: 0 }).joinScene).toBe("unknown");
    expect(attributeMember("wrA", { userid: "x" }).kind).toBe("customer");
  });

  it("refuses another group's answer", () => {
    expect(() => reconcileMembers(group(1), new Set(), { ...read, chat_id: "wrB" })).toThrow(GroupNotInPool);
  });
});

describe("member counts (property)", () => {
  it("over any delivery of a true history (events lost, duplicated, reordered), the count is exact until a reconciliation is asked, and a lost event is always noticed by the next one", () => {
    const step = fc.record({ add: fc.boolean(), count: fc.integer({ min: 1, max: 3 }) });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.array(step, { maxLength: 25 }),
        fc.array(fc.record({ op: fc.constantFrom("keep", "drop", "dup", "swap"), n: fc.nat() }), { maxLength: 25 }),
        (start, steps, faults) => {
          // the true history: versions v0, v1, …; counts never below 0
          let truth = start;
          const events: MemberChange[] = [];
          for (const s of steps) {
            const count = s.add ? s.count : Math.min(s.count, truth);
            if (count === 0) continue;
            truth += s.add ? count : -count;
            const n = events.length;
            events.push(change({ change: s.add ? "add_member" : "del_member", memberChangeCount: count, lastMemberVersion: `v${n}`, memberVersion: `v${n + 1}` }));
          }
          // the delivery: faults applied
          const delivered = [...events];
          for (const f of faults) {
            if (delivered.length === 0) break;
            const i = f.n % delivered.length;
            if (f.op === "drop") delivered.splice(i, 1);
            else if (f.op === "dup") delivered.splice(i, 0, delivered[i] as MemberChange);
            else if (f.op === "swap" && i + 1 < delivered.length) [delivered[i], delivered[i + 1]] = [delivered[i + 1] as MemberChange, delivered[i] as MemberChange];
          }
          let g = group(start, "v0");
          let asked = false;
          let trueAt = start;
          const truthAfter = new Map(events.map((e, i) => [e.memberVersion, events.slice(0, i + 1).reduce((n, x) => n + (x.change === "add_member" ? 1 : -1) * (x.memberChangeCount ?? 0), start)]));
          for (const e of delivered) {
            const r = applyMemberChange(g, e);
            g = r.group;
            if (r.reconcile) asked = true;
            if (r.outcome === "applied") trueAt = truthAfter.get(e.memberVersion) as number;
            if (!asked) expect(g.members).toBe(trueAt);
          }
          // with nothing lost nor reordered the count is the truth and no reconciliation was asked
          if (delivered.length === events.length && delivered.every((e, i) => e === events[i])) {
            expect(asked).toBe(false);
            expect(g.members).toBe(truth);
          }
          // a lost event is always noticed, if any later event arrives
          const lastDelivered = delivered.at(-1);
          if (lastDelivered && events.some((e) => !delivered.includes(e) && events.indexOf(e) < events.indexOf(lastDelivered))) expect(asked).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
