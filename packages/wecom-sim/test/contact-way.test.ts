import { afterEach, describe, expect, it } from "vitest";
import { closeStarted, CREDS, hasCdata, type Receiver, type Sim, startReceiver, startSim } from "./support/harness.ts";

let s: Sim;
let rx: Receiver | undefined;
afterEach(closeStarted);

type Violations = { violations: { api: string; errcode: number; rule: string; detail: Record<string, unknown> }[] };

describe("contact ways", () => {
  it("add → get → list → update (overwrites users) → del", async () => {
    s = await startSim({ seed: "demo" });
    const add = await s.api("externalcontact/add_contact_way", { type: 2, scene: 2, state: "store-sh-01", user: ["zhangwei", "lina"], remark: "上海店" });
    expect(add.errcode).toBe(0);
    expect(add.config_id).toMatch(/^[0-9a-f]{32}$/);
    expect(add.qr_code).toBe(`${s.sim.url}/_sim/qr/${add.config_id}.png`);

    const got = await s.api("externalcontact/get_contact_way", { config_id: add.config_id });
    expect(got.contact_way).toMatchObject({ config_id: add.config_id, type: 2, scene: 2, skip_verify: true, state: "store-sh-01", user: ["zhangwei", "lina"] });

    const list = await s.api("externalcontact/list_contact_way", { limit: 10 });
    expect(list.contact_way).toEqual([{ config_id: add.config_id }]);

    expect((await s.api("externalcontact/update_contact_way", { config_id: add.config_id, user: ["wangfang"] })).errcode).toBe(0);
    const after = await s.api("externalcontact/get_contact_way", { config_id: add.config_id });
    expect(after.contact_way.user).toEqual(["wangfang"]);
    expect(after.contact_way.state).toBe("store-sh-01");

    expect((await s.api("externalcontact/del_contact_way", { config_id: add.config_id })).errcode).toBe(0);
    expect((await s.api("externalcontact/get_contact_way", { config_id: add.config_id })).errcode).toBe(41044);
    expect((await s.api("externalcontact/get_contact_way", {})).errcode).toBe(41043);
  });

  it("enforces ≤100 users (41041), state ≤30 chars, type 1 = one user, known users (60111), and records limit violations", async () => {
    s = await startSim();
    for (let i = 0; i < 101; i++) await s.ok("POST", "staff", { userId: `u${i}`, name: `成员${i}` });
    const users = Array.from({ length: 101 }, (_, i) => `u${i}`);
    expect((await s.api("externalcontact/add_contact_way", { type: 2, scene: 2, user: users })).errcode).toBe(41041);
    expect((await s.api("externalcontact/add_contact_way", { type: 2, scene: 2, user: users.slice(0, 100) })).errcode).toBe(0);
    // departments count after expansion: everyone is in department 1
    expect((await s.api("externalcontact/add_contact_way", { type: 2, scene: 2, party: [1] })).errcode).toBe(41041);
    expect((await s.api("externalcontact/add_contact_way", { type: 2, scene: 2, user: ["u1"], state: "x".repeat(31) })).errcode).toBe(40058);
    expect((await s.api("externalcontact/add_contact_way", { type: 2, scene: 2, user: ["u1"], state: "渠".repeat(30) })).errcode).toBe(0);
    expect((await s.api("externalcontact/add_contact_way", { type: 1, scene: 2, user: ["u1", "u2"] })).errcode).toBe(40058);
    expect((await s.api("externalcontact/add_contact_way", { type: 1, scene: 2, user: ["ghost"] })).errcode).toBe(60111);
    expect((await s.api("externalcontact/add_contact_way", { scene: 2, user: ["u1"] })).errcode).toBe(41037);
    expect((await s.api("externalcontact/add_contact_way", { type: 3, scene: 2, user: ["u1"] })).errcode).toBe(41039);
    const add = await s.api("externalcontact/add_contact_way", { type: 2, scene: 2, user: ["u1"] });
    expect((await s.api("externalcontact/update_contact_way", { config_id: add.config_id, user: users })).errcode).toBe(41041);

    const v = await s.ok<Violations>("GET", "violations");
    expect(v.violations.map((x) => x.rule)).toEqual([
      "contact-way.max-100-users",
      "contact-way.max-100-users",
      "contact-way.state-30-chars",
      "contact-way.max-100-users",
    ]);
    expect(v.violations[0]).toMatchObject({ api: "externalcontact/add_contact_way", errcode: 41041 });
    expect(v.violations[0]?.detail.members).toBe(101);
  });

  it("a scan lands on one of the code's current users and sends a signed, encrypted add_external_contact", async () => {
    rx = await startReceiver();
    s = await startSim({ seed: "demo", callbackUrl: rx.url });
    const add = await s.api("externalcontact/add_contact_way", { type: 2, scene: 2, state: "poster-b", user: ["zhangwei", "lina", "chenjing"] });
    const { externalUserId } = await s.ok<{ externalUserId: string }>("POST", "customers", { name: "顾客甲", unionId: "oUnion001" });
    const scan = await s.ok<{ userId: string; welcomeCode: string; callbackStatus: number; state: string }>("POST", "scan-contact-way", {
      configId: add.config_id,
      externalUserId,
    });
    expect(["zhangwei", "lina", "chenjing"]).toContain(scan.userId);
    expect(scan.callbackStatus).toBe(200);
    expect(scan.welcomeCode).toMatch(/^[A-Za-z0-9]{43}$/);

    expect(rx.received).toHaveLength(1);
    const cb = rx.received[0]!;
    expect(cb.event).toMatchObject({
      kind: "change_external_contact",
      changeType: "add_external_contact",
      corpId: CREDS.corpId,
      userId: scan.userId,
      externalUserId,
      state: "poster-b",
      welcomeCode: scan.welcomeCode,
    });
    // exact WeCom shape (§3)
    expect(cb.plaintext.startsWith("<xml><ToUserName><![CDATA[")).toBe(true);
    expect(hasCdata(cb.plaintext, "FromUserName", "sys")).toBe(true);
    expect(hasCdata(cb.plaintext, "MsgType", "event")).toBe(true);
    expect(hasCdata(cb.plaintext, "Event", "change_external_contact")).toBe(true);
    expect(cb.plaintext).toContain(`<CreateTime>${Math.floor(Date.parse("2025-03-10T02:00:00Z") / 1000)}</CreateTime>`);
    expect(cb.body).toContain("<Encrypt><![CDATA[");
    expect(cb.body).not.toContain(externalUserId);
    expect(cb.query.timestamp).toBe(String(Math.floor(Date.parse("2025-03-10T02:00:00Z") / 1000)));

    // the relation is visible through the API with the channel state
    const detail = await s.api("externalcontact/get", undefined, { external_userid: externalUserId });
    expect(detail.errcode).toBe(0);
    expect(detail.external_contact).toMatchObject({ external_userid: externalUserId, name: "顾客甲", unionid: "oUnion001", type: 1 });
    expect(detail.follow_user).toHaveLength(1);
    expect(detail.follow_user[0]).toMatchObject({ userid: scan.userId, state: "poster-b", add_way: 1, oper_userid: externalUserId });

    const log = await s.ok<{ callbacks: { seq: number; changeType: string; status: number; url: string }[] }>("GET", "callbacks");
    expect(log.callbacks).toHaveLength(1);
    expect(log.callbacks[0]).toMatchObject({ seq: 1, changeType: "add_external_contact", status: 200, url: rx.url });
  });

  it("scans spread over the users; after update only the new user list receives customers", async () => {
    s = await startSim({ seed: "demo" });
    const add = await s.api("externalcontact/add_contact_way", { type: 2, scene: 2, user: ["zhangwei", "lina", "chenjing"] });
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) seen.add((await s.ok<{ userId: string }>("POST", "scan-contact-way", { configId: add.config_id })).userId);
    expect([...seen].sort()).toEqual(["chenjing", "lina", "zhangwei"]);
    await s.api("externalcontact/update_contact_way", { config_id: add.config_id, user: ["liuyang"] });
    for (let i = 0; i < 5; i++) expect((await s.ok<{ userId: string }>("POST", "scan-contact-way", { configId: add.config_id })).userId).toBe("liuyang");
  });

  it("deletes send del_follow_user / del_external_contact; a deleted code can't be scanned", async () => {
    rx = await startReceiver();
    s = await startSim({ seed: "demo", callbackUrl: rx.url });
    const add = await s.api("externalcontact/add_contact_way", { type: 1, scene: 2, user: ["lina"], state: "s1" });
    const a = await s.ok<{ externalUserId: string; userId: string }>("POST", "scan-contact-way", { configId: add.config_id, name: "甲" });
    const b = await s.ok<{ externalUserId: string; userId: string }>("POST", "scan-contact-way", { configId: add.config_id, name: "乙" });
    await s.ok("POST", "customer-deletes-staff", { externalUserId: a.externalUserId, userId: "lina" });
    await s.ok("POST", "staff-deletes-customer", { externalUserId: b.externalUserId, userId: "lina" });
    const kinds = rx.received.map((r) => (r.event.kind === "change_external_contact" ? [r.event.changeType, r.event.externalUserId] : [r.event.kind]));
    expect(kinds).toEqual([
      ["add_external_contact", a.externalUserId],
      ["add_external_contact", b.externalUserId],
      ["del_follow_user", a.externalUserId],
      ["del_external_contact", b.externalUserId],
    ]);
    const del = rx.received[3]!.event;
    expect(del.kind === "change_external_contact" && del.changeType === "del_external_contact" ? del.source : "x").toBeUndefined();
    // one-way deletion keeps the relation listed; staff deletion removes it
    const list = await s.api("externalcontact/list", undefined, { userid: "lina" });
    expect(list.external_userid).toContain(a.externalUserId);
    expect(list.external_userid).not.toContain(b.externalUserId);

    await s.api("externalcontact/del_contact_way", { config_id: add.config_id });
    expect((await s.world("POST", "scan-contact-way", { configId: add.config_id, name: "丙" })).status).toBe(404);
  });

  it("records the callback status the receiver answered, and retries non-200 answers (3 retries)", async () => {
    rx = await startReceiver();
    rx.status = 500;
    s = await startSim({ seed: "demo", callbackUrl: rx.url, callbackRetryDelayMs: 10 });
    const add = await s.api("externalcontact/add_contact_way", { type: 1, scene: 2, user: ["lina"] });
    const scan = await s.ok<{ callbackStatus: number }>("POST", "scan-contact-way", { configId: add.config_id, name: "甲" });
    expect(scan.callbackStatus).toBe(500);
    await expect.poll(() => rx?.raw.length, { timeout: 2000 }).toBe(4);
    const log = await s.ok<{ callbacks: { attempts: { status: number }[]; delivered: boolean }[] }>("GET", "callbacks");
    expect(log.callbacks[0]?.attempts.map((a) => a.status)).toEqual([500, 500, 500, 500]);
    expect(log.callbacks[0]?.delivered).toBe(false);
    // every retry is the same request
    expect(new Set(rx.raw.map((r) => r.body + JSON.stringify(r.query))).size).toBe(1);
  });

  it("a callback URL that refuses connections is logged as a failed attempt, not an error", async () => {
    s = await startSim({ seed: "demo", callbackUrl: "http://127.0.0.1:1/cb", callbackRetries: 0 });
    const add = await s.api("externalcontact/add_contact_way", { type: 1, scene: 2, user: ["lina"] });
    const scan = await s.ok<{ callbackStatus: number | null; welcomeCode: string }>("POST", "scan-contact-way", { configId: add.config_id, name: "甲" });
    expect(scan.callbackStatus).toBeNull();
    const log = await s.ok<{ callbacks: { attempts: { status: number | null; error?: string }[] }[] }>("GET", "callbacks");
    expect(log.callbacks[0]?.attempts).toHaveLength(1);
    expect(log.callbacks[0]?.attempts[0]?.error).toBeTruthy();
  });
});
