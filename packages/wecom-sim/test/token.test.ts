import { afterEach, describe, expect, it } from "vitest";
import { closeStarted, type ApiResult, CREDS, type Sim, startSim } from "./support/harness.ts";

let s: Sim;
afterEach(closeStarted);

const raw = async (s: Sim, path: string, init?: RequestInit) => (await (await fetch(`${s.sim.url}${path}`, init)).json()) as ApiResult;

describe("access_token", () => {
  it("issues a token for the right corp and secret, and rejects wrong ones", async () => {
    s = await startSim();
    const ok = await raw(s, `/cgi-bin/gettoken?corpid=${CREDS.corpId}&corpsecret=${CREDS.secret}`);
    expect(ok.errcode).toBe(0);
    expect(ok.expires_in).toBe(7200);
    expect(typeof ok.access_token).toBe("string");
    expect((ok.access_token as string).length).toBeLessThanOrEqual(512);

    expect((await raw(s, `/cgi-bin/gettoken?corpid=${CREDS.corpId}&corpsecret=wrong`)).errcode).toBe(40001);
    expect((await raw(s, `/cgi-bin/gettoken?corpid=wwother&corpsecret=${CREDS.secret}`)).errcode).toBe(40013);
    expect((await raw(s, `/cgi-bin/gettoken?corpsecret=${CREDS.secret}`)).errcode).toBe(41002);
  });

  it("checks access_token on every endpoint: missing 41001, unknown 40014, expired after 7200 s 42001", async () => {
    s = await startSim({ seed: "demo" });
    expect((await raw(s, "/cgi-bin/externalcontact/get_follow_user_list")).errcode).toBe(41001);
    expect((await raw(s, "/cgi-bin/externalcontact/get_follow_user_list?access_token=nope")).errcode).toBe(40014);
    const { access_token } = await raw(s, `/cgi-bin/gettoken?corpid=${CREDS.corpId}&corpsecret=${CREDS.secret}`);
    const call = () => raw(s, `/cgi-bin/externalcontact/get_follow_user_list?access_token=${access_token}`);
    const first = await call();
    expect(first.errcode).toBe(0);
    expect(first.follow_user).toHaveLength(5);
    s.clock.advance(7199_000);
    expect((await call()).errcode).toBe(0);
    s.clock.advance(1000);
    expect((await call()).errcode).toBe(42001);
  });

  it("the sim clock endpoint also expires tokens, and invalidate-tokens revokes them early (40014)", async () => {
    s = await startSim();
    expect((await s.api("externalcontact/get_follow_user_list")).errcode).toBe(0);
    await s.ok("POST", "invalidate-tokens");
    expect((await s.api("externalcontact/get_follow_user_list")).errcode).toBe(40014);

    const t2 = await raw(s, `/cgi-bin/gettoken?corpid=${CREDS.corpId}&corpsecret=${CREDS.secret}`);
    const clock = await s.ok<{ now: string }>("POST", "clock", { advanceMs: 7200_000 });
    expect(clock.now).toBe("2025-03-10T04:00:00.000Z");
    expect((await raw(s, `/cgi-bin/externalcontact/get_follow_user_list?access_token=${t2.access_token}`)).errcode).toBe(42001);
  });

  it("logs every request, so a test can assert gettoken was called exactly once", async () => {
    s = await startSim({ seed: "demo" });
    for (let i = 0; i < 3; i++) expect((await s.api("externalcontact/get_follow_user_list")).errcode).toBe(0);
    const all = await s.ok<{ requests: { api: string; errcode: number; query: Record<string, string> }[] }>("GET", "requests");
    expect(all.requests.filter((r) => r.api === "gettoken")).toHaveLength(1);
    expect(all.requests.filter((r) => r.api === "externalcontact/get_follow_user_list")).toHaveLength(3);
    expect(all.requests.every((r) => r.errcode === 0)).toBe(true);
    expect(all.requests[1]?.query.access_token).toBe("***");
    const filtered = await s.ok<{ requests: unknown[] }>("GET", "requests?api=gettoken");
    expect(filtered.requests).toHaveLength(1);
  });

  it("answers malformed JSON with 47001 and unknown APIs with 404", async () => {
    s = await startSim();
    const { access_token } = await raw(s, `/cgi-bin/gettoken?corpid=${CREDS.corpId}&corpsecret=${CREDS.secret}`);
    const bad = await raw(s, `/cgi-bin/externalcontact/add_contact_way?access_token=${access_token}`, { method: "POST", body: "{nope" });
    expect(bad.errcode).toBe(47001);
    expect(bad.errmsg).toContain("Warning: wrong json format.");
    const res = await fetch(`${s.sim.url}/cgi-bin/externalcontact/no_such_api?access_token=${access_token}`);
    expect(res.status).toBe(404);
  });

  it("blocks an API past its per-minute limit with 45009 for 60 s and records the violation", async () => {
    s = await startSim({ seed: "demo", apiLimits: { perMinute: 3 } });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await s.api("externalcontact/get_follow_user_list")).errcode);
    expect(codes).toEqual([0, 0, 0, 45009, 45009]);
    // other APIs are counted separately
    expect((await s.api("user/get", undefined, { userid: "lina" })).errcode).toBe(0);
    const v = await s.ok<{ violations: { api: string; errcode: number; rule: string }[] }>("GET", "violations");
    expect(v.violations.map((x) => [x.api, x.errcode, x.rule])).toEqual([
      ["externalcontact/get_follow_user_list", 45009, "api.frequency"],
      ["externalcontact/get_follow_user_list", 45009, "api.frequency"],
    ]);
    s.clock.advance(60_000);
    expect((await s.api("externalcontact/get_follow_user_list")).errcode).toBe(0);
  });

  it("injects faults on demand (e.g. -1 busy once, then normal)", async () => {
    s = await startSim({ seed: "demo" });
    await s.ok("POST", "faults", { api: "externalcontact/get_follow_user_list", errcode: -1, times: 2 });
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await s.api("externalcontact/get_follow_user_list")).errcode);
    expect(codes).toEqual([-1, -1, 0]);
  });
});
