/**
 * WeCom callback crypto (WXBizMsgCrypt scheme, wecom-reference §12).
 *
 * AES-256-CBC with key = base64(EncodingAESKey + "="), IV = first 16 key bytes, and WeCom's own
 * PKCS#7 variant padding to 32-byte blocks. Plaintext = random16 ‖ msgLen (u32 BE) ‖ msg ‖ receiveId.
 * msg_signature = sha1hex(sort([token, timestamp, nonce, encrypt]).join("")).
 *
 * Every failure is a `CallbackError` with a stable `code`: callers map all of them to "reject"
 * and log the code; nothing in here may throw a TypeError on hostile input.
 *
 * The signature proves who sent a request, not when: a captured callback verifies forever. Given
 * `now`, `openCallback` and `verifyUrl` also reject a signed `timestamp` outside a replay window.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { XMLParser, XMLValidator } from "fast-xml-parser";

export interface CallbackKeys {
  token: string;
  /** 43 chars of [A-Za-z0-9]. */
  encodingAesKey: string;
  /** The corp id for self-built-app callbacks. */
  receiveId: string;
}

export type CallbackErrorCode =
  | "bad-signature"
  | "bad-receive-id"
  | "bad-padding"
  | "bad-base64"
  | "too-large"
  | "malformed"
  | "bad-key"
  | "timestamp-out-of-window";

export class CallbackError extends Error {
  readonly code: CallbackErrorCode;
  constructor(code: CallbackErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = "CallbackError";
    this.code = code;
  }
}

/** WeCom pads to 32 bytes, not to the AES block size of 16. */
const PAD_BLOCK = 32;
const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
const AES_KEY_RE = /^[A-Za-z0-9]{43}$/;

function aesKey(encodingAesKey: string): Buffer {
  if (typeof encodingAesKey !== "string" || !AES_KEY_RE.test(encodingAesKey)) {
    throw new CallbackError("bad-key", "EncodingAESKey must be 43 characters of [A-Za-z0-9]");
  }
  const key = Buffer.from(`${encodingAesKey}=`, "base64");
  // 43 base64 chars + "=" always decode to 32 bytes; guard anyway so a future change can't weaken the key.
  if (key.length !== 32) throw new CallbackError("bad-key", "EncodingAESKey does not decode to 32 bytes");
  return key;
}

export function callbackSignature(token: string, timestamp: string, nonce: string, encrypted: string): string {
  const joined = [token, timestamp, nonce, encrypted].sort().join("");
  return createHash("sha1").update(joined, "utf8").digest("hex");
}

function signatureMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected, "utf8");
  const b = Buffer.from(given, "utf8");
  // timingSafeEqual needs equal lengths; a length mismatch reveals nothing secret (sha1 hex is always 40).
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

function checkSignature(keys: CallbackKeys, signature: unknown, timestamp: unknown, nonce: unknown, encrypted: string) {
  if (typeof signature !== "string" || typeof timestamp !== "string" || typeof nonce !== "string") {
    throw new CallbackError("malformed", "msg_signature, timestamp and nonce must be strings");
  }
  const expected = callbackSignature(keys.token, timestamp, nonce, encrypted);
  if (!signatureMatches(expected, signature)) {
    throw new CallbackError("bad-signature", "msg_signature does not match");
  }
}

/**
 * How far a callback's signed `timestamp` may be from the receiver's clock, either way. WeCom stamps
 * each callback when it sends it, gives up after 5 s and retries only a few times within about a
 * minute (§12), so five minutes leaves room for clock skew while a captured request goes stale fast.
 */
export const CALLBACK_WINDOW_SECONDS = 300;

/** Options that make a callback check also reject replays: `now` turns the window check on. */
export interface ReplayWindow {
  /** The receiver's current time. */
  now?: Date | undefined;
  /** Default CALLBACK_WINDOW_SECONDS. */
  windowSeconds?: number | undefined;
}

/**
 * Rejects a callback `timestamp` (Unix seconds, as signed) more than `windowSeconds` before or
 * after `now`; exactly `windowSeconds` away is still accepted.
 *
 * @example
 * checkCallbackTimestamp("1700000000", new Date(1_700_000_300_000)); // ok: 300 s old
 * checkCallbackTimestamp("1", new Date()); // throws CallbackError "timestamp-out-of-window"
 */
