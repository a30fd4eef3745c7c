import { createCipheriv } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CallbackError,
  type CallbackKeys,
  callbackSignature,
  decryptMessage,
  encryptMessage,
  openCallback,
  sealCallback,
  verifyUrl,
} from "../src/index.ts";

// Vector set B (wecom-reference §16): sbzhu/weworkapi_golang sample.go.
const B: CallbackKeys = {
  token: "QDG6eK",
  receiveId: "wx5823bf96d3bd56c7",
  encodingAesKey: "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
};
const B_ENCRYPT =
  "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==";
const B_BODY = `<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[${B_ENCRYPT}]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>`;
const B_QUERY = { msg_signature: "477715d11cdb4164915debcba66cb864d751f3e6", timestamp: "1409659813", nonce: "1372623149" };
const B_PLAIN =
  "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>";

// Vector set D (§16): WxJava WxCryptUtilTest, deterministic encryption.
const D: CallbackKeys = {
  token: "pamtest",
  receiveId: "wxb11529c136998cb6",
  encodingAesKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
};
const D_ENCRYPT = "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==";

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** Encrypt an already padded plaintext, to forge malformed-but-decryptable payloads. */
function rawEncrypt(keys: CallbackKeys, padded: Buffer): string {
  const key = Buffer.from(`${keys.encodingAesKey}=`, "base64");
  const c = createCipheriv("aes-256-cbc", key, key.subarray(0, 16));
  c.setAutoPadding(false);
  return Buffer.concat([c.update(padded), c.final()]).toString("base64");
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof CallbackError) return err.code;
    throw err;
  }
  return "no-error";
}

describe("official vectors (§16)", () => {
  it("set B: verifies the URL and returns the plain echostr", () => {
    const echo = verifyUrl(B, {
      msg_signature: "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
      timestamp: "1409659589",
      nonce: "263014780",
      echostr: "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==",
    });
    expect(echo).toBe("1616140317555161061");
  });

  it("set B: echostr whose '+' was form-decoded to spaces still verifies", () => {
    const raw = "P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D";
    const echostr = new URLSearchParams(`echostr=${raw}`).get("echostr")!;
    expect(verifyUrl(B, { msg_signature: "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", timestamp: "1409659589", nonce: "263014780", echostr })).toBe(
      "1616140317555161061",
    );
    const spaced = echostr.replaceAll("+", " ");
    expect(verifyUrl(B, { msg_signature: "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", timestamp: "1409659589", nonce: "263014780", echostr: spaced })).toBe(
      "1616140317555161061",
    );
  });

  it("set B: opens the XML event body", () => {
    expect(openCallback(B, B_QUERY, B_BODY)).toBe(B_PLAIN);
  });

  it("set B: opens the same ciphertext wrapped in the JSON envelope", () => {
    const body = JSON.stringify({ tousername: B.receiveId, encrypt: B_ENCRYPT, agentid: "218" });
    expect(openCallback(B, B_QUERY, body)).toBe(B_PLAIN);
  });

  it("set B: signature helper reproduces the sample signature", () => {
    expect(callbackSignature(B.token, B_QUERY.timestamp, B_QUERY.nonce, B_ENCRYPT)).toBe(B_QUERY.msg_signature);
  });

  it("set D: deterministic encryption matches WxJava's vector", () => {
    const enc = encryptMessage(D, "我是中文abcd123", Buffer.from("aaaabbbbccccdddd"));
    expect(enc).toBe(D_ENCRYPT);
    expect(callbackSignature(D.token, "1409304348", "xxxxxx", enc)).toBe("82c962d39941aa48552f90ef55aa323dc620cc10");
    expect(decryptMessage(D, D_ENCRYPT)).toBe("我是中文abcd123");
  });

  it("set D: sealCallback produces what WeCom would send", () => {
    const sealed = sealCallback(D, "我是中文abcd123", { timestamp: "1409304348", nonce: "xxxxxx", random16: Buffer.from("aaaabbbbccccdddd") });
    expect(sealed.query).toEqual({ msg_signature: "82c962d39941aa48552f90ef55aa323dc620cc10", timestamp: "1409304348", nonce: "xxxxxx" });
    expect(sealed.body).toContain(`<Encrypt><![CDATA[${D_ENCRYPT}]]></Encrypt>`);
    expect(sealed.body).toContain(`<ToUserName><![CDATA[${D.receiveId}]]></ToUserName>`);
    expect(openCallback(D, sealed.query, sealed.body)).toBe("我是中文abcd123");
  });
});

