import type { WecomCredentials } from "@siyu/wecom";
import type { RunningSimulator, SeedName } from "@siyu/wecom-sim";
import { type PlatformLogger, PlatformStartError } from "./log.ts";

/**
 * The simulator phase: the WeCom simulator (imported only when on), calling back into the gateway,
 * and the WeCom API base URL functions get.
 */

export type SimulatorOption = boolean | { port?: number; seed?: SeedName; strict?: boolean } | undefined;

export async function startSimulator(o: {
  option: SimulatorOption;
  host: string;
  wecom: WecomCredentials;
  timeZone: string;
  gatewayUrl: string;
}): Promise<RunningSimulator | undefined> {
  if (o.option === false) return undefined;
  const simOpts = typeof o.option === "object" ? o.option : {};
  const { startWecomSimulator } = await import("@siyu/wecom-sim");
  return startWecomSimulator({
    port: simOpts.port ?? Number(process.env.SIM_PORT ?? 3100),
    host: o.host,
    corpId: o.wecom.corpId,
    agentId: o.wecom.agentId,
    secret: o.wecom.secret,
    token: o.wecom.token,
    encodingAesKey: o.wecom.encodingAesKey,
    callbackUrl: `${o.gatewayUrl}/wecom/callback`,
    strict: simOpts.strict ?? true,
    seed: simOpts.seed ?? "demo",
    timeZone: o.timeZone,
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "EADDRINUSE") throw new PlatformStartError(`the WeCom simulator's port is in use: stop whatever listens there, or set SIM_PORT (${err.message})`);
    throw err;
  });
}

/** The simulator's URL, an explicit override, or (when a service calls WeCom) a dead end. */
export function wecomBaseUrlFor(o: { override?: string; simulator?: RunningSimulator; callsWecom: boolean; log: PlatformLogger }): string | undefined {
  const url = o.override ?? o.simulator?.url;
  if (url || !o.callsWecom) return url;
  // Never let a local run reach the real qyapi.weixin.qq.com by accident.
  o.log.warn("the WeCom simulator is off: WeCom API calls from functions will fail (SIYU_WECOM_BASE_URL=http://127.0.0.1:9)");
  return "http://127.0.0.1:9";
}
