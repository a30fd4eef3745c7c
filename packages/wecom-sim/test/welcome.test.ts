import { afterEach, describe, expect, it } from "vitest";
import { closeStarted, type Receiver, type Sim, startReceiver, startSim } from "./support/harness.ts";

let s: Sim;
let rx: Receiver | undefined;
afterEach(closeStarted);

type Violations = { violations: { api: string; errcode: number; rule: string }[] };
type Scan = { externalUserId: string; userId: string; welcomeCode: string | null };

async function codeFor(s: Sim, user = "lina"): Promise<{ configId: string; scan: Scan }> {
  const add = await s.api("externalcontact/add_contact_way", { type: 1, scene: 2, user: [user], state: "w" });
  const scan = await s.ok<Scan>("POST", "scan-contact-way", { configId: add.config_id, name: "顾客" });
  return { configId: add.config_id, scan };
}

describe("welcome messages", () => {
  it("accepts a welcome within 20 s (sim clock) and reports the delay", async () => {
    s = await startSim({ seed: "demo" });
    const { scan } = await codeFor(s);
    s.clock.advance(19_999);
    const r = await s.api("externalcontact/send_welcome_msg", {
      welcome_code: scan.welcomeCode,
      text: { content: "欢迎光临" },
      attachments: [{ msgtype: "link", link: { title: "新人礼", url: "https://example.com" } }],
    });
    expect(r.errcode).toBe(0);
    const log = await s.ok<{ welcomeMessages: { userid: string; externalUserId: string; text: string; delayMs: number; attachments: unknown[] }[] }>(
      "GET",
      "welcome-messages",
    );
    expect(log.welcomeMessages).toEqual([
      expect.objectContaining({ userid: "lina", externalUserId: scan.externalUserId, text: "欢迎光临", delayMs: 19_999 }),
    ]);
    expect(log.welcomeMessages[0]?.attachments).toHaveLength(1);
    expect((await s.ok<Violations>("GET", "violations")).violations).toEqual([]);
  });

  it("rejects an expired code (41050) and a second use (41051), recording both as violations", async () => {
    s = await startSim({ seed: "demo" });
    const first = await codeFor(s);
    expect((await s.api("externalcontact/send_welcome_msg", { welcome_code: first.scan.welcomeCode, text: { content: "hi" } })).errcode).toBe(0);
    expect((await s.api("externalcontact/send_welcome_msg", { welcome_code: first.scan.welcomeCode, text: { content: "hi" } })).errcode).toBe(41051);

    const second = await codeFor(s);
    await s.ok("POST", "clock", { advanceMs: 20_001 });
    const late = await s.api("externalcontact/send_welcome_msg", { welcome_code: second.scan.welcomeCode, text: { content: "hi" } });
    expect(late.errcode).toBe(41050);
    expect(late.errmsg).toContain("20000");

    expect((await s.api("externalcontact/send_welcome_msg", { text: { content: "hi" } })).errcode).toBe(41049);
    expect((await s.api("externalcontact/send_welcome_msg", { welcome_code: "made-up", text: { content: "hi" } })).errcode).toBe(41050);

    const v = await s.ok<Violations>("GET", "violations");
    expect(v.violations.map((x) => [x.api, x.errcode, x.rule])).toEqual([
      ["externalcontact/send_welcome_msg", 41051, "welcome.single-use"],
      ["externalcontact/send_welcome_msg", 41050, "welcome.window-20s"],
    ]);
    expect((await s.ok<{ welcomeMessages: unknown[] }>("GET", "welcome-messages")).welcomeMessages).toHaveLength(1);
  });

  it("enforces text ≤ 4000 bytes and ≤ 9 attachments (the code stays usable after a rejected call)", async () => {
    s = await startSim({ seed: "demo" });
    const { scan } = await codeFor(s);
    const tooLong = "欢".repeat(1334); // 4002 bytes in UTF-8
    expect((await s.api("externalcontact/send_welcome_msg", { welcome_code: scan.welcomeCode, text: { content: tooLong } })).errcode).toBe(40058);
    const ten = Array.from({ length: 10 }, () => ({ msgtype: "image", image: { media_id: "m" } }));
    expect((await s.api("externalcontact/send_welcome_msg", { welcome_code: scan.welcomeCode, attachments: ten })).errcode).toBe(40058);
    expect((await s.api("externalcontact/send_welcome_msg", { welcome_code: scan.welcomeCode })).errcode).toBe(44004);
    expect(
      (await s.api("externalcontact/send_welcome_msg", { welcome_code: scan.welcomeCode, text: { content: "欢".repeat(1333) }, attachments: ten.slice(1) }))
        .errcode,
    ).toBe(0);
    const rules = (await s.ok<Violations>("GET", "violations")).violations.map((v) => v.rule);
    expect(rules).toEqual(["welcome.text-4000-bytes", "welcome.max-9-attachments"]);
  });

  it("gives no WelcomeCode when the member has a console welcome, or when the two chatted before", async () => {
    rx = await startReceiver();
    s = await startSim({ seed: "demo", callbackUrl: rx.url });
    await s.ok("POST", "staff/liuyang", { consoleWelcome: true });
    const console = await codeFor(s, "liuyang");
    expect(console.scan.welcomeCode).toBeNull();
    const ev = rx.received.at(-1)?.event;
    expect(ev?.kind === "change_external_contact" && ev.changeType === "add_external_contact" ? ev.welcomeCode : "x").toBeUndefined();

    const { configId, scan } = await codeFor(s, "lina");
    await s.api("externalcontact/send_welcome_msg", { welcome_code: scan.welcomeCode, text: { content: "hi" } });
    await s.ok("POST", "staff-deletes-customer", { externalUserId: scan.externalUserId, userId: "lina" });
    const again = await s.ok<Scan>("POST", "scan-contact-way", { configId, externalUserId: scan.externalUserId });
    expect(again.userId).toBe("lina");
    expect(again.welcomeCode).toBeNull();
  });
});