describe("failures are CallbackErrors with a code", () => {
  it("rejects a tampered signature", () => {
    expect(codeOf(() => openCallback(B, { ...B_QUERY, msg_signature: "0".repeat(40) }, B_BODY))).toBe("bad-signature");
    expect(codeOf(() => openCallback(B, { ...B_QUERY, msg_signature: "short" }, B_BODY))).toBe("bad-signature");
    expect(codeOf(() => openCallback(B, { ...B_QUERY, timestamp: "1409659814" }, B_BODY))).toBe("bad-signature");
  });

  it("rejects another corp's receive id", () => {
    expect(codeOf(() => openCallback({ ...B, receiveId: "wwother" }, B_QUERY, B_BODY))).toBe("bad-receive-id");
  });

  it("rejects a wrong token as a bad signature", () => {
    expect(codeOf(() => openCallback({ ...B, token: "other" }, B_QUERY, B_BODY))).toBe("bad-signature");
  });

  it("rejects invalid or truncated base64", () => {
    expect(codeOf(() => decryptMessage(B, "not base64!"))).toBe("bad-base64");
    expect(codeOf(() => decryptMessage(B, B_ENCRYPT.slice(0, -4)))).toBe("bad-base64"); // length no longer a block multiple
    expect(codeOf(() => decryptMessage(B, B_ENCRYPT.slice(0, -1)))).toBe("bad-base64");
    expect(codeOf(() => decryptMessage(B, ""))).toBe("bad-base64");
  });

  it("rejects bad padding", () => {
    const body = Buffer.concat([Buffer.alloc(16, 7), u32(2), Buffer.from("hi"), Buffer.from(D.receiveId)]);
    const fill = 32 - (body.length % 32);
    // pad value 0, pad value 33 and inconsistent pad bytes are all invalid
    expect(codeOf(() => decryptMessage(D, rawEncrypt(D, Buffer.concat([body, Buffer.alloc(fill, 0)]))))).toBe("bad-padding");
    expect(codeOf(() => decryptMessage(D, rawEncrypt(D, Buffer.concat([body, Buffer.alloc(fill - 1, 9), Buffer.from([33])]))))).toBe(
      "bad-padding",
    );
    const mixed = Buffer.concat([body, Buffer.alloc(fill, fill)]);
    mixed[mixed.length - 2] = 1;
    expect(codeOf(() => decryptMessage(D, rawEncrypt(D, mixed)))).toBe("bad-padding");
    // and the well-formed version of the same plaintext decrypts
    expect(decryptMessage(D, rawEncrypt(D, Buffer.concat([body, Buffer.alloc(fill, fill)])))).toBe("hi");
  });

  it("rejects a length field that runs past the end", () => {
    const body = Buffer.concat([Buffer.alloc(16, 7), u32(1000), Buffer.from("hi")]);
    const fill = 32 - (body.length % 32);
    expect(codeOf(() => decryptMessage(D, rawEncrypt(D, Buffer.concat([body, Buffer.alloc(fill, fill)]))))).toBe("malformed");
  });

  it("rejects content shorter than the 20-byte header", () => {
    expect(codeOf(() => decryptMessage(D, rawEncrypt(D, Buffer.concat([Buffer.alloc(10, 1), Buffer.alloc(22, 22)]))))).toBe("malformed");
  });

  it("rejects an oversized body before parsing it", () => {
    expect(codeOf(() => openCallback(B, B_QUERY, B_BODY, { maxBodyBytes: 100 }))).toBe("too-large");
    expect(codeOf(() => openCallback(B, B_QUERY, `<xml>${"a".repeat(70_000)}</xml>`))).toBe("too-large");
  });

  it("rejects malformed envelopes", () => {
    expect(codeOf(() => openCallback(B, B_QUERY, "<xml><Encrypt>abc</xml>"))).toBe("malformed");
    expect(codeOf(() => openCallback(B, B_QUERY, "<xml><ToUserName>x</ToUserName></xml>"))).toBe("malformed");
    expect(codeOf(() => openCallback(B, B_QUERY, '{"encrypt": 1}'))).toBe("malformed");
    expect(codeOf(() => openCallback(B, B_QUERY, "{nope"))).toBe("malformed");
    expect(codeOf(() => openCallback(B, B_QUERY, "null"))).toBe("malformed");
    expect(codeOf(() => openCallback(B, B_QUERY, ""))).toBe("malformed");
    expect(codeOf(() => openCallback(B, {} as never, B_BODY))).toBe("malformed");
  });

  it("rejects an invalid EncodingAESKey", () => {
    expect(codeOf(() => decryptMessage({ ...B, encodingAesKey: "short" }, B_ENCRYPT))).toBe("bad-key");
    expect(codeOf(() => encryptMessage({ ...B, encodingAesKey: `${"a".repeat(42)}!` }, "x"))).toBe("bad-key");
  });
});

