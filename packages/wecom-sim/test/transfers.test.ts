import { afterEach, describe, expect, it } from "vitest";
import { closeStarted, type Receiver, type Sim, startReceiver, startSim } from "./support/harness.ts";

let s: Sim;
let rx: Receiver | undefined;
afterEach(closeStarted);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
type Violations = { violations: { api: string; errcode: number; rule: string }[] };

/** Members a, b, c; n customers of a (state "ch1", one tag). */
async function setup(n = 3) {
  rx = await startReceiver();
  s = await startSim({ callbackUrl: rx.url });
  for (const u of ["a", "b", "c"]) await s.ok("POST", "staff", { userId: u, name: u });
  const way = await s.api("externalcontact/add_contact_way", { type: 1, scene: 2, user: ["a"], state: "ch1" });
  const tag = await s.api("externalcontact/add_corp_tag", { group_name: "等级", tag: [{ name: "VIP" }] });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const ext = (await s.ok<{ externalUserId: string }>("POST", "scan-contact-way", { configId: way.config_id, name: `c${i}` })).externalUserId;
    await s.api("externalcontact/mark_tag", { userid: "a", external_userid: ext, add_tag: [tag.tag_group.tag[0].id] });
    ids.push(ext);
  }
  rx.received.length = 0;
  return { ids, tagId: tag.tag_group.tag[0].id as string };
}

const transfer = (handover: string, takeover: string, external_userid: string[]) =>
  s.api("externalcontact/transfer_customer", { handover_userid: handover, takeover_userid: takeover, external_userid });
const result = async (handover: string, takeover: string) =>
  (await s.api("externalcontact/transfer_result", { handover_userid: handover, takeover_userid: takeover })).customer as {
    external_userid: string;
    status: number;
    takeover_time: number;
  }[];

