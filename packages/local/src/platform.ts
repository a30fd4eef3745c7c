import { join, resolve } from "node:path";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DEFAULT_TIMEZONE, isValidTimeZone } from "@siyu/kernel";
import { type LoadedService, loadServices, ROUTE_SCOPES } from "@siyu/manifest";
import { envCredentials, type WecomCredentials } from "@siyu/wecom";
import type { RunningSimulator, SeedName } from "@siyu/wecom-sim";
import { DevIssuer, type MintToken } from "./auth.ts";
import { blobUpload, startBlobs } from "./blobs.ts";
import { serveConsole } from "./console.ts";
import { createPollers, createScheduler, threadCpu } from "./consumers.ts";
import { type DrainOptions, drain } from "./drain.ts";
import type { DynamoLocalLaunch } from "./dynamo.ts";
import { awsClients, setProcessEnv, startDynamo, startMessaging } from "./emulators.ts";
import { InvocationTracker } from "./functions.ts";
import { type GatewayRouting, startGateway } from "./gateway.ts";
import { buildHealth, type HealthReport } from "./health.ts";
import { localEndpoint } from "./local-endpoints.ts";
import { consoleLogger, type LogLevel, type PlatformLogger, PlatformStartError } from "./log.ts";
import { buildOpenApi } from "./openapi.ts";
import { checkLocalQueueRules, createTables, provisionMessaging, type QueueResource, resourceNames } from "./resources.ts";
import type { LocalScheduler } from "./scheduler.ts";
import { buildFunctions, buildRouteTable, type Corp, loadAll, type ServiceRuntime } from "./service-functions.ts";
import { startSimulator, wecomBaseUrlFor } from "./simulator.ts";
import { Teardown } from "./teardown.ts";
import { unrefSleep } from "./time.ts";

export type { DrainOptions } from "./drain.ts";
export type { HealthReport } from "./health.ts";

export interface LocalPlatformOptions {
  /** Repository root: services are `<repoRoot>/functions/<name>/service.ts`. */
  repoRoot: string;
  /** Service names to run (default: all). */
  services?: readonly string[];
  /** Prefix of every table, queue and topic name (per test file isolation). Default `siyu`. */
  prefix?: string;
  /** Gateway port: default `$PORT` or 3000; 0 = random. */
  port?: number;
  /** Interface the gateway and the simulator listen on. Default 127.0.0.1. */
  host?: string;
  /** The WeCom simulator: on by default. `false` to skip it. */
  simulator?: boolean | { port?: number; seed?: SeedName; strict?: boolean };
  /** Use an already-running DynamoDB Local (e.g. the one test/support/global-setup.ts started). */
  dynamoEndpoint?: string;
  /**
   * A DynamoDB Local the caller launched (launchDynamoLocal) to overlap the JVM's boot with its own
   * start-up; the platform waits for it and stops it on close.
   */
  dynamoLaunch?: DynamoLocalLaunch;
  /** Use an already-running fauxqs for SQS and SNS. */
  sqsEndpoint?: string;
  /** Defaults to `sqsEndpoint`. */
  snsEndpoint?: string;
  /** Keep DynamoDB data, blobs and the token signing key on disk under `<repoRoot>/.siyu` (or this directory). */
  persist?: boolean | string;
  /** The corp this platform plays: id (default: the WeCom corp id) and timezone (default Asia/Shanghai). */
  corp?: { corpId?: string; timeZone?: string; client?: string };
  /** WeCom app credentials; default from SIYU_WECOM_* or the dev values of @siyu/wecom. */
  wecom?: WecomCredentials;
  /** Override the WeCom API base URL given to functions (default: the simulator's URL). */
  wecomBaseUrl?: string;
  /**
   * Local deviation from AWS, for tests: failed records become visible again after this many seconds
   * (ChangeMessageVisibility) instead of after the queue's visibility timeout.
   */
  retryVisibilitySeconds?: number;
  /** Concurrent batches per queue. Default 1. */
  pollerConcurrency?: number;
  /** Long-poll wait per receive (seconds, ≤ 20). Default 5; close() aborts it. */
  pollWaitSeconds?: number;
  /** `auto` (default) fires schedules on their cron; `manual` only runs them by hand. */
  schedules?: "auto" | "manual";
  /** Don't start pollers (messages stay on the queues); default false. */
  pollers?: boolean;
  /**
   * Run each queue's poller and consumer in a worker thread of its own (its own event loop, module
   * state and SDK clients, like a Lambda sandbox) instead of this thread. Benchmarks use it so the
   * gateway and fauxqs never wait behind consumer work; `setupModule` is imported first in each worker.
   * Default off: one thread keeps tests' in-process hooks (e.g. `setDocumentClient`) working.
   */
  isolateConsumers?: boolean | { setupModule?: string };
  /**
   * The `$default` route's function for requests no route matches: `true` (default) uses
   * `<repoRoot>/packages/lambda-kit/src/fallback.ts` when it exists, a path uses that module,
   * `false` answers 404/405 problems from the gateway itself.
   */
  fallback?: boolean | string;
  /** AWS region in ARNs, events and the SDK. Default us-east-1. */
  region?: string;
  /** SIYU_LOG_LEVEL given to functions. Default info. */
  functionLogLevel?: "debug" | "info" | "warn" | "error";
  /** The platform's own log lines. Default: `consoleLogger(logLevel)`. */
  logger?: PlatformLogger;
  logLevel?: LogLevel;
  /** Expiry of `adminToken` (jose duration). Default 12h, 30d with persist. */
  adminTokenExpiresIn?: string;
}

