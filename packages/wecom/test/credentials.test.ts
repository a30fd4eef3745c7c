import { ManualClock } from "@siyu/kernel";
import { describe, expect, it } from "vitest";
import {
  CallbackError,
  cacheCredentials,
  callbackKeysOf,
  DEV_WECOM_CREDENTIALS,
  envCredentials,
  openCallback,
  parseCredentialsSecret,
  sealCallback,
  type WecomCredentials,
} from "../src/index.ts";

const REAL = {
  SIYU_WECOM_CORP_ID: "ww0123456789abcdef",
  SIYU_WECOM_AGENT_ID: "1000005",
  SIYU_WECOM_SECRET: "app-secret",
  SIYU_WECOM_TOKEN: "QDG6eK",
  SIYU_WECOM_AES_KEY: "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
};

describe("envCredentials", () => {
  it("reads all five variables", async () => {
    await expect(envCredentials(REAL)()).resolves.toEqual({
      corpId: "ww0123456789abcdef",
      agentId: "1000005",
      secret: "app-secret",
      token: "QDG6eK",
      encodingAesKey: "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
    });
  });

  it("falls back to the dev credentials when none is set", async () => {
    await expect(envCredentials({})()).resolves.toEqual(DEV_WECOM_CREDENTIALS);
    await expect(envCredentials({ SIYU_WECOM_TOKEN: "" })()).resolves.toEqual(DEV_WECOM_CREDENTIALS);
  });

  it("refuses a partial configuration and names what is missing", () => {
    const { SIYU_WECOM_AES_KEY: _, SIYU_WECOM_TOKEN: __, ...partial } = REAL;
    expect(() => envCredentials(partial)).toThrow(/SIYU_WECOM_TOKEN, SIYU_WECOM_AES_KEY/);
  });

  it("validates values at creation, without echoing the secret", () => {
    expect(() => envCredentials({ ...REAL, SIYU_WECOM_AES_KEY: "too-short" })).toThrow(/encodingAesKey/);
    expect(() => envCredentials({ ...REAL, SIYU_WECOM_AGENT_ID: "abc" })).toThrow(/agentId/);
    try {
      envCredentials({ ...REAL, SIYU_WECOM_AES_KEY: "x" });
    } catch (err) {
      expect((err as Error).message).not.toContain("app-secret");
    }
  });

  it("returns a copy each time, so callers cannot corrupt the source", async () => {
    const provider = envCredentials({});
    const a = await provider();
    a.secret = "mutated";
    expect((await provider()).secret).toBe(DEV_WECOM_CREDENTIALS.secret);
  });
});

describe("DEV_WECOM_CREDENTIALS", () => {
  it("are usable for callback crypto (valid 43-char key, receive id = corp id)", () => {
    const keys = callbackKeysOf(DEV_WECOM_CREDENTIALS);
    expect(keys.receiveId).toBe("wwsiyudev0000001");
    const sealed = sealCallback(keys, "<xml/>");
    expect(openCallback(keys, sealed.query, sealed.body)).toBe("<xml/>");
    expect(() => openCallback({ ...keys, receiveId: "wwother" }, sealed.query, sealed.body)).toThrow(CallbackError);
  });
});

describe("parseCredentialsSecret (Secrets Manager JSON)", () => {
  const secret = { corpId: "ww1", agentId: "1000002", secret: "s", token: "t", encodingAesKey: REAL.SIYU_WECOM_AES_KEY };

  it("parses the JSON secret", () => {
    expect(parseCredentialsSecret(JSON.stringify(secret))).toEqual(secret);
  });

  it("accepts a numeric agentId and keeps it a string; ignores extra keys", () => {
    expect(parseCredentialsSecret(JSON.stringify({ ...secret, agentId: 1000002, note: "x" }))).toEqual(secret);
  });

  it("rejects missing fields, a bad key and non-JSON, without echoing the secret", () => {
    expect(() => parseCredentialsSecret(JSON.stringify({ ...secret, token: undefined }))).toThrow(/token/);
    expect(() => parseCredentialsSecret(JSON.stringify({ ...secret, encodingAesKey: "abc" }))).toThrow(/encodingAesKey/);
    expect(() => parseCredentialsSecret("corpId=ww1,secret=hunter2")).toThrow(/not valid JSON/);
    expect(() => parseCredentialsSecret("corpId=ww1,secret=hunter2")).not.toThrow(/hunter2/);
  });
});

describe("cacheCredentials", () => {
  const creds: WecomCredentials = { ...DEV_WECOM_CREDENTIALS };

  it("loads once per TTL, single-flight, and reloads after expiry", async () => {
    const clock = new ManualClock("2025-01-01T00:00:00Z");
    let loads = 0;
    const provider = cacheCredentials(
      async () => {
        loads++;
        await new Promise((r) => setTimeout(r, 5));
        return { ...creds, secret: `v${loads}` };
      },
      { ttlMs: 60_000, clock },
    );
    const first = await Promise.all(Array.from({ length: 20 }, () => provider()));
    expect(loads).toBe(1);
    expect(new Set(first.map((c) => c.secret))).toEqual(new Set(["v1"]));
    clock.advance(59_000);
    expect((await provider()).secret).toBe("v1");
    clock.advance(2000);
    expect((await provider()).secret).toBe("v2");
    expect(loads).toBe(2);
  });

  it("does not cache a failure", async () => {
    let calls = 0;
    const provider = cacheCredentials(async () => {
      calls++;
      if (calls === 1) throw new Error("throttled");
      return creds;
    });
    await expect(provider()).rejects.toThrow("throttled");
    await expect(provider()).resolves.toEqual(creds);
  });
});
