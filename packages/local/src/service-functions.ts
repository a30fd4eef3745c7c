import { join } from "node:path";
import {
  type BlobResources,
  FALLBACK_FUNCTION,
  fallbackEnvironment,
  functionEnvironment,
  type LoadedService,
  resolveFallbackEntry,
  routeKey,
  routeOwners,
} from "@siyu/manifest";
import { WECOM_ENV, type WecomCredentials } from "@siyu/wecom";
import { type FunctionKind, type InvocationTracker, LocalFunction } from "./functions.ts";
import type { PlatformLogger } from "./log.ts";
import type { ServiceResources } from "./resources.ts";
import { type RouteEntry, RouteTable } from "./routes.ts";

/**
 * The functions phase: what infra deploys as Lambda functions, as local ones — per service one HTTP
 * function, one per queue consumer and one per schedule, each with the environment
 * `functionEnvironment` builds for AWS too, and the `$default` fallback (@siyu/manifest's
 * FALLBACK_FUNCTION). The route table comes from the same `routeOwners` infra uses, so a route two
 * services declare fails here as it fails synth.
 */

export interface ServiceFunctions {
  http?: LocalFunction;
  consumers: Map<string, LocalFunction>;
  schedules: Map<string, LocalFunction>;
}

export type ServiceRuntime = ServiceResources & ServiceFunctions;

export interface Corp {
  client: string;
  corpId: string;
  timeZone: string;
  wecom: WecomCredentials;
}

/** One HTTP API for every service: a route belongs to one service only (infra refuses it too). */
export function buildRouteTable(services: readonly Pick<LoadedService, "manifest">[]): RouteTable {
  const manifests = services.map((s) => s.manifest);
  routeOwners(manifests);
  return new RouteTable(manifests.flatMap((m) => (m.http?.routes ?? []).map((r): RouteEntry => ({ service: m.name, ...r }))));
}

export interface FunctionsInput {
  services: readonly ServiceResources[];
  routes: RouteTable;
  corp: Corp;
  topicArn: string;
  prefix: string;
  region: string;
  repoRoot: string;
  /** The gateway's URL: functions' public base URL. */
  gatewayUrl: string;
  wecomBaseUrl: string | undefined;
  /** The local blob folder and upload endpoint, for services that declare `blobs`. */
  blobs: BlobResources;
  functionLogLevel: string;
  fallback: boolean | string | undefined;
  tracker: InvocationTracker;
}

export interface Functions {
  services: Map<string, ServiceRuntime>;
  fallback: LocalFunction | undefined;
  all: LocalFunction[];
}

export function buildFunctions(i: FunctionsInput): Functions {
  const { corp, region, prefix, tracker } = i;
  const wecomEnv: Record<string, string> = {
    [WECOM_ENV.corpId]: corp.wecom.corpId,
    [WECOM_ENV.agentId]: corp.wecom.agentId,
    [WECOM_ENV.secret]: corp.wecom.secret,
    [WECOM_ENV.token]: corp.wecom.token,
    [WECOM_ENV.encodingAesKey]: corp.wecom.encodingAesKey,
  };
  const make = (o: { name: string; service: string; kind: FunctionKind; entry: string; env: Record<string, string>; timeoutSeconds: number; memoryMb: number }) =>
    new LocalFunction({ ...o, env: { ...o.env, ...lambdaEnv(region, o.name, o.memoryMb) }, region }, tracker);

  const services = new Map<string, ServiceRuntime>();
  for (const s of i.services) {
    const m = s.manifest;
    const env = {
      ...functionEnvironment(m, {
        client: corp.client,
        corpId: corp.corpId,
        timeZone: corp.timeZone,
        tableName: s.tableName,
        topicArn: i.topicArn,
        queueUrls: Object.fromEntries(s.queues.map((q) => [q.spec.name, q.url])),
        dlqUrls: Object.fromEntries(s.queues.map((q) => [q.spec.name, q.dlqUrl])),
        wecomBaseUrl: i.wecomBaseUrl,
        publicBaseUrl: i.gatewayUrl,
        logLevel: i.functionLogLevel,
        blobs: i.blobs,
      }),
      ...(m.secrets.includes("wecom") ? wecomEnv : {}),
    };
    const fn = (suffix: string, kind: FunctionKind, entry: string, timeoutSeconds: number) =>
      make({ name: `${prefix}-${m.name}-${suffix}`, service: m.name, kind, entry: join(s.loaded.dir, entry), env, timeoutSeconds, memoryMb: m.memoryMb });
    services.set(m.name, {
      ...s,
      http: m.http ? fn("http", "http", m.http.entry, m.http.timeoutSeconds) : undefined,
      consumers: new Map(m.queues.map((q) => [q.name, fn(`consumer-${q.name}`, "consumer", q.consumer, q.timeoutSeconds)])),
      schedules: new Map(m.schedules.map((sch) => [sch.name, fn(`job-${sch.name}`, "schedule", sch.handler, sch.timeoutSeconds)])),
    });
  }

  const fallbackEntry = resolveFallbackEntry(i.repoRoot, i.fallback ?? true);
  const fallback = fallbackEntry
    ? make({
        name: `${prefix}-${FALLBACK_FUNCTION.service}`,
        service: FALLBACK_FUNCTION.service,
        kind: "fallback",
        entry: fallbackEntry,
        env: fallbackEnvironment({ client: corp.client, corpId: corp.corpId, timeZone: corp.timeZone, logLevel: i.functionLogLevel }, i.routes.all.map(routeKey)),
        timeoutSeconds: FALLBACK_FUNCTION.timeoutSeconds,
        memoryMb: FALLBACK_FUNCTION.memoryMb,
      })
    : undefined;

  const all = [...services.values()].flatMap((s) => [...(s.http ? [s.http] : []), ...s.consumers.values(), ...s.schedules.values()]);
  if (fallback) all.push(fallback);
  return { services, fallback, all };
}

/** What Lambda itself sets in a function's environment. */
function lambdaEnv(region: string, fn: string, memoryMb: number): Record<string, string> {
  return {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_LAMBDA_FUNCTION_NAME: fn,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
    TZ: ":UTC",
  };
}

/**
 * Import every handler now: cold starts overlap the JVM's boot. A handler that fails to import is
 * reported here and on /health, and retried on its first invocation.
 */
export function loadAll(functions: readonly LocalFunction[], log: PlatformLogger): Promise<void> {
  return Promise.all(
    functions.map((fn) =>
      fn.load().then(
        () => undefined,
        (err: unknown) => log.error(`${fn.name}: cannot load ${fn.spec.entry}`, err),
      ),
    ),
  ).then(() => undefined);
}