describe("properties", () => {
  const keysArb = fc.record({
    token: fc.string({ minLength: 1, maxLength: 32 }),
    encodingAesKey: fc.stringMatching(/^[A-Za-z0-9]{43}$/),
    receiveId: fc.stringMatching(/^ww[a-z0-9]{14}$/),
  });

  it("encrypt → decrypt round-trips any unicode message", () => {
    fc.assert(
      fc.property(keysArb, fc.string({ unit: "grapheme", maxLength: 300 }), (keys, msg) => {
        expect(decryptMessage(keys, encryptMessage(keys, msg))).toBe(msg);
      }),
    );
  });

  it("seal → open round-trips in both envelope formats", () => {
    fc.assert(
      fc.property(keysArb, fc.string({ unit: "grapheme", maxLength: 200 }), fc.constantFrom("xml", "json" as const), (keys, msg, format) => {
        const { body, query } = sealCallback(keys, msg, { format });
        expect(openCallback(keys, query, body)).toBe(msg);
      }),
    );
  });

  it("flipping any single byte of the ciphertext makes open fail with a CallbackError", () => {
    fc.assert(
      fc.property(keysArb, fc.string({ maxLength: 100 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (keys, msg, pos, xor) => {
        const { query, body } = sealCallback(keys, msg, { format: "json" });
        const enc = JSON.parse(body).encrypt as string;
        const raw = Buffer.from(enc, "base64");
        const i = pos % raw.length;
        raw[i] = (raw[i] ?? 0) ^ xor;
        const tampered = JSON.stringify({ encrypt: raw.toString("base64") });
        expect(() => openCallback(keys, query, tampered)).toThrow(CallbackError);
      }),
    );
  });

  it("flipping any single character of the signature makes open fail with bad-signature", () => {
    fc.assert(
      fc.property(keysArb, fc.string({ maxLength: 50 }), fc.nat(), fc.integer({ min: 1, max: 127 }), (keys, msg, pos, xor) => {
        const { query, body } = sealCallback(keys, msg);
        const i = pos % query.msg_signature.length;
        const flipped = String.fromCharCode(query.msg_signature.charCodeAt(i) ^ xor);
        const sig = query.msg_signature.slice(0, i) + flipped + query.msg_signature.slice(i + 1);
        expect(codeOf(() => openCallback(keys, { ...query, msg_signature: sig }, body))).toBe("bad-signature");
      }),
    );
  });

  it("never throws anything but CallbackError on arbitrary bodies", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.string({ maxLength: 60 }), (body, sig) => {
        try {
          openCallback(B, { ...B_QUERY, msg_signature: sig }, body);
        } catch (err) {
          expect(err).toBeInstanceOf(CallbackError);
        }
      }),
    );
  });

  it("never throws anything but CallbackError when decrypting arbitrary base64", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), (bytes) => {
        try {
          decryptMessage(B, Buffer.from(bytes).toString("base64"));
        } catch (err) {
          expect(err).toBeInstanceOf(CallbackError);
        }
      }),
    );
  });
});
