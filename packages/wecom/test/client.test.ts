import { ManualClock } from "@siyu/kernel";
import { afterEach, describe, expect, it } from "vitest";
import {
  TokenCache,
  WecomApiError,
  WecomBusyError,
  WecomClient,
  type WecomClientOptions,
  WecomNetworkError,
  WecomRateLimitError,
  WecomResponseError,
  WecomTimeoutError,
} from "../src/index.ts";
import { type FakeWecom, type Handler, startFakeWecom } from "./support/fake-wecom.ts";

let fake: FakeWecom | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(handler?: Handler, opts: Partial<WecomClientOptions> = {}) {
  fake = await startFakeWecom(handler);
  const client = new WecomClient({
    baseUrl: fake.baseUrl,
    corpId: "wwcorp",
    secret: "s3cret",
    busyBackoffMs: 1,
    tokenCache: new TokenCache(),
    ...opts,
  });
  return { fake, client };
}

const FOLLOW = "externalcontact/get_follow_user_list";

describe("access token", () => {
  it("fetches with corpid and corpsecret and sends the token on calls", async () => {
    const { fake, client } = await setup();
    await client.getFollowUserList();
    const [tok, call] = fake.requests;
    expect(tok?.api).toBe("gettoken");
    expect(tok?.query.get("corpid")).toBe("wwcorp");
    expect(tok?.query.get("corpsecret")).toBe("s3cret");
    expect(call?.api).toBe(FOLLOW);
    expect(call?.method).toBe("GET");
    expect(call?.query.get("access_token")).toBe("TOKEN-1");
  });

  it("100 concurrent calls on a cold cache make exactly one gettoken request", async () => {
    const { fake, client } = await setup((req) =>
      req.api === "gettoken" ? { __delayMs: 30, __reply: { errcode: 0, access_token: "T", expires_in: 7200 } } : undefined,
    );
    await Promise.all(Array.from({ length: 100 }, () => client.getFollowUserList()));
    expect(fake.count("gettoken")).toBe(1);
    expect(fake.count(FOLLOW)).toBe(100);
    expect(new Set(fake.requests.filter((r) => r.api === FOLLOW).map((r) => r.query.get("access_token")))).toEqual(new Set(["T"]));
  });

  it("reuses the token until 5 minutes before expires_in, then refreshes", async () => {
    const clock = new ManualClock("2025-01-01T00:00:00Z");
    const { fake, client } = await setup(undefined, { clock });
    await client.getFollowUserList();
    clock.advance((7200 - 301) * 1000);
    await client.getFollowUserList();
    expect(fake.count("gettoken")).toBe(1);
    clock.advance(2000); // now within the 5-minute margin
    await client.getFollowUserList();
    expect(fake.count("gettoken")).toBe(2);
    expect(fake.requests.at(-1)?.query.get("access_token")).toBe("TOKEN-2");
  });

  it("keeps serving a still-valid token when the early refresh fails, and retries 30 s later", async () => {
    const clock = new ManualClock("2025-01-01T00:00:00Z");
    const { fake, client } = await setup(
      (req, n) => (req.api === "gettoken" && n === 2 ? { errcode: 45009, errmsg: "freq" } : undefined),
      { clock },
    );
    await client.getFollowUserList();
    clock.advance((7200 - 200) * 1000); // inside the refresh margin, not expired
    await client.getFollowUserList(); // refresh fails → old token still used
    await client.getFollowUserList(); // within 30 s: no new gettoken
    expect(fake.count("gettoken")).toBe(2);
    expect(fake.requests.filter((r) => r.api === FOLLOW).map((r) => r.query.get("access_token"))).toEqual(["TOKEN-1", "TOKEN-1", "TOKEN-1"]);
    clock.advance(31_000);
    await client.getFollowUserList();
    expect(fake.count("gettoken")).toBe(3);
    expect(fake.requests.at(-1)?.query.get("access_token")).toBe("TOKEN-3");
  });

  it("an expired token is not served when the refresh fails", async () => {
    const clock = new ManualClock("2025-01-01T00:00:00Z");
    const { client } = await setup((req, n) => (req.api === "gettoken" && n === 2 ? { errcode: 45009, errmsg: "freq" } : undefined), { clock });
    await client.getFollowUserList();
    clock.advance(7201 * 1000);
    await expect(client.getFollowUserList()).rejects.toBeInstanceOf(WecomRateLimitError);
  });

  it("uses the expires_in WeCom returns", async () => {
    const clock = new ManualClock("2025-01-01T00:00:00Z");
    const { fake, client } = await setup(
      (req, n) => (req.api === "gettoken" ? { errcode: 0, access_token: `short-${n}`, expires_in: 600 } : undefined),
      { clock },
    );
    await client.getFollowUserList();
    clock.advance(299_000);
    await client.getFollowUserList();
    expect(fake.count("gettoken")).toBe(1);
    clock.advance(2000); // past half of a 600 s lifetime
    await client.getFollowUserList();
    expect(fake.count("gettoken")).toBe(2);
  });

  it("caches per app: same corp+secret share, another secret fetches its own", async () => {
    const { fake } = await setup();
    const cache = new TokenCache();
    const mk = (secret: string) => new WecomClient({ baseUrl: fake.baseUrl, corpId: "wwcorp", secret, tokenCache: cache });
    await mk("a").getFollowUserList();
    await mk("a").getFollowUserList();
    expect(fake.count("gettoken")).toBe(1);
    await mk("b").getFollowUserList();
    expect(fake.count("gettoken")).toBe(2);
    expect(fake.requests.filter((r) => r.api === "gettoken").map((r) => r.query.get("corpsecret"))).toEqual(["a", "b"]);
  });

  it("on 42001 refetches the token once and retries the call once", async () => {
    const { fake, client } = await setup((req) =>
      req.api === FOLLOW && req.query.get("access_token") === "TOKEN-1" ? { errcode: 42001, errmsg: "access_token expired" } : undefined,
    );
    await expect(client.getFollowUserList()).resolves.toMatchObject({ errcode: 0 });
    expect(fake.count("gettoken")).toBe(2);
    expect(fake.requests.filter((r) => r.api === FOLLOW).map((r) => r.query.get("access_token"))).toEqual(["TOKEN-1", "TOKEN-2"]);
  });

  it("gives up with the API error when the fresh token is rejected too (no loop)", async () => {
    const { fake, client } = await setup((req) => (req.api === FOLLOW ? { errcode: 40014, errmsg: "invalid access_token" } : undefined));
    const err = await client.getFollowUserList().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WecomApiError);
    expect(err).toMatchObject({ errcode: 40014, api: FOLLOW });
    expect(fake.count("gettoken")).toBe(2);
    expect(fake.count(FOLLOW)).toBe(2);
  });

  it("a burst of calls rejected with the same stale token triggers one refetch, not one each", async () => {
    const { fake, client } = await setup((req) =>
      req.api === FOLLOW && req.query.get("access_token") === "TOKEN-1" ? { errcode: 42001, errmsg: "expired" } : undefined,
    );
    await client.accessToken(); // warm with TOKEN-1
    await Promise.all(Array.from({ length: 50 }, () => client.getFollowUserList()));
    expect(fake.count("gettoken")).toBe(2);
    expect(fake.count(FOLLOW)).toBe(100);
  });

  it("a failed gettoken surfaces as an API error and is not cached", async () => {
    const { fake, client } = await setup((req, n) => (req.api === "gettoken" && n === 1 ? { errcode: 40001, errmsg: "invalid secret" } : undefined));
    await expect(client.getFollowUserList()).rejects.toMatchObject({ errcode: 40001, api: "gettoken" });
    await expect(client.getFollowUserList()).resolves.toBeDefined();
    expect(fake.count("gettoken")).toBe(2);
  });

  it("single-flight waiters all see a gettoken failure", async () => {
    const { fake, client } = await setup((req) =>
      req.api === "gettoken" ? { __delayMs: 20, __reply: { errcode: 40013, errmsg: "invalid corpid" } } : undefined,
    );
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => client.getFollowUserList()));
    expect(results.every((r) => r.status === "rejected" && (r.reason as WecomApiError).errcode === 40013)).toBe(true);
    expect(fake.count("gettoken")).toBe(1);
  });
});