export function checkCallbackTimestamp(timestamp: unknown, now: Date, windowSeconds: number = CALLBACK_WINDOW_SECONDS): void {
  if (typeof timestamp !== "string" || !/^\d{1,12}$/.test(timestamp)) {
    throw new CallbackError("malformed", "timestamp must be Unix seconds");
  }
  if (!Number.isInteger(windowSeconds) || windowSeconds < 0) throw new RangeError("windowSeconds must be a non-negative integer");
  const skew = Math.floor(now.getTime() / 1000) - Number(timestamp);
  if (Math.abs(skew) > windowSeconds) {
    const where = skew > 0 ? `${skew} s in the past` : `${-skew} s in the future`;
    throw new CallbackError("timestamp-out-of-window", `timestamp ${timestamp} is ${where}; the window is ±${windowSeconds} s`);
  }
}

function checkWindow(timestamp: unknown, opts: ReplayWindow | undefined): void {
  if (opts?.now) checkCallbackTimestamp(timestamp, opts.now, opts.windowSeconds);
}

export function encryptMessage(keys: CallbackKeys, plaintext: string, random16?: Buffer): string {
  const key = aesKey(keys.encodingAesKey);
  const random = random16 ?? randomBytes(16);
  if (random.length !== 16) throw new CallbackError("malformed", "random16 must be exactly 16 bytes");
  const msg = Buffer.from(plaintext, "utf8");
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length, 0);
  const body = Buffer.concat([random, len, msg, Buffer.from(keys.receiveId, "utf8")]);
  const pad = PAD_BLOCK - (body.length % PAD_BLOCK); // 1..32: a full block when already aligned
  const padded = Buffer.concat([body, Buffer.alloc(pad, pad)]);
  const cipher = createCipheriv("aes-256-cbc", key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(padded), cipher.final()]).toString("base64");
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

export function decryptMessage(keys: CallbackKeys, encrypted: string): string {
  const key = aesKey(keys.encodingAesKey);
  // Buffer.from(…, "base64") silently skips junk, so validate the alphabet and length first.
  if (typeof encrypted !== "string" || encrypted.length === 0 || encrypted.length % 4 !== 0 || !BASE64_RE.test(encrypted)) {
    throw new CallbackError("bad-base64", "ciphertext is not valid base64");
  }
  const data = Buffer.from(encrypted, "base64");
  if (data.length === 0 || data.length % 16 !== 0) {
    throw new CallbackError("bad-base64", `ciphertext length ${data.length} is not a multiple of the AES block size`);
  }
  let plain: Buffer;
  try {
    const decipher = createDecipheriv("aes-256-cbc", key, key.subarray(0, 16));
    decipher.setAutoPadding(false);
    plain = Buffer.concat([decipher.update(data), decipher.final()]);
  } catch (err) {
    throw new CallbackError("bad-padding", `AES decryption failed: ${(err as Error).message}`);
  }
  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > PAD_BLOCK || pad > plain.length) {
    throw new CallbackError("bad-padding", `invalid pad value ${pad}`);
  }
  for (let i = plain.length - pad; i < plain.length; i++) {
    if (plain[i] !== pad) throw new CallbackError("bad-padding", "inconsistent padding bytes");
  }
  const content = plain.subarray(0, plain.length - pad);
  if (content.length < 20) throw new CallbackError("malformed", "decrypted content shorter than its header");
  const msgLen = content.readUInt32BE(16);
  if (20 + msgLen > content.length) {
    throw new CallbackError("malformed", `message length ${msgLen} runs past the end of the content`);
  }
  let msg: string;
  let receiveId: string;
  try {
    msg = strictUtf8.decode(content.subarray(20, 20 + msgLen));
    receiveId = strictUtf8.decode(content.subarray(20 + msgLen));
  } catch {
    throw new CallbackError("malformed", "decrypted content is not valid UTF-8");
  }
  if (receiveId !== keys.receiveId) {
    throw new CallbackError("bad-receive-id", `ReceiveId ${JSON.stringify(receiveId)} is not this corp`);
  }
  return msg;
}

export interface VerifyUrlQuery {
  msg_signature: string;
  timestamp: string;
  nonce: string;
  echostr: string;
}

/**
 * URL verification (GET): returns the plain echostr to answer with, verbatim. With `opts.now`, a
 * timestamp outside the replay window is rejected (after the signature, so a forgery learns nothing).
 */