export interface LocalPlatform {
  gatewayUrl: string;
  simulatorUrl: string | undefined;
  /** The running simulator (its `world` is the scripted WeCom corp), when started. */
  simulator: RunningSimulator | undefined;
  /** A token with the `siyu/admin` scope from the local issuer. */
  adminToken: string;
  mintToken: MintToken;
  issuer: { url: string; audience: string };
  /** Document client on the platform's DynamoDB. */
  dynamo: DynamoDBDocumentClient;
  dynamoClient: DynamoDBClient;
  sqs: SQSClient;
  sns: SNSClient;
  endpoints: { dynamodb: string; sqs: string; sns: string };
  region: string;
  prefix: string;
  services: readonly string[];
  tableName(service: string): string;
  queueUrl(service: string, queue: string): string;
  dlqUrl(service: string, queue: string): string;
  topicArn: string;
  /** The folder standing in for the stack's blob bucket (`<dir>/<service>/<key>`). */
  blobDir: string;
  /** Run a schedule's handler now, as the scheduler would; resolves with its result. */
  runSchedule(service: string, name: string, scheduledTime?: Date): Promise<unknown>;
  /** Wait until every queue of the platform is empty and no handler runs (for tests). */
  drain(opts?: DrainOptions): Promise<void>;
  health(): Promise<HealthReport>;
  /** Milliseconds from the call to ready. */
  startMs: number;
  /** The DynamoDB Local java process id when this platform started it (for benchmarks' CPU accounting). */
  dynamoPid: number | undefined;
  /**
   * CPU ms used so far by this process's main thread (gateway, HTTP functions, in-process consumers)
   * and by each isolated consumer's worker thread (Linux; for benchmarks' "where the CPU goes").
   */
  threadCpu(): { thread: string; cpuMs: number }[];
  close(): Promise<void>;
}

/**
 * Start the local platform, in phases that each return what the next needs:
 * emulators (DynamoDB Local, fauxqs, SDK clients) → resources (topic, queues; tables once DynamoDB
 * answers) → gateway (listening early: the issuer and the simulator need its URL; it serves once
 * ready) → simulator → functions (every handler, the `$default` fallback) → pollers and scheduler.
 * Whatever has started is stopped by `Teardown`, in its fixed order, on close or on a failed start.
 */
