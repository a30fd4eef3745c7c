import { existsSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join, resolve } from "node:path";
import { DescribeTableCommand, DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { GetTopicAttributesCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DEFAULT_TIMEZONE, isValidTimeZone } from "@siyu/kernel";
import { ENV, functionEnvironment, type LoadedService, loadServices, ROUTE_SCOPES, routeKey, type ServiceManifest } from "@siyu/manifest";
import { envCredentials, WECOM_ENV, type WecomCredentials } from "@siyu/wecom";
import type { RunningSimulator, SeedName } from "@siyu/wecom-sim";
import { DevIssuer, type MintToken } from "./auth.ts";
import { type DynamoLocalLaunch, launchDynamoLocal } from "./dynamo.ts";
import { startFauxqsServer } from "./fauxqs.ts";
import { FunctionTimeoutError, InvocationTracker, LocalFunction } from "./functions.ts";
import { type Gateway, sendJson, startGateway } from "./gateway.ts";
import { consoleLogger, type LogLevel, type PlatformLogger, PlatformStartError } from "./log.ts";
import { type ConsumerPoller, threadCpuMs, WorkerPoller } from "./consumer-worker.ts";
import { QueuePoller } from "./poller.ts";
import { freePort } from "./ports.ts";
import { checkQueueRules, createQueues, createTable, createTopic, type QueueResource, resourceNames } from "./resources.ts";
import { RouteTable } from "./routes.ts";
import { LocalScheduler, UnknownScheduleError } from "./scheduler.ts";
import { sleep, unrefSleep } from "./time.ts";

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
  /** Keep DynamoDB data and the token signing key on disk under `<repoRoot>/.siyu` (or this directory). */
  persist?: boolean | string;
  /** The corp this platform plays: id (default: the WeCom corp id) and timezone (default Asia/Shanghai). */
  corp?: { corpId?: string; timezone?: string; client?: string };
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

export interface DrainOptions {
  timeoutMs?: number;
}

export interface HealthReport {
  status: "ok" | "degraded" | "starting" | "stopping";
  gateway: string;
  region: string;
  prefix: string;
  dynamodb: { endpoint: string; ok: boolean; error?: string };
  sqs: { endpoint: string };
  topic: { arn: string; ok: boolean; error?: string };
  simulator: { url: string; ok: boolean; error?: string } | { enabled: false };
  services: Record<
    string,
    {
      ok: boolean;
      table: { name: string; ok: boolean; error?: string };
      queues: Record<string, { url: string; ok: boolean; messages?: number; inFlight?: number; dlq: { url: string; ok: boolean; messages?: number }; error?: string }>;
      routes: string[];
      schedules: ReturnType<LocalScheduler["list"]>;
      handlers: Record<string, string>;
    }
  >;
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

interface ServiceRuntime {
  loaded: LoadedService;
  manifest: ServiceManifest;
  tableName: string;
  queues: QueueResource[];
  http?: LocalFunction;
  consumers: Map<string, LocalFunction>;
  schedules: Map<string, LocalFunction>;
}

/** The process-wide AWS SDK settings the handlers' own clients pick up. */
const PROCESS_ENV_KEYS = [
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_EC2_METADATA_DISABLED",
  "AWS_ENDPOINT_URL_DYNAMODB",
  "AWS_ENDPOINT_URL_SQS",
  "AWS_ENDPOINT_URL_SNS",
  "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED",
] as const;

let activeEndpoints: { key: string; count: number } | undefined;

/**
 * Start the local platform: DynamoDB Local, fauxqs, the resources of every manifest, the HTTP
 * gateway with its JWT authorizer, queue pollers, the scheduler and the WeCom simulator.
 */
export async function startLocalPlatform(opts: LocalPlatformOptions): Promise<LocalPlatform> {
  const t0 = Date.now();
  // The SDK's "upgrade to Node 22" notice would otherwise print on the first client of every run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const repoRoot = resolve(opts.repoRoot);
  const log = opts.logger ?? consoleLogger(opts.logLevel ?? "info");
  const region = opts.region ?? "us-east-1";
  const host = opts.host ?? "127.0.0.1";
  const prefix = opts.prefix ?? "siyu";
  if (!/^[a-z][a-z0-9-]{0,30}$/.test(prefix)) throw new Error(`prefix "${prefix}": lowercase letters, digits and dashes, at most 31 characters`);
  const names = resourceNames(prefix);
  const persistDir = opts.persist ? (typeof opts.persist === "string" ? resolve(opts.persist) : join(repoRoot, ".siyu")) : undefined;
  const mark = (what: string) => log.debug?.(`start: ${what} at ${Date.now() - t0} ms`);

  // What has been started, stopped by `shutdown` in this order: schedules and pollers first (their
  // in-flight batches finish), then the gateway stops accepting, running handlers get up to 10 s,
  // then the simulator, the SDK clients, the process env, fauxqs and DynamoDB Local.
  const started: {
    scheduler?: LocalScheduler;
    pollers: ConsumerPoller[];
    gateway?: Gateway;
    tracker?: InvocationTracker;
    simulator?: RunningSimulator;
    clients?: () => void;
    restoreEnv?: () => void;
    fauxqs?: () => Promise<void>;
    dynamo?: () => Promise<void>;
  } = { pollers: [] };
  const shutdown = async () => {
    const step = async (name: string, fn: (() => unknown) | undefined) => {
      if (!fn) return;
      try {
        await fn();
      } catch (err) {
        log.error(`close: stopping ${name} failed`, err);
      }
    };
    const s = started;
    await step("scheduler", s.scheduler && (() => s.scheduler!.stop()));
    await step("pollers", () => Promise.all(s.pollers.splice(0).map((p) => p.stop())));
    await step("gateway (accepting)", s.gateway && (() => s.gateway!.stopAccepting()));
    await step("running handlers", s.tracker && (() => Promise.race([s.tracker!.idle(), unrefSleep(10_000)])));
    await step("gateway", s.gateway && (() => s.gateway!.close()));
    await step("WeCom simulator", s.simulator && (() => s.simulator!.close()));
    await step("SDK clients", s.clients);
    await step("process env", s.restoreEnv);
    await step("fauxqs", s.fauxqs);
    await step("DynamoDB Local", s.dynamo);
    Object.assign(started, { scheduler: undefined, gateway: undefined, tracker: undefined, simulator: undefined, clients: undefined, restoreEnv: undefined, fauxqs: undefined, dynamo: undefined });
  };

  try {
    // --- DynamoDB Local and fauxqs (the JVM boots while we do everything else) ------------------------
    let dynamoEndpoint = opts.dynamoEndpoint;
    let dynamoReady: Promise<void> = Promise.resolve();
    let dynamoLaunch: DynamoLocalLaunch | undefined;
    if (!dynamoEndpoint) {
      const launch = opts.dynamoLaunch ?? launchDynamoLocal({ port: await freePort(), dbPath: persistDir ? join(persistDir, "dynamodb") : undefined });
      started.dynamo = () => launch.stop();
      dynamoLaunch = launch;
      dynamoEndpoint = launch.endpoint;
      dynamoReady = launch.ready.then(() => mark("DynamoDB Local answers"));
      dynamoReady.catch(() => {}); // awaited below; don't report it as unhandled if we fail first
    } else if (opts.dynamoLaunch) {
      throw new Error("pass dynamoEndpoint or dynamoLaunch, not both");
    }

    // --- what to run ------------------------------------------------------------------------------------
    const all = await loadServices(repoRoot);
    const wanted = opts.services ? new Set(opts.services) : undefined;
    if (wanted) {
      const unknown = [...wanted].filter((n) => !all.some((s) => s.manifest.name === n));
      if (unknown.length) throw new PlatformStartError(`unknown service(s) ${unknown.join(", ")}; found ${all.map((s) => s.manifest.name).join(", ") || "none"} under ${repoRoot}/functions`);
    }
    const selected = all.filter((s) => !wanted || wanted.has(s.manifest.name));
    for (const s of selected) checkQueueRules(s.manifest);
    const wecom = opts.wecom ?? (await envCredentials(process.env)());
    const corpId = opts.corp?.corpId ?? wecom.corpId;
    const timezone = opts.corp?.timezone ?? DEFAULT_TIMEZONE;
    if (!isValidTimeZone(timezone)) throw new Error(`corp timezone "${timezone}" is not an IANA timezone`);
    const client = opts.corp?.client ?? "local";

    mark("manifests loaded");
    let sqsEndpoint = opts.sqsEndpoint;
    if (!sqsEndpoint) {
      const fauxqs = await startFauxqsServer({ port: 0 });
      started.fauxqs = () => fauxqs.stop();
      sqsEndpoint = fauxqs.endpoint;
    }
    const snsEndpoint = opts.snsEndpoint ?? sqsEndpoint;
    started.restoreEnv = setProcessEnv(region, dynamoEndpoint, sqsEndpoint, snsEndpoint);

    const aws = { region, credentials: { accessKeyId: "local", secretAccessKey: "local" } };
    const dynamoClient = new DynamoDBClient({ ...aws, endpoint: dynamoEndpoint });
    const dynamo = DynamoDBDocumentClient.from(dynamoClient, { marshallOptions: { removeUndefinedValues: true } });
    const sqs = new SQSClient({ ...aws, endpoint: sqsEndpoint });
    const sns = new SNSClient({ ...aws, endpoint: snsEndpoint });
    started.clients = () => {
      dynamo.destroy();
      sqs.destroy();
      sns.destroy();
    };

    // --- queues, DLQs, the topic and its subscriptions ---------------------------------------------
    const topicArn = await createTopic(sns, names);
    mark("fauxqs up");
    const queuesByService = await Promise.all(selected.map((loaded) => createQueues(sqs, sns, names, loaded, topicArn)));
    const services = new Map<string, ServiceRuntime>();
    selected.forEach((loaded, i) => {
      const m = loaded.manifest;
      services.set(m.name, { loaded, manifest: m, tableName: names.table(m.name), queues: queuesByService[i]!, consumers: new Map(), schedules: new Map() });
    });

    // --- gateway (listening early: the issuer URL and the simulator's callback need its port) ---------
    let markReady!: () => void;
    const ready = new Promise<void>((r) => {
      markReady = r;
    });
    let state: HealthReport["status"] = "starting";
    let issuer: DevIssuer | undefined;
    let scheduler: LocalScheduler | undefined;
    let health: () => Promise<HealthReport> = async () => {
      throw new Error("not ready");
    };
    const routeTable = new RouteTable(
      [...services.values()].flatMap((s) => (s.manifest.http?.routes ?? []).map((r) => ({ service: s.manifest.name, ...r }))),
    );
    // One HTTP API for all services: a route key may belong to one service only (infra refuses it too).
    const owners = new Map<string, string>();
    for (const r of routeTable.all) {
      const k = `${r.method} ${r.path.replace(/\{[^}]+\}/g, "{}")}`;
      const other = owners.get(k);
      if (other && other !== r.service) throw new PlatformStartError(`route ${routeKey(r)} is declared by both ${other} and ${r.service}`);
      owners.set(k, r.service);
    }
    let fallback: LocalFunction | undefined;
    const tracker = new InvocationTracker();
    started.tracker = tracker;
    const gateway: Gateway = await startGateway(opts.port ?? Number(process.env.PORT ?? 3000), host, {
      routes: routeTable,
      httpFunction: (service) => services.get(service)?.http,
      get fallback() {
        return fallback;
      },
      issuer: () => issuer!,
      log,
      ready,
      local: (req, res, url, body) =>
        localEndpoint(req, res, url, body, {
          state: () => state,
          health: () => health(),
          issuer: () => issuer,
          scheduler: () => scheduler,
          ready,
        }),
    });
    started.gateway = gateway;
    const gatewayUrl = gateway.url;
    mark("queues, topic and gateway up");
    issuer = await DevIssuer.create({
      issuer: `${gatewayUrl}/_local/issuer`,
      keyFile: persistDir ? join(persistDir, "issuer-key.json") : undefined,
    });

    // --- the WeCom simulator ----------------------------------------------------------------------------
    let simulator: RunningSimulator | undefined;
    if (opts.simulator !== false) {
      const simOpts = typeof opts.simulator === "object" ? opts.simulator : {};
      const { startWecomSimulator } = await import("@siyu/wecom-sim");
      simulator = await startWecomSimulator({
        port: simOpts.port ?? Number(process.env.SIM_PORT ?? 3100),
        host,
        corpId: wecom.corpId,
        agentId: wecom.agentId,
        secret: wecom.secret,
        token: wecom.token,
        encodingAesKey: wecom.encodingAesKey,
        callbackUrl: `${gatewayUrl}/wecom/callback`,
        strict: simOpts.strict ?? true,
        seed: simOpts.seed ?? "demo",
        timeZone: timezone,
      }).catch((err: NodeJS.ErrnoException) => {
        if (err.code === "EADDRINUSE") throw new PlatformStartError(`the WeCom simulator's port is in use: stop whatever listens there, or set SIM_PORT (${err.message})`);
        throw err;
      });
      started.simulator = simulator;
    }
    if (simulator) mark("simulator up");
    let wecomBaseUrl = opts.wecomBaseUrl ?? simulator?.url;
    if (!wecomBaseUrl && selected.some((s) => s.manifest.secrets.includes("wecom"))) {
      // Never let a local run reach the real qyapi.weixin.qq.com by accident.
      wecomBaseUrl = "http://127.0.0.1:9";
      log.warn("the WeCom simulator is off: WeCom API calls from functions will fail (SIYU_WECOM_BASE_URL=http://127.0.0.1:9)");
    }

    // --- functions ----------------------------------------------------------------------------------------
    const wecomEnv: Record<string, string> = {
      [WECOM_ENV.corpId]: wecom.corpId,
      [WECOM_ENV.agentId]: wecom.agentId,
      [WECOM_ENV.secret]: wecom.secret,
      [WECOM_ENV.token]: wecom.token,
      [WECOM_ENV.encodingAesKey]: wecom.encodingAesKey,
    };
    const lambdaEnv = (fn: string, memoryMb: number): Record<string, string> => ({
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_LAMBDA_FUNCTION_NAME: fn,
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
      TZ: ":UTC",
    });
    for (const s of services.values()) {
      const m = s.manifest;
      const base = functionEnvironment(m, {
        client,
        corpId,
        timezone,
        tableName: s.tableName,
        topicArn,
        queueUrls: Object.fromEntries(s.queues.map((q) => [q.spec.name, q.url])),
        dlqUrls: Object.fromEntries(s.queues.map((q) => [q.spec.name, q.dlqUrl])),
        wecomBaseUrl,
        publicBaseUrl: gatewayUrl,
        logLevel: opts.functionLogLevel ?? "info",
      });
      const extra = m.secrets.includes("wecom") ? wecomEnv : {};
      const make = (suffix: string, kind: LocalFunction["spec"]["kind"], entry: string, timeoutSeconds: number) => {
        const name = `${prefix}-${m.name}-${suffix}`;
        return new LocalFunction(
          {
            name,
            service: m.name,
            kind,
            entry: join(s.loaded.dir, entry),
            env: { ...base, ...extra, ...lambdaEnv(name, m.memoryMb) },
            timeoutSeconds,
            memoryMb: m.memoryMb,
            region,
          },
          tracker,
        );
      };
      if (m.http) s.http = make("http", "http", m.http.entry, m.http.timeoutSeconds);
      for (const q of m.queues) s.consumers.set(q.name, make(`consumer-${q.name}`, "consumer", q.consumer, q.timeoutSeconds));
      for (const sch of m.schedules) s.schedules.set(sch.name, make(`job-${sch.name}`, "schedule", sch.handler, sch.timeoutSeconds));
    }
    const fallbackEntry = typeof opts.fallback === "string" ? resolve(opts.fallback) : join(repoRoot, "packages", "lambda-kit", "src", "fallback.ts");
    if (typeof opts.fallback === "string" && !existsSync(fallbackEntry)) throw new Error(`fallback module ${fallbackEntry} does not exist`);
    if (opts.fallback !== false && existsSync(fallbackEntry)) {
      const name = `${prefix}-fallback`;
      fallback = new LocalFunction(
        {
          name,
          service: "fallback",
          kind: "fallback",
          entry: fallbackEntry,
          env: {
            SIYU_SERVICE: "fallback",
            SIYU_CLIENT: client,
            SIYU_CORP_ID: corpId,
            SIYU_CORP_TIMEZONE: timezone,
            SIYU_LOG_LEVEL: opts.functionLogLevel ?? "info",
            [ENV.routes]: JSON.stringify(routeTable.all.map(routeKey)),
            ...lambdaEnv(name, 128),
          },
          timeoutSeconds: 5,
          memoryMb: 128,
          region,
        },
        tracker,
      );
    }
    const allFunctions = [...services.values()].flatMap((s) => [...(s.http ? [s.http] : []), ...s.consumers.values(), ...s.schedules.values()]);
    if (fallback) allFunctions.push(fallback);

    scheduler = new LocalScheduler(
      [...services.values()].flatMap((s) =>
        s.manifest.schedules.map((spec) => ({ service: s.manifest.name, spec, timezone: spec.timezone ?? timezone, fn: s.schedules.get(spec.name)! })),
      ),
      log,
    );
    const sched = scheduler;
    started.scheduler = sched;

    // Cold starts (module imports) overlap the JVM's boot. A handler that fails to import is reported
    // here and on /health, and retried on its first invocation.
    const loads = Promise.all(
      allFunctions.map((fn) =>
        fn.load().then(
          () => undefined,
          (err: unknown) => log.error(`${fn.name}: cannot load ${fn.spec.entry}`, err),
        ),
      ),
    );

    // --- tables -------------------------------------------------------------------------------------------
    await dynamoReady;
    await Promise.all([...services.values()].map((s) => createTable(dynamoClient, s.tableName, s.manifest, (msg) => log.warn(msg))));
    mark("tables created");
    await loads;
    mark("handlers imported");

    // --- pollers and the scheduler --------------------------------------------------------------------------
    const pollers: ConsumerPoller[] = [];
    const isolate = opts.isolateConsumers;
    for (const s of services.values()) {
      for (const q of s.queues) {
        const fn = s.consumers.get(q.spec.name)!;
        if (isolate) {
          pollers.push(
            new WorkerPoller({
              spec: fn.spec,
              queue: q,
              region,
              sqsEndpoint: sqsEndpoint!,
              concurrency: opts.pollerConcurrency ?? 1,
              waitTimeSeconds: opts.pollWaitSeconds ?? 5,
              retryVisibilitySeconds: opts.retryVisibilitySeconds,
              logLevel: opts.logLevel ?? "info",
              setupModule: typeof isolate === "object" ? isolate.setupModule : undefined,
              log,
            }),
          );
          continue;
        }
        pollers.push(
          new QueuePoller({
            sqs,
            queue: q,
            fn,
            region,
            log,
            concurrency: opts.pollerConcurrency ?? 1,
            waitTimeSeconds: opts.pollWaitSeconds ?? 5,
            retryVisibilitySeconds: opts.retryVisibilitySeconds,
          }),
        );
      }
    }
    started.pollers.push(...pollers);
    if (opts.pollers !== false) for (const p of pollers) p.start();
    if ((opts.schedules ?? "auto") === "auto") sched.start();

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

    health = () =>
      buildHealth({
        state,
        gatewayUrl,
        region,
        prefix,
        dynamoEndpoint: dynamoEndpoint!,
        sqsEndpoint: sqsEndpoint!,
        topicArn,
        dynamoClient,
        sqs,
        sns,
        simulator,
        services,
        scheduler: sched,
      });

    const adminToken = await issuer.mint({
      scopes: [...ROUTE_SCOPES.admin],
      expiresIn: opts.adminTokenExpiresIn ?? (persistDir ? "30d" : "12h"),
      subject: "local-admin",
      claims: { username: "local-admin" },
    });

    state = "ok";
    markReady();
    const startMs = Date.now() - t0;

    let closing: Promise<void> | undefined;
    const platform: LocalPlatform = {
      gatewayUrl,
      simulatorUrl: simulator?.url,
      simulator,
      adminToken,
      mintToken: issuer.mint,
      issuer: { url: issuer.issuer, audience: issuer.audience },
      dynamo,
      dynamoClient,
      sqs,
      sns,
      endpoints: { dynamodb: dynamoEndpoint, sqs: sqsEndpoint, sns: snsEndpoint },
      region,
      prefix,
      services: [...services.keys()],
      tableName: (svc) => service(svc).tableName,
      queueUrl: (svc, queue) => queueOf(svc, queue).url,
      dlqUrl: (svc, queue) => queueOf(svc, queue).dlqUrl,
      topicArn,
      runSchedule: (svc, name, at) => sched.run(svc, name, at),
      drain: (o) => drain(sqs, pollers, tracker, o),
      health: () => health(),
      startMs,
      get dynamoPid() {
        return dynamoLaunch?.pid || undefined;
      },
      threadCpu: () => {
        const main = threadCpuMs(process.pid);
        const workers = pollers.flatMap((p) => {
          const cpuMs = p instanceof WorkerPoller ? p.cpuMs() : undefined;
          return cpuMs === undefined ? [] : [{ thread: `${p.queue.name} consumer`, cpuMs }];
        });
        return main === undefined ? workers : [{ thread: "main (gateway, HTTP functions)", cpuMs: main }, ...workers];
      },
      close() {
        closing ??= (async () => {
          state = "stopping";
          await shutdown();
        })();
        return closing;
      },
    };
    return platform;
  } catch (err) {
    await shutdown();
    throw err;
  }
}

// --- local endpoints ---------------------------------------------------------------------------------------

interface LocalDeps {
  state(): HealthReport["status"];
  health(): Promise<HealthReport>;
  issuer(): DevIssuer | undefined;
  scheduler(): LocalScheduler | undefined;
  ready: Promise<void>;
}

function isLoopback(req: IncomingMessage): boolean {
  const a = req.socket.remoteAddress ?? "";
  return a === "127.0.0.1" || a === "::1" || a === "::ffff:127.0.0.1" || a.startsWith("127.");
}

async function localEndpoint(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer, deps: LocalDeps): Promise<boolean> {
  const path = url.pathname;
  const method = req.method ?? "GET";
  if (path === "/health" && (method === "GET" || method === "HEAD")) {
    const state = deps.state();
    if (state !== "ok") {
      sendJson(res, 503, { status: state });
      return true;
    }
    const report = await deps.health();
    sendJson(res, report.status === "ok" ? 200 : 503, report);
    return true;
  }
  if (!path.startsWith("/_local/")) return false;
  await deps.ready;
  const issuer = deps.issuer()!;
  if (method === "GET" && path === "/_local/issuer/.well-known/openid-configuration") {
    sendJson(res, 200, {
      issuer: issuer.issuer,
      jwks_uri: `${issuer.issuer}/jwks.json`,
      id_token_signing_alg_values_supported: ["ES256"],
      scopes_supported: [...new Set(Object.values(ROUTE_SCOPES).flat())],
    });
    return true;
  }
  if (method === "GET" && path === "/_local/issuer/jwks.json") {
    sendJson(res, 200, issuer.jwks());
    return true;
  }
  // Everything below acts on the platform: local callers only.
  if (!isLoopback(req)) {
    sendJson(res, 403, { type: "https://siyu.dev/problems/forbidden", title: "Not allowed", status: 403, detail: "/_local endpoints answer localhost only" });
    return true;
  }
  if (method === "GET" && path === "/_local/schedules") {
    sendJson(res, 200, { schedules: deps.scheduler()?.list() ?? [] });
    return true;
  }
  const m = /^\/_local\/schedules\/([^/]+)\/([^/]+)$/.exec(path);
  if (m && method === "POST") {
    const [service, name] = [decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)];
    const started = Date.now();
    try {
      const result = await deps.scheduler()!.run(service, name);
      sendJson(res, 200, { service, schedule: name, ok: true, ms: Date.now() - started, result: result ?? null });
    } catch (err) {
      if (err instanceof UnknownScheduleError) {
        sendJson(res, 404, { type: "https://siyu.dev/problems/not-found", title: "Not found", status: 404, detail: err.message });
      } else {
        sendJson(res, err instanceof FunctionTimeoutError ? 504 : 500, {
          service,
          schedule: name,
          ok: false,
          ms: Date.now() - started,
          error: (err as Error).message ?? String(err),
        });
      }
    }
    return true;
  }
  if (method === "POST" && path === "/_local/token") {
    let input: { scopes?: unknown; expiresIn?: unknown } = {};
    try {
      input = body.length ? (JSON.parse(body.toString("utf8")) as typeof input) : {};
    } catch {
      sendJson(res, 400, { detail: "body must be JSON: { scopes: string[], expiresIn?: string }" });
      return true;
    }
    const scopes = Array.isArray(input.scopes) ? input.scopes.map(String) : [...ROUTE_SCOPES.admin];
    const token = await issuer.mint({ scopes, expiresIn: typeof input.expiresIn === "string" ? input.expiresIn : "1h" });
    sendJson(res, 200, { token, scopes });
    return true;
  }
  sendJson(res, 404, { type: "https://siyu.dev/problems/route-not-found", title: "No such route", status: 404, detail: `no local endpoint ${method} ${path}` });
  return true;
}

// --- health ---------------------------------------------------------------------------------------------

interface HealthInputs {
  state: HealthReport["status"];
  gatewayUrl: string;
  region: string;
  prefix: string;
  dynamoEndpoint: string;
  sqsEndpoint: string;
  topicArn: string;
  dynamoClient: DynamoDBClient;
  sqs: SQSClient;
  sns: SNSClient;
  simulator: RunningSimulator | undefined;
  services: Map<string, ServiceRuntime>;
  scheduler: LocalScheduler;
}

async function check<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  try {
    const value = await Promise.race([fn(), unrefSleep(2000).then(() => Promise.reject(new Error("no answer within 2 s")))]);
    return { ok: true, value };
  } catch (err) {
    return { ok: false, error: (err as Error).message ?? String(err) };
  }
}