describe("errors and retries", () => {
  it("retries busy (-1) with backoff and succeeds on the third attempt", async () => {
    const { fake, client } = await setup((req, n) => (req.api === FOLLOW && n <= 2 ? { errcode: -1, errmsg: "system busy" } : undefined));
    await expect(client.getFollowUserList()).resolves.toMatchObject({ errcode: 0, follow_user: [] });
    expect(fake.count(FOLLOW)).toBe(3);
  });

  it("stops after maxBusyRetries and throws WecomBusyError", async () => {
    const { fake, client } = await setup((req) => (req.api === FOLLOW ? { errcode: -1, errmsg: "system busy" } : undefined));
    const err = await client.getFollowUserList().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WecomBusyError);
    expect(err).toBeInstanceOf(WecomApiError);
    expect(fake.count(FOLLOW)).toBe(4); // 1 + 3 retries
  });

  it("honours a custom maxBusyRetries, including 0", async () => {
    const { fake, client } = await setup((req) => (req.api === FOLLOW ? { errcode: -1, errmsg: "busy" } : undefined), { maxBusyRetries: 0 });
    await expect(client.getFollowUserList()).rejects.toBeInstanceOf(WecomBusyError);
    expect(fake.count(FOLLOW)).toBe(1);
  });

  it("retries a busy gettoken too", async () => {
    const { fake, client } = await setup((req, n) => (req.api === "gettoken" && n === 1 ? { errcode: -1, errmsg: "busy" } : undefined));
    await client.getFollowUserList();
    expect(fake.count("gettoken")).toBe(2);
  });

  it.each([45009, 45033])("surfaces %i as WecomRateLimitError without retrying", async (code) => {
    const { fake, client } = await setup((req) => (req.api === FOLLOW ? { errcode: code, errmsg: "api freq out of limit" } : undefined));
    const err = await client.getFollowUserList().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WecomRateLimitError);
    expect(err).toBeInstanceOf(WecomApiError);
    expect(err).toMatchObject({ errcode: code, errmsg: "api freq out of limit", api: FOLLOW });
    expect(fake.count(FOLLOW)).toBe(1);
  });

  it("maps other errcodes to a plain WecomApiError", async () => {
    const { client } = await setup((req) => (req.api === "externalcontact/send_welcome_msg" ? { errcode: 41051, errmsg: "externaluser has started chatting" } : undefined));
    const err = await client.sendWelcomeMsg({ welcome_code: "W", text: { content: "hi" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WecomApiError);
    expect(err).not.toBeInstanceOf(WecomRateLimitError);
    expect(err).toMatchObject({ errcode: 41051, api: "externalcontact/send_welcome_msg" });
  });

  it("times out a slow response with WecomTimeoutError", async () => {
    const { client } = await setup((req) => (req.api === FOLLOW ? { __delayMs: 1000, __reply: { errcode: 0 } } : undefined), { timeoutMs: 100 });
    const started = Date.now();
    const err = await client.getFollowUserList().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WecomTimeoutError);
    expect(err).toMatchObject({ api: FOLLOW, timeoutMs: 100 });
    expect(Date.now() - started).toBeLessThan(900);
  });

  it("times out a body that never finishes", async () => {
    const { client } = await setup((req) => (req.api === FOLLOW ? { __stallBody: true } : undefined), { timeoutMs: 100 });
    await expect(client.getFollowUserList()).rejects.toBeInstanceOf(WecomTimeoutError);
  });

  it("reports HTTP errors, non-JSON bodies and unusable shapes as WecomResponseError", async () => {
    const { client } = await setup((req, n) => {
      if (req.api !== FOLLOW) return undefined;
      if (n === 1) return { __status: 502, __text: "bad gateway" };
      if (n === 2) return { __status: 200, __text: "<html>oops</html>" };
      return { errcode: 0, follow_user: "not-a-list" };
    });
    await expect(client.getFollowUserList()).rejects.toMatchObject({ name: "WecomResponseError", status: 502 });
    await expect(client.getFollowUserList()).rejects.toBeInstanceOf(WecomResponseError);
    const err = await client.getFollowUserList().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WecomResponseError);
    expect((err as Error).message).toContain("follow_user");
  });

  it("reports a refused connection as WecomNetworkError", async () => {
    const { fake } = await setup();
    const baseUrl = fake.baseUrl;
    await fake.close();
    const client = new WecomClient({ baseUrl, corpId: "c", secret: "s", tokenCache: new TokenCache() });
    await expect(client.getFollowUserList()).rejects.toBeInstanceOf(WecomNetworkError);
  });

  it("uses the injected fetch", async () => {
    const seen: string[] = [];
    const { fake, client } = await setup(undefined, {
      fetch: (input, init) => {
        seen.push(new URL(String(input)).pathname);
        return fetch(input, init);
      },
    });
    await client.getFollowUserList();
    expect(seen).toEqual(["/cgi-bin/gettoken", `/cgi-bin/${FOLLOW}`]);
    expect(fake.requests).toHaveLength(2);
  });

  it("never puts the token or the secret in error messages", async () => {
    const { client } = await setup((req) => (req.api === FOLLOW ? { __status: 500, __text: "x" } : undefined));
    const err = (await client.getFollowUserList().catch((e: unknown) => e)) as Error;
    expect(err.message).not.toContain("TOKEN-1");
    expect(err.message).not.toContain("s3cret");
  });
});