export async function startLocalPlatform(opts: LocalPlatformOptions): Promise<LocalPlatform> {
  const t0 = Date.now();
  // The SDK's "upgrade to Node 22" notice would otherwise print on the first client of every run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  // every answer is checked against its route's documented response schema (docs/openapi.json cannot drift)
  process.env.SIYU_CHECK_RESPONSES ??= "1";
  const repoRoot = resolve(opts.repoRoot);
  const log = opts.logger ?? consoleLogger(opts.logLevel ?? "info");
  const region = opts.region ?? "us-east-1";
  const host = opts.host ?? "127.0.0.1";
  const prefix = opts.prefix ?? "siyu";
  if (!/^[a-z][a-z0-9-]{0,30}$/.test(prefix)) throw new Error(`prefix "${prefix}": lowercase letters, digits and dashes, at most 31 characters`);
  const names = resourceNames(prefix);
  const persistDir = opts.persist ? (typeof opts.persist === "string" ? resolve(opts.persist) : join(repoRoot, ".siyu")) : undefined;
  const mark = (what: string) => log.debug?.(`start: ${what} at ${Date.now() - t0} ms`);
  const teardown = new Teardown(log);

  try {
    // --- emulators (the JVM boots while everything else starts) ---------------------------------------
    const dynamo = await startDynamo({ dynamoEndpoint: opts.dynamoEndpoint, dynamoLaunch: opts.dynamoLaunch, persistDir, onReady: () => mark("DynamoDB Local answers") }, teardown);
    const selected = await selectServices(repoRoot, opts.services);
    const corp = await corpOf(opts);
    mark("manifests loaded");
    const messaging = await startMessaging(opts, teardown);
    const endpoints = { dynamodb: dynamo.endpoint, sqs: messaging.sqs, sns: messaging.sns };
    setProcessEnv(region, endpoints, teardown);
    const clients = awsClients(region, endpoints, teardown);

    // --- resources ------------------------------------------------------------------------------------
    const resources = await provisionMessaging(clients, names, selected);
    mark("fauxqs up");
    const routes = buildRouteTable(selected);

    // --- gateway --------------------------------------------------------------------------------------
    let state: HealthReport["status"] = "starting";
    const serving = deferred<GatewayRouting & { scheduler: LocalScheduler; health(): Promise<HealthReport> }>();
    const tracker = new InvocationTracker();
    teardown.add("running handlers", () => Promise.race([tracker.idle(), unrefSleep(10_000)]));
    const blobs = startBlobs({ persistDir, services: selected }, teardown);
    let openapi: Promise<Record<string, unknown>> | undefined;
    const gateway = await startGateway(opts.port ?? Number(process.env.PORT ?? 3000), host, {
      routing: serving.promise,
      log,
      stream: (req, res, url) => blobUpload(req, res, url, blobs, log),
      local: async (req, res, url, body) => (await serveConsole(req, res, url, repoRoot)) || localEndpoint(req, res, url, body, { state: () => state, serving: serving.promise, openapi: () => (openapi ??= buildOpenApi(repoRoot, { services: selected.map((s) => s.manifest.name), serverUrl: gateway.url })) }),
    });
    teardown.add("gateway (accepting)", () => gateway.stopAccepting());
    teardown.add("gateway", () => gateway.close());
    const gatewayUrl = gateway.url;
    mark("queues, topic and gateway up");
    const issuer = await DevIssuer.create({ issuer: `${gatewayUrl}/_local/issuer`, keyFile: persistDir ? join(persistDir, "issuer-key.json") : undefined });

    // --- simulator --------------------------------------------------------------------------------------
    const simulator = await startSimulator({ option: opts.simulator, host, wecom: corp.wecom, timeZone: corp.timeZone, gatewayUrl });
    if (simulator) {
      teardown.add("WeCom simulator", () => simulator.close());
      mark("simulator up");
    }
    const callsWecom = selected.some((s) => s.manifest.secrets.includes("wecom"));
    const wecomBaseUrl = wecomBaseUrlFor({ override: opts.wecomBaseUrl, simulator, callsWecom, log });

    // --- functions --------------------------------------------------------------------------------------
    const functions = buildFunctions({
      services: resources.services,
      routes,
      corp,
      topicArn: resources.topicArn,
      prefix,
      region,
      repoRoot,
      gatewayUrl,
      wecomBaseUrl,
      blobs: blobs.resources(gatewayUrl),
      functionLogLevel: opts.functionLogLevel ?? "info",
      fallback: opts.fallback,
      tracker,
    });
    const { services } = functions;
    const scheduler = createScheduler(services.values(), corp.timeZone, log);
    teardown.add("scheduler", () => scheduler.stop());
    const loads = loadAll(functions.all, log);
    await dynamo.ready;
    await createTables(clients.dynamoClient, resources.services, (msg) => log.warn(msg));
    mark("tables created");
    await loads;
    mark("handlers imported");

    // --- pollers and the scheduler ------------------------------------------------------------------------
    const pollers = createPollers(services.values(), {
      sqs: clients.sqs,
      sqsEndpoint: messaging.sqs,
      region,
      log,
      logLevel: opts.logLevel ?? "info",
      concurrency: opts.pollerConcurrency,
      waitTimeSeconds: opts.pollWaitSeconds,
      retryVisibilitySeconds: opts.retryVisibilitySeconds,
      isolate: opts.isolateConsumers,
    });
    teardown.add("pollers", () => Promise.all(pollers.map((p) => p.stop())));
    if (opts.pollers !== false) for (const p of pollers) p.start();
    if ((opts.schedules ?? "auto") === "auto") scheduler.start();

    // --- ready ----------------------------------------------------------------------------------------------
    const health = () =>
      buildHealth({
        state,
        gatewayUrl,
        region,
        prefix,
        dynamoEndpoint: endpoints.dynamodb,
        sqsEndpoint: endpoints.sqs,
        topicArn: resources.topicArn,
        dynamoClient: clients.dynamoClient,
        sqs: clients.sqs,
        sns: clients.sns,
        simulator,
        services,
        scheduler,
      });
    const adminToken = await issuer.mint({
      scopes: [...ROUTE_SCOPES.admin],
      expiresIn: opts.adminTokenExpiresIn ?? (persistDir ? "30d" : "12h"),
      subject: "local-admin",
      claims: { username: "local-admin" },
    });
    state = "ok";
    serving.resolve({ routes, httpFunction: (svc) => services.get(svc)?.http, fallback: functions.fallback, issuer, scheduler, health });
    const startMs = Date.now() - t0;

    const service = (name: string): ServiceRuntime => {
      const s = services.get(name);
      if (!s) throw new Error(`service ${name} is not running here (running: ${[...services.keys()].join(", ") || "none"})`);
      return s;
    };
    const queueOf = (svc: string, queue: string): QueueResource => {
      const q = service(svc).queues.find((x) => x.spec.name === queue);
      if (!q) throw new Error(`service ${svc} has no queue ${queue}`);
      return q;
    };
    let closing: Promise<void> | undefined;
    return {
      gatewayUrl,
      simulatorUrl: simulator?.url,
      simulator,
      adminToken,
      mintToken: issuer.mint,
      issuer: { url: issuer.issuer, audience: issuer.audience },
      ...clients,
      endpoints,
      region,
      prefix,
      services: [...services.keys()],
      tableName: (svc) => service(svc).tableName,
      queueUrl: (svc, queue) => queueOf(svc, queue).url,
      dlqUrl: (svc, queue) => queueOf(svc, queue).dlqUrl,
      topicArn: resources.topicArn,
      blobDir: blobs.dir,
      runSchedule: (svc, name, at) => scheduler.run(svc, name, at),
      drain: (o) => drain(clients.sqs, pollers, tracker, o),
      health,
      startMs,
      get dynamoPid() {
        return dynamo.launch?.pid || undefined;
      },
      threadCpu: () => threadCpu(pollers),
      close() {
        closing ??= (async () => {
          state = "stopping";
          await teardown.run();
        })();
        return closing;
      },
    };
  } catch (err) {
    await teardown.run();
    throw err;
  }
}

