import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { verifyUrl } from "@siyu/wecom";
import { afterEach, describe, expect, it } from "vitest";
import { closeStarted, KEYS, type Receiver, type Sim, startReceiver, startSim } from "./support/harness.ts";

let s: Sim;
let rx: Receiver | undefined;
afterEach(closeStarted);

describe("callback delivery", () => {
  it("redeliver resends the last N callbacks byte for byte (same body, same query), as WeCom retries do", async () => {
    rx = await startReceiver();
    s = await startSim({ seed: "demo", callbackUrl: rx.url });
    const way = await s.api("externalcontact/add_contact_way", { type: 2, scene: 2, user: ["lina", "chenjing"], state: "r" });
    for (let i = 0; i < 3; i++) await s.ok("POST", "scan-contact-way", { configId: way.config_id, name: `c${i}` });
    s.clock.advance(30_000);
    const r = await s.ok<{ redelivered: { seq: number; redeliveryOf: number; status: number }[] }>("POST", "redeliver", { count: 2 });
    expect(r.redelivered.map((x) => [x.seq, x.redeliveryOf, x.status])).toEqual([
      [4, 2, 200],
      [5, 3, 200],
    ]);
    expect(rx.received).toHaveLength(5);
    for (const [copy, original] of [
      [3, 1],
      [4, 2],
    ] as const) {
      expect(rx.raw[copy]?.body).toBe(rx.raw[original]?.body);
      expect(rx.raw[copy]?.query).toEqual(rx.raw[original]?.query);
      expect(rx.received[copy]?.event.dedupeKey).toBe(rx.received[original]?.event.dedupeKey);
    }
    // a redelivery never counts as an original: redelivering 1 now resends scan #3 again
    await s.ok("POST", "redeliver", { count: 1 });
    expect(rx.raw[5]?.body).toBe(rx.raw[2]?.body);
  });

  it("the callback URL can be set at runtime; before that callbacks are logged with no URL", async () => {
    s = await startSim({ seed: "demo" });
    const way = await s.api("externalcontact/add_contact_way", { type: 1, scene: 2, user: ["lina"] });
    const first = await s.ok<{ callbackStatus: number | null }>("POST", "scan-contact-way", { configId: way.config_id, name: "x" });
    expect(first.callbackStatus).toBeNull();
    rx = await startReceiver();
    const cfg = await s.ok<{ callbackUrl: string }>("POST", "config", { callbackUrl: rx.url });
    expect(cfg.callbackUrl).toBe(rx.url);
    const second = await s.ok<{ callbackStatus: number | null }>("POST", "scan-contact-way", { configId: way.config_id, name: "y" });
    expect(second.callbackStatus).toBe(200);
    const log = await s.ok<{ callbacks: { url: string | null; attempts: unknown[] }[] }>("GET", "callbacks");
    expect(log.callbacks.map((c) => [c.url, c.attempts.length])).toEqual([
      [null, 0],
      [rx.url, 1],
    ]);
  });

  it("URL verification: GET with an encrypted echostr the receiver must decrypt and echo within 1 s", async () => {
    const server = createServer((req, res) => {
      const q = Object.fromEntries(new URL(req.url ?? "/", "http://x").searchParams);
      try {
        const plain = verifyUrl(KEYS, { msg_signature: q.msg_signature ?? "", timestamp: q.timestamp ?? "", nonce: q.nonce ?? "", echostr: q.echostr ?? "" });
        res.end(plain);
      } catch {
        res.writeHead(400).end("bad");
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cb`;
      s = await startSim({ callbackUrl: url });
      const ok = await s.ok<{ ok: boolean; status: number; expected: string; got: string }>("POST", "verify-url");
      expect(ok.ok).toBe(true);
      expect(ok.got).toBe(ok.expected);
      // a receiver with the wrong token fails verification
      await s.close();
      s = await startSim({ callbackUrl: url, token: "another-token" });
      const bad = await s.ok<{ ok: boolean; status: number }>("POST", "verify-url");
      expect(bad).toMatchObject({ ok: false, status: 400 });
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });
});