async function buildHealth(h: HealthInputs): Promise<HealthReport> {
  const queueCounts = (url: string) =>
    check(async () => {
      const a = (
        await h.sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
        )
      ).Attributes;
      return { messages: Number(a?.ApproximateNumberOfMessages ?? 0), inFlight: Number(a?.ApproximateNumberOfMessagesNotVisible ?? 0) };
    });
  const [dynamoList, topic, sim] = await Promise.all([
    check(() => h.dynamoClient.send(new ListTablesCommand({ Limit: 1 }))),
    check(() => h.sns.send(new GetTopicAttributesCommand({ TopicArn: h.topicArn }))),
    h.simulator
      ? check(async () => {
          const r = await fetch(`${h.simulator!.url}/_sim`, { signal: AbortSignal.timeout(2000) });
          await r.arrayBuffer();
          if (r.status >= 500) throw new Error(`HTTP ${r.status}`);
        })
      : Promise.resolve(undefined),
  ]);
  const services: HealthReport["services"] = {};
  await Promise.all(
    [...h.services.values()].map(async (s) => {
      const table = await check(() => h.dynamoClient.send(new DescribeTableCommand({ TableName: s.tableName })));
      const queues: HealthReport["services"][string]["queues"] = {};
      await Promise.all(
        s.queues.map(async (q) => {
          const [main, dlq] = await Promise.all([queueCounts(q.url), queueCounts(q.dlqUrl)]);
          queues[q.spec.name] = {
            url: q.url,
            ok: main.ok && dlq.ok,
            ...(main.ok ? main.value : { error: main.error }),
            dlq: { url: q.dlqUrl, ok: dlq.ok, ...(dlq.ok ? { messages: dlq.value.messages } : {}) },
          };
        }),
      );
      const handlers: Record<string, string> = {};
      if (s.http) handlers.http = s.http.state;
      for (const [n, f] of s.consumers) handlers[`consumer:${n}`] = f.state;
      for (const [n, f] of s.schedules) handlers[`schedule:${n}`] = f.state;
      const tableOk = table.ok && table.value.Table?.TableStatus === "ACTIVE";
      services[s.manifest.name] = {
        ok: tableOk && Object.values(queues).every((q) => q.ok),
        table: { name: s.tableName, ok: tableOk, ...(table.ok ? {} : { error: table.error }) },
        queues,
        routes: (s.manifest.http?.routes ?? []).map((r) => `${routeKey(r)} (${r.auth})`),
        schedules: h.scheduler.list().filter((x) => x.service === s.manifest.name),
        handlers,
      };
    }),
  );
  const simulator: HealthReport["simulator"] = h.simulator
    ? { url: h.simulator.url, ok: Boolean(sim?.ok), ...(sim && !sim.ok ? { error: sim.error } : {}) }
    : { enabled: false };
  const ok = dynamoList.ok && topic.ok && ("enabled" in simulator || simulator.ok) && Object.values(services).every((s) => s.ok);
  return {
    status: h.state !== "ok" ? h.state : ok ? "ok" : "degraded",
    gateway: h.gatewayUrl,
    region: h.region,
    prefix: h.prefix,
    dynamodb: { endpoint: h.dynamoEndpoint, ok: dynamoList.ok, ...(dynamoList.ok ? {} : { error: dynamoList.error }) },
    sqs: { endpoint: h.sqsEndpoint },
    topic: { arn: h.topicArn, ok: topic.ok, ...(topic.ok ? {} : { error: topic.error }) },
    simulator,
    services,
  };
}

