import type { AddressInfo } from "node:net";
import { type Clock, DEFAULT_TIMEZONE, isValidTimeZone, systemClock } from "@siyu/kernel";
import { createSimServer } from "./server.ts";
import type { ReceiveFrequency } from "./world/frequency.ts";
import { type ApiLimits, DEFAULT_API_LIMITS } from "./world/limits.ts";
import { DEFAULT_CUSTOMER_CAP } from "./world/transfers.ts";
import { type SeedName, SimWorld } from "./world/world.ts";

export type { CallbackAttempt, CallbackRecord } from "./callbacks.ts";
export { ERR, SimError, WecomError } from "./errors.ts";
export { IdGen, seededRandom } from "./ids.ts";
export type { Activity, ActivityKind } from "./world/activity.ts";
export { SimClock } from "./world/clock.ts";
export { frequencyWindow, type ReceiveFrequency } from "./world/frequency.ts";
export { QR_JOIN_CAPACITY } from "./world/groups.ts";
export type { ApiLimits } from "./world/limits.ts";
export type { RequestRecord } from "./world/requests.ts";
export type { Violation } from "./world/violations.ts";
export type { WelcomeDelivery } from "./world/welcome.ts";
export { WELCOME_CODE_TTL_MS } from "./world/welcome.ts";
export { type SeedName, SimWorld, type WorldConfig } from "./world/world.ts";

export interface SimulatorOptions {
  /** 0 = a random free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  corpId: string;
  agentId?: string;
  secret: string;
  token: string;
  encodingAesKey: string;
  callbackUrl?: string;
  /** Record every limit/frequency rule Siyu breaks (`GET /_sim/violations`). Default true. */
  strict?: boolean;
  seed?: SeedName;
  /** The corp's mass-message receive-frequency rule: days-in-month per month (default), 7/week, 1/day. */
  receiveFrequency?: ReceiveFrequency;
  clock?: Clock;
  random?: () => number;
  // ---- less common knobs ----
  /** Corp timezone for days, weeks and months. Default Asia/Shanghai. */
  timeZone?: string;
  /** Per-API frequency limits (default WeCom's 10,000/min, 150,000/h); lower them to test 45009. */
  apiLimits?: Partial<ApiLimits>;
  /** Retries after a failed callback delivery (default 3) and the wait between them (default 1000 ms, real time). */
  callbackRetries?: number;
  callbackRetryDelayMs?: number;
  /** WeCom gives up on a callback after 5 s (default 5000). */
  callbackTimeoutMs?: number;
  /** Sim-time after which an add_moment_task job is done (default 1000 ms; the 2nd poll also finishes it). */
  momentJobDelayMs?: number;
  /** Customers a member may hold before a transfer to them fails with status 4 (default 5000). */
  customerCap?: number;
}

export interface RunningSimulator {
  url: string;
  port: number;
  world: SimWorld;
  close(): Promise<void>;
}

const AES_KEY_RE = /^[A-Za-z0-9]{43}$/;

/** Start the WeCom simulator: qyapi.weixin.qq.com look-alike under /cgi-bin/, world API under /_sim/. */
export async function startWecomSimulator(opts: SimulatorOptions): Promise<RunningSimulator> {
  if (!opts.corpId || !opts.secret || !opts.token) throw new Error("startWecomSimulator: corpId, secret and token are required");
  if (!AES_KEY_RE.test(opts.encodingAesKey)) throw new Error("startWecomSimulator: encodingAesKey must be 43 chars of [A-Za-z0-9]");
  const timeZone = opts.timeZone ?? DEFAULT_TIMEZONE;
  if (!isValidTimeZone(timeZone)) throw new Error(`startWecomSimulator: unknown timeZone ${timeZone}`);
  const host = opts.host ?? "127.0.0.1";
  const world = new SimWorld(
    {
      corpId: opts.corpId,
      agentId: opts.agentId,
      secret: opts.secret,
      token: opts.token,
      encodingAesKey: opts.encodingAesKey,
      callbackUrl: opts.callbackUrl ?? null,
      strict: opts.strict ?? true,
      receiveFrequency: opts.receiveFrequency ?? "month",
      timeZone,
      baseUrl: "",
      apiLimits: { ...DEFAULT_API_LIMITS, ...opts.apiLimits },
      callbackRetries: opts.callbackRetries ?? 3,
      callbackRetryDelayMs: opts.callbackRetryDelayMs ?? 1000,
      callbackTimeoutMs: opts.callbackTimeoutMs ?? 5000,
      momentJobDelayMs: opts.momentJobDelayMs ?? 1000,
      customerCap: opts.customerCap ?? DEFAULT_CUSTOMER_CAP,
      seed: opts.seed ?? "empty",
    },
    { clock: opts.clock ?? systemClock, random: opts.random ?? Math.random },
  );
  const server = createSimServer(world);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  world.config.baseUrl = url;
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    world,
    close() {
      closing ??= (async () => {
        await world.callbacks.close();
        await new Promise<void>((resolve, reject) => {
          server.close((err) => (err ? reject(err) : resolve()));
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
