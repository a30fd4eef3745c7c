import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ManualClock } from "@siyu/kernel";
import { DEV_WECOM_CREDENTIALS, openCallback, parseCallbackEvent, type WecomEvent } from "@siyu/wecom";
import { type RunningSimulator, type SimulatorOptions, seededRandom, startWecomSimulator } from "../../src/index.ts";

/**
 * Test harness: a simulator on 127.0.0.1:0 with a manual clock, and a callback receiver. Everything
 * started here is closed by `closeStarted` (each test file: `afterEach(closeStarted)`).
 */
export const CREDS = DEV_WECOM_CREDENTIALS;

const started = new Set<{ close(): Promise<void> }>();

/** Close every simulator and receiver started since the last call. */
export async function closeStarted(): Promise<void> {
  const open = [...started];
  started.clear();
  await Promise.all(open.map((x) => x.close()));
}
export const KEYS = { token: CREDS.token, encodingAesKey: CREDS.encodingAesKey, receiveId: CREDS.corpId };

export interface Sim {
  sim: RunningSimulator;
  clock: ManualClock;
  /** Call a WeCom API (token fetched once and reused). */
  api<T = ApiResult>(path: string, body?: unknown, query?: Record<string, string>): Promise<T>;
  /** POST a non-JSON body (a FormData goes as multipart/form-data) to a WeCom API. */
  apiForm<T = ApiResult>(path: string, body: FormData | Uint8Array, query?: Record<string, string>, headers?: Record<string, string>): Promise<T>;
  /** media/upload_attachment with one `media` file part; `query` overrides media_type/attachment_type. */
  upload<T = ApiResult>(mediaType: string, file?: { filename?: string; contentType?: string; bytes?: Uint8Array }, query?: Record<string, string>): Promise<T>;
  /** Call the world API; returns status and JSON. */
  world<T = Record<string, unknown>>(method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Like world() but expects 200 and returns the body. */
  ok<T = Record<string, unknown>>(method: "GET" | "POST", path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

export type ApiResult = { errcode: number; errmsg: string } & Record<string, any>;

export async function startSim(opts: Partial<SimulatorOptions> = {}, start = "2025-03-10T02:00:00.000Z"): Promise<Sim> {
  const clock = new ManualClock(start);
  const sim = await startWecomSimulator({
    corpId: CREDS.corpId,
    agentId: CREDS.agentId,
    secret: CREDS.secret,
    token: CREDS.token,
    encodingAesKey: CREDS.encodingAesKey,
    clock,
    random: seededRandom(42),
    callbackRetryDelayMs: 20,
    ...opts,
  });
  let token: string | undefined;
  const getToken = async () => {
    if (!token) {
      const r = (await (await fetch(`${sim.url}/cgi-bin/gettoken?corpid=${CREDS.corpId}&corpsecret=${CREDS.secret}`)).json()) as ApiResult;
      if (r.errcode !== 0) throw new Error(`gettoken failed: ${JSON.stringify(r)}`);
      token = r.access_token as string;
    }
    return token;
  };
  const world = async <T>(method: "GET" | "POST", path: string, body?: unknown) => {
    const res = await fetch(`${sim.url}/_sim/${path}`, {
      method,
      ...(method === "POST" ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body ?? {}) } : {}),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
  const send = async (path: string, query: Record<string, string>, init: RequestInit) => {
    const call = async () => {
      const q = new URLSearchParams({ access_token: await getToken(), ...query });
      return (await (await fetch(`${sim.url}/cgi-bin/${path}?${q}`, init)).json()) as ApiResult;
    };
    let r = await call();
    // tests move the clock by hours: refresh an expired token once, as a real client does
    if (r.errcode === 42001) {
      token = undefined;
      r = await call();
    }
    return r;
  };
  const handle: Sim = {
    sim,
    clock,
    async api<T>(path: string, body?: unknown, query: Record<string, string> = {}) {
      const init: RequestInit =
        body === undefined ? { method: "GET" } : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
      return (await send(path, query, init)) as T;
    },
    async apiForm<T>(path: string, body: FormData | Uint8Array, query: Record<string, string> = {}, headers: Record<string, string> = {}) {
      return (await send(path, query, { method: "POST", headers, body })) as T;
    },
    async upload<T>(mediaType: string, file: { filename?: string; contentType?: string; bytes?: Uint8Array } = {}, query: Record<string, string> = {}) {
      const form = new FormData();
      const bytes = file.bytes ?? new TextEncoder().encode("\x89PNG fake image");
      form.append("media", new Blob([bytes], { type: file.contentType ?? "image/png" }), file.filename ?? "photo.png");
      return (await send("media/upload_attachment", { media_type: mediaType, attachment_type: "1", ...query }, { method: "POST", body: form })) as T;
    },
    world,
    async ok<T>(method: "GET" | "POST", path: string, body?: unknown) {
      const r = await world<T>(method, path, body);
      if (r.status !== 200) throw new Error(`${method} /_sim/${path} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    close: () => sim.close(),
  };
  started.add(handle);
  return handle;
}

export interface Received {
  query: { msg_signature: string; timestamp: string; nonce: string };
  body: string;
  /** Decrypted with @siyu/wecom's openCallback (signature and ReceiveId checked). */
  plaintext: string;
  event: WecomEvent;
}

/** An HTTP endpoint playing Siyu's callback receiver: verifies, decrypts and keeps every callback. */
export interface Receiver {
  url: string;
  received: Received[];
  /** Raw requests, including ones that failed to decrypt. */
  raw: { query: Record<string, string>; body: string }[];
  /** Status to answer with (default 200). */
  status: number;
  close(): Promise<void>;
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = { url: "", received: [], raw: [], status: 200, close: async () => {} };
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const body = await readAll(req);
    const query = Object.fromEntries(url.searchParams);
    receiver.raw.push({ query, body });
    const q = { msg_signature: query.msg_signature ?? "", timestamp: query.timestamp ?? "", nonce: query.nonce ?? "" };
    const plaintext = openCallback(KEYS, q, body);
    receiver.received.push({ query: q, body, plaintext, event: parseCallbackEvent(plaintext) });
    res.writeHead(receiver.status, { "content-type": "text/plain" });
    res.end(receiver.status === 200 ? "" : "nope");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wecom/callback`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  started.add(receiver);
  return receiver;
}

/** Fetch the plain XML `<Name>` value: for asserting raw shape without an XML parser. */
export function hasCdata(xml: string, name: string, value: string): boolean {
  return xml.includes(`<${name}><![CDATA[${value}]]></${name}>`);
}