// --- drain ------------------------------------------------------------------------------------------------

async function drain(sqs: SQSClient, pollers: ConsumerPoller[], tracker: InvocationTracker, opts: DrainOptions = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  let quietRounds = 0;
  let last = "";
  for (;;) {
    const counts = await Promise.all(
      pollers.map(async (p) => {
        const a = (
          await sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: p.queue.url,
              AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
            }),
          )
        ).Attributes;
        const n =
          Number(a?.ApproximateNumberOfMessages ?? 0) + Number(a?.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(a?.ApproximateNumberOfMessagesDelayed ?? 0);
        return { name: p.queue.name, n, busy: p.busy };
      }),
    );
    const pending = counts.filter((c) => c.n > 0 || c.busy > 0);
    const quiet = pending.length === 0 && tracker.active === 0;
    quietRounds = quiet ? quietRounds + 1 : 0;
    if (quietRounds >= 2) return;
    last = `${pending.map((c) => `${c.name}: ${c.n} message(s)${c.busy ? ", a batch in progress" : ""}`).join("; ")}${tracker.active ? `; ${tracker.active} handler(s) running` : ""}`;
    if (Date.now() > deadline) {
      throw new Error(
        `drain: still busy after ${timeoutMs} ms (${last}). Failed records wait out their visibility timeout unless the platform runs with retryVisibilitySeconds.`,
      );
    }
    await sleep(quiet ? 10 : 25);
  }
}