export function verifyUrl(keys: CallbackKeys, q: VerifyUrlQuery, opts?: ReplayWindow): string {
  if (typeof q?.echostr !== "string") throw new CallbackError("malformed", "echostr is missing");
  // base64 never contains spaces: a space here is a "+" that a form-style decoder turned into " ".
  const echostr = q.echostr.replaceAll(" ", "+");
  checkSignature(keys, q.msg_signature, q.timestamp, q.nonce, echostr);
  checkWindow(q.timestamp, opts);
  return decryptMessage(keys, echostr);
}

export interface CallbackQuery {
  msg_signature: string;
  timestamp: string;
  nonce: string;
}

const envelopeParser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: false,
});

function extractEncrypt(body: string): string {
  const text = body.trim();
  if (text.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new CallbackError("malformed", "body is not valid JSON");
    }
    const encrypt = (parsed as { encrypt?: unknown } | null)?.encrypt;
    if (typeof encrypt !== "string" || encrypt === "") {
      throw new CallbackError("malformed", 'JSON body has no "encrypt" string');
    }
    return encrypt;
  }
  if (text.startsWith("<")) {
    if (XMLValidator.validate(text) !== true) throw new CallbackError("malformed", "body is not well-formed XML");
    let parsed: unknown;
    try {
      parsed = envelopeParser.parse(text);
    } catch (err) {
      throw new CallbackError("malformed", `body XML could not be parsed: ${(err as Error).message}`);
    }
    const encrypt = (parsed as { xml?: { Encrypt?: unknown } } | null)?.xml?.Encrypt;
    if (typeof encrypt !== "string" || encrypt === "") {
      throw new CallbackError("malformed", "XML body has no <xml><Encrypt> text");
    }
    return encrypt;
  }
  throw new CallbackError("malformed", "body is neither XML nor JSON");
}

/**
 * Event delivery (POST): verify, decrypt and return the inner plaintext (usually event XML). With
 * `opts.now`, a timestamp outside the replay window is rejected before anything is decrypted.
 */
export function openCallback(
  keys: CallbackKeys,
  q: CallbackQuery,
  body: string,
  opts?: { maxBodyBytes?: number } & ReplayWindow,
): string {
  if (typeof body !== "string") throw new CallbackError("malformed", "body must be a string");
  const max = opts?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  // Check before parsing so an oversized body costs no parser work.
  const size = Buffer.byteLength(body, "utf8");
  if (size > max) throw new CallbackError("too-large", `body is ${size} bytes, limit ${max}`);
  const encrypt = extractEncrypt(body);
  checkSignature(keys, q?.msg_signature, q?.timestamp, q?.nonce, encrypt);
  checkWindow(q.timestamp, opts);
  return decryptMessage(keys, encrypt);
}

function cdata(value: string): string {
  // A literal "]]>" would end the section early; split it across two sections.
  return `<![CDATA[${value.replaceAll("]]>", "]]]]><![CDATA[>")}]]>`;
}

export interface SealOptions {
  timestamp?: string;
  nonce?: string;
  format?: "xml" | "json";
  random16?: Buffer;
  /** Value for AgentID / agentid in the envelope; WeCom puts the app's agent id there. */
  agentId?: string;
}

/** Build what WeCom sends: the encrypted envelope body plus the signed query string values. */
export function sealCallback(
  keys: CallbackKeys,
  plaintext: string,
  opts?: SealOptions,
): { body: string; query: CallbackQuery } {
  const timestamp = opts?.timestamp ?? String(Math.floor(Date.now() / 1000));
  const nonce = opts?.nonce ?? String(randomBytes(4).readUInt32BE(0));
  const encrypt = encryptMessage(keys, plaintext, opts?.random16);
  const msg_signature = callbackSignature(keys.token, timestamp, nonce, encrypt);
  const agentId = opts?.agentId ?? "";
  const body =
    opts?.format === "json"
      ? JSON.stringify({ tousername: keys.receiveId, encrypt, agentid: agentId })
      : `<xml><ToUserName>${cdata(keys.receiveId)}</ToUserName><Encrypt>${cdata(encrypt)}</Encrypt><AgentID>${cdata(agentId)}</AgentID></xml>`;
  return { body, query: { msg_signature, timestamp, nonce } };
}