/** The services to run: every manifest under `functions/`, or the named ones (each must exist). */
async function selectServices(repoRoot: string, names: readonly string[] | undefined): Promise<LoadedService[]> {
  const all = await loadServices(repoRoot);
  const wanted = names ? new Set(names) : undefined;
  if (wanted) {
    const unknown = [...wanted].filter((n) => !all.some((s) => s.manifest.name === n));
    if (unknown.length) throw new PlatformStartError(`unknown service(s) ${unknown.join(", ")}; found ${all.map((s) => s.manifest.name).join(", ") || "none"} under ${repoRoot}/functions`);
  }
  const selected = all.filter((s) => !wanted || wanted.has(s.manifest.name));
  for (const s of selected) checkLocalQueueRules(s.manifest);
  return selected;
}

/** The corp this platform plays, and its WeCom app. */
async function corpOf(opts: LocalPlatformOptions): Promise<Corp> {
  const wecom = opts.wecom ?? (await envCredentials(process.env)());
  const timeZone = opts.corp?.timeZone ?? DEFAULT_TIMEZONE;
  if (!isValidTimeZone(timeZone)) throw new Error(`corp timezone "${timeZone}" is not an IANA timezone`);
  return { client: opts.corp?.client ?? "local", corpId: opts.corp?.corpId ?? wecom.corpId, timeZone, wecom };
}

/** A value later phases produce for an earlier one (the gateway listens before it has routes). */
function deferred<T>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