describe("customer transfer", () => {
  it("waits 24 h (sim clock), then moves the customer: del_external_contact DELETE_BY_TRANSFER + add to the taker", async () => {
    const { ids, tagId } = await setup(1);
    const c = ids[0]!;
    const r = await transfer("a", "b", [c]);
    expect(r.customer).toEqual([{ external_userid: c, errcode: 0 }]);
    const started = Math.floor(Date.parse("2025-03-10T02:00:00Z") / 1000);
    expect(await result("a", "b")).toEqual([{ external_userid: c, status: 2, takeover_time: started + 86_400 }]);

    await s.ok("POST", "clock", { advanceMs: DAY - 1000 });
    expect((await result("a", "b"))[0]?.status).toBe(2);
    expect(rx?.received).toHaveLength(0);

    const tick = await s.ok<{ callbacks: { changeType: string; status: number }[] }>("POST", "clock", { advanceMs: 1000 });
    expect(tick.callbacks.map((x) => [x.changeType, x.status])).toEqual([
      ["del_external_contact", 200],
      ["add_external_contact", 200],
    ]);
    expect((await result("a", "b"))[0]?.status).toBe(1);
    const evs = rx?.received.map((x) => x.event) ?? [];
    expect(evs[0]).toMatchObject({ changeType: "del_external_contact", userId: "a", externalUserId: c, source: "DELETE_BY_TRANSFER" });
    expect(evs[1]).toMatchObject({ changeType: "add_external_contact", userId: "b", externalUserId: c });

    const detail = await s.api("externalcontact/get", undefined, { external_userid: c });
    expect(detail.follow_user).toHaveLength(1);
    expect(detail.follow_user[0]).toMatchObject({ userid: "b", state: "ch1", add_way: 202 });
    expect(detail.follow_user[0].tags.map((t: { tag_id: string }) => t.tag_id)).toEqual([tagId]);
  });

  it("the customer may refuse within 24 h: status 3 and transfer_fail(customer_refused); after 24 h it is too late", async () => {
    const { ids } = await setup(2);
    await transfer("a", "b", ids);
    s.clock.advance(23 * HOUR);
    const refused = await s.ok<{ status: number; callbackStatus: number }>("POST", "customer-refuses-transfer", { externalUserId: ids[0] });
    expect(refused).toMatchObject({ status: 3, callbackStatus: 200 });
    expect(rx?.received[0]?.event).toMatchObject({ changeType: "transfer_fail", userId: "b", externalUserId: ids[0], failReason: "customer_refused" });
    s.clock.advance(HOUR);
    expect((await s.world("POST", "customer-refuses-transfer", { externalUserId: ids[1] })).status).toBe(409);
    const rows = await result("a", "b");
    expect(rows.map((x) => [x.external_userid, x.status])).toEqual([
      [ids[0], 3],
      [ids[1], 1],
    ]);
    // the refused customer stays with a
    const list = await s.api("externalcontact/list", undefined, { userid: "a" });
    expect(list.external_userid).toEqual([ids[0]]);
  });

  it("per-customer errcodes: same user 40130, not a follower 40131, in progress 40129; ≤100 per call", async () => {
    const { ids } = await setup(2);
    expect((await transfer("a", "a", [ids[0]!])).customer).toEqual([{ external_userid: ids[0], errcode: 40130 }]);
    expect((await transfer("b", "c", [ids[0]!])).customer).toEqual([{ external_userid: ids[0], errcode: 40131 }]);
    expect((await transfer("a", "b", [ids[0]!])).customer[0].errcode).toBe(0);
    expect((await transfer("a", "c", [ids[0]!, ids[1]!])).customer).toEqual([
      { external_userid: ids[0], errcode: 40129 },
      { external_userid: ids[1], errcode: 0 },
    ]);
    const many = Array.from({ length: 101 }, (_, i) => `wm${i}`);
    expect((await transfer("a", "b", many)).errcode).toBe(40058);
    expect((await s.ok<Violations>("GET", "violations")).violations.map((v) => v.rule)).toEqual(["transfer.max-100-per-call"]);
  });

  it("≤2 transfers per customer per 90 days → 40128, recorded; allowed again after 90 days", async () => {
    const { ids } = await setup(1);
    const c = ids[0]!;
    expect((await transfer("a", "b", [c])).customer[0].errcode).toBe(0);
    await s.ok("POST", "clock", { advanceMs: DAY });
    expect((await transfer("b", "c", [c])).customer[0].errcode).toBe(0);
    await s.ok("POST", "clock", { advanceMs: DAY });
    expect((await transfer("c", "a", [c])).customer[0].errcode).toBe(40128);
    const v = await s.ok<Violations>("GET", "violations");
    expect(v.violations.map((x) => [x.api, x.errcode, x.rule])).toEqual([["externalcontact/transfer_customer", 40128, "transfer.2-per-90-days"]]);
    await s.ok("POST", "clock", { advanceMs: 88 * DAY }); // 90 days after the first
    expect((await transfer("c", "a", [c])).customer[0].errcode).toBe(0);
  });

  it("resigned transfer needs a resigned handover (40097); unassigned list shows their customers", async () => {
    const { ids } = await setup(2);
    const notYet = await s.api("externalcontact/resigned/transfer_customer", { handover_userid: "a", takeover_userid: "b", external_userid: [ids[0]] });
    expect(notYet.errcode).toBe(40097);
    await s.ok("POST", "staff-resigns", { userId: "a" });
    const unassigned = await s.api("externalcontact/get_unassigned_list", {});
    expect(unassigned.info.map((x: { external_userid: string }) => x.external_userid)).toEqual(ids);
    const r = await s.api("externalcontact/resigned/transfer_customer", { handover_userid: "a", takeover_userid: "b", external_userid: [ids[0]] });
    expect(r.customer).toEqual([{ external_userid: ids[0], errcode: 0 }]);
    expect((await s.api("externalcontact/get_unassigned_list", {})).info).toHaveLength(1);
    await s.ok("POST", "clock", { advanceMs: DAY });
    const done = await s.api("externalcontact/resigned/transfer_result", { handover_userid: "a", takeover_userid: "b" });
    expect(done.customer[0].status).toBe(1);
    // a resigned member gets no del_external_contact; the taker gets the add
    expect(rx?.received.map((x) => x.event)).toEqual([expect.objectContaining({ changeType: "add_external_contact", userId: "b", externalUserId: ids[0] })]);
  });
});