// --- process env --------------------------------------------------------------------------------------------

/**
 * The SDK clients handlers create read their endpoints and region from process.env, which every
 * service in this process shares; only their SIYU_* variables differ (runWithEnv). One set of
 * endpoints per process, then: a second platform with other endpoints while one runs is refused.
 */
function setProcessEnv(region: string, dynamo: string, sqs: string, sns: string): () => void {
  const key = `${region}|${dynamo}|${sqs}|${sns}`;
  if (activeEndpoints && activeEndpoints.key !== key) {
    throw new Error("another local platform with different endpoints runs in this process; the AWS SDK reads endpoints from process.env, so only one set can be active");
  }
  const saved = Object.fromEntries(PROCESS_ENV_KEYS.map((k) => [k, process.env[k]]));
  const set: Record<string, string | undefined> = {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_SESSION_TOKEN: undefined,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_ENDPOINT_URL_DYNAMODB: dynamo,
    AWS_ENDPOINT_URL_SQS: sqs,
    AWS_ENDPOINT_URL_SNS: sns,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ?? "true",
  };
  for (const [k, v] of Object.entries(set)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  activeEndpoints = activeEndpoints ? { key, count: activeEndpoints.count + 1 } : { key, count: 1 };
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    if (activeEndpoints && --activeEndpoints.count > 0) return;
    activeEndpoints = undefined;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

