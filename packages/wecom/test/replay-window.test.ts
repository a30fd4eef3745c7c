import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CALLBACK_WINDOW_SECONDS, CallbackError, type CallbackKeys, callbackSignature, checkCallbackTimestamp, encryptMessage, openCallback, sealCallback, verifyUrl } from "../src/index.ts";

const KEYS: CallbackKeys = { token: "QDG6eK", receiveId: "wwsiyutest000001", encodingAesKey: "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C" };
const T = 1_700_000_000;
const at = (sec: number, ms = 0) => new Date(sec * 1000 + ms);

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof CallbackError) return err.code;
    throw err;
  }
  return "ok";
}

describe("checkCallbackTimestamp", () => {
  it("is five minutes either way by default", () => {
    expect(CALLBACK_WINDOW_SECONDS).toBe(300);
  });

  it("accepts exactly 300 s in the past and in the future, rejects 301 s either way", () => {
    expect(codeOf(() => checkCallbackTimestamp(String(T), at(T)))).toBe("ok");
    expect(codeOf(() => checkCallbackTimestamp(String(T), at(T + 300)))).toBe("ok");
    expect(codeOf(() => checkCallbackTimestamp(String(T), at(T + 301)))).toBe("timestamp-out-of-window");
    expect(codeOf(() => checkCallbackTimestamp(String(T + 300), at(T)))).toBe("ok");
    expect(codeOf(() => checkCallbackTimestamp(String(T + 301), at(T)))).toBe("timestamp-out-of-window");
  });

  it("compares whole seconds: the receiver's milliseconds never push an in-window callback out", () => {
    expect(codeOf(() => checkCallbackTimestamp(String(T), at(T + 300, 999)))).toBe("ok");
    expect(codeOf(() => checkCallbackTimestamp(String(T + 300), at(T, 999)))).toBe("ok");
  });

  it("rejects timestamp=1 and says which way and by how much", () => {
    expect(() => checkCallbackTimestamp("1", at(T))).toThrow(new RegExp(`timestamp 1 is ${T - 1} s in the past; the window is ±300 s`));
    expect(() => checkCallbackTimestamp(String(T + 360), at(T))).toThrow(/360 s in the future/);
  });

  it("takes another window", () => {
    expect(codeOf(() => checkCallbackTimestamp(String(T - 60), at(T), 60))).toBe("ok");
    expect(codeOf(() => checkCallbackTimestamp(String(T - 61), at(T), 60))).toBe("timestamp-out-of-window");
    expect(codeOf(() => checkCallbackTimestamp(String(T), at(T), 0))).toBe("ok");
    expect(codeOf(() => checkCallbackTimestamp(String(T - 1), at(T), 0))).toBe("timestamp-out-of-window");
    expect(() => checkCallbackTimestamp(String(T), at(T), -1)).toThrow(RangeError);
  });

  it("calls anything but Unix seconds malformed", () => {
    for (const bad of ["", "abc", "-5", "1.5", " 1700000000", "1".repeat(13), undefined, 1_700_000_000]) {
      expect(codeOf(() => checkCallbackTimestamp(bad, at(T)))).toBe("malformed");
    }
  });

  it("accepts a skew iff it is within the window (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: -100_000, max: 100_000 }), fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 3600 }), (skew, ms, window) => {
        const expected = Math.abs(skew) <= window ? "ok" : "timestamp-out-of-window";
        expect(codeOf(() => checkCallbackTimestamp(String(T - skew), at(T, ms), window))).toBe(expected);
      }),
    );
  });
});

describe("openCallback with a replay window", () => {
  it("rejects a correctly signed callback with timestamp=1 or 6 minutes ahead, and opens a fresh one", () => {
    const now = at(T);
    const old = sealCallback(KEYS, "<xml/>", { timestamp: "1" });
    expect(openCallback(KEYS, old.query, old.body)).toBe("<xml/>"); // signature and body are fine
    expect(codeOf(() => openCallback(KEYS, old.query, old.body, { now }))).toBe("timestamp-out-of-window");
    const ahead = sealCallback(KEYS, "<xml/>", { timestamp: String(T + 360) });
    expect(codeOf(() => openCallback(KEYS, ahead.query, ahead.body, { now }))).toBe("timestamp-out-of-window");
    const fresh = sealCallback(KEYS, "<xml/>", { timestamp: String(T - 300) });
    expect(openCallback(KEYS, fresh.query, fresh.body, { now })).toBe("<xml/>");
    expect(codeOf(() => openCallback(KEYS, fresh.query, fresh.body, { now, windowSeconds: 299 }))).toBe("timestamp-out-of-window");
  });

  it("checks the signature first: a forged stale callback is a bad signature", () => {
    const old = sealCallback(KEYS, "<xml/>", { timestamp: "1" });
    expect(codeOf(() => openCallback(KEYS, { ...old.query, msg_signature: "0".repeat(40) }, old.body, { now: at(T) }))).toBe("bad-signature");
  });
});

describe("verifyUrl with a replay window", () => {
  const signedGet = (timestamp: string) => {
    const echostr = encryptMessage(KEYS, "echo-123");
    return { msg_signature: callbackSignature(KEYS.token, timestamp, "42", echostr), timestamp, nonce: "42", echostr };
  };

  it("applies the same window as event delivery", () => {
    expect(verifyUrl(KEYS, signedGet(String(T - 300)), { now: at(T) })).toBe("echo-123");
    expect(codeOf(() => verifyUrl(KEYS, signedGet("1"), { now: at(T) }))).toBe("timestamp-out-of-window");
    expect(codeOf(() => verifyUrl(KEYS, signedGet(String(T + 301)), { now: at(T) }))).toBe("timestamp-out-of-window");
  });
});
