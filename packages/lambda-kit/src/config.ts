import { DEFAULT_TIMEZONE, isValidTimeZone } from "@siyu/kernel";
import { BLOB_MAX_BYTES_DEFAULT, dlqEnvName, ENV, type QueuePolicy, queueEnvName, queuePolicyEnvName } from "@siyu/manifest";
import type { BlobSettings } from "@siyu/store";
import * as z from "zod";
import { countWecomErrors } from "./metrics.ts";
import { currentEnv } from "./runtime-env.ts";
import { traceWecomCalls } from "./xray.ts";

/**
 * The function's configuration, parsed with zod from its environment on first use (cold start) and
 * cached per environment. A missing or malformed variable fails loudly, naming the variable.
 */
const configSchema = z.object({
  [ENV.service]: z.string().min(1),
  [ENV.client]: z.string().min(1).default("local"),
  [ENV.corpId]: z.string().min(1),
  [ENV.timeZone]: z.string().default(DEFAULT_TIMEZONE).refine(isValidTimeZone, "not an IANA timezone"),
  [ENV.table]: z.string().min(1),
  [ENV.topicArn]: z.string().min(1),
  [ENV.logLevel]: z.enum(["debug", "info", "warn", "error"]).default("info"),
  [ENV.maxBodyBytes]: z.coerce.number().int().positive().default(256 * 1024),
  [ENV.callbackWindowSeconds]: z.coerce.number().int().positive().optional(),
  [ENV.wecomBaseUrl]: z.url().optional(),
  [ENV.wecomSecretArn]: z.string().optional(),
  [ENV.publicBaseUrl]: z.url().optional(),
  [ENV.blobBucket]: z.string().min(1).optional(),
  [ENV.blobPrefix]: z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*\/$/, "<service>/").optional(),
  [ENV.blobMaxBytes]: z.coerce.number().int().positive().default(BLOB_MAX_BYTES_DEFAULT),
  [ENV.blobLocalDir]: z.string().min(1).optional(),
  [ENV.blobLocalUrl]: z.url().optional(),
  [ENV.blobLocalSecret]: z.string().min(32).optional(),
});

export interface RuntimeConfig {
  service: string;
  client: string;
  corpId: string;
  timeZone: string;
  table: string;
  topicArn: string;
  logLevel: "debug" | "info" | "warn" | "error";
  maxBodyBytes: number;
  /** Replay window of WeCom callbacks in seconds; undefined = @siyu/wecom's CALLBACK_WINDOW_SECONDS. */
  callbackWindowSeconds: number | undefined;
  wecomBaseUrl: string | undefined;
  wecomSecretArn: string | undefined;
  publicBaseUrl: string | undefined;
  /** Blob storage (the stack's bucket, or the local folder), when the manifest declares `blobs`; for @siyu/store's `blobStore`. */
  blobs?: BlobSettings | undefined;
  /** The whole environment, for service-specific settings. */
  env: Readonly<Record<string, string | undefined>>;
  /** URL of one of this service's queues, by manifest name; throws if the function has none. */
  queueUrl(name: string): string;
  /** URL of a queue's DLQ, when the deployment provides it. */
  dlqUrl(name: string): string | undefined;
  /** A queue's redrive and retry rules, when the deployment provides them. */
  queuePolicy(name: string): QueuePolicy | undefined;
}

const queuePolicySchema = z.object({
  maxReceives: z.number().int().positive(),
  visibilitySeconds: z.number().int().positive(),
  backoffSeconds: z.number().int().nonnegative(),
});

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** In AWS Lambda (its runtime sets these), never locally. */
export function runsInLambda(env: Readonly<Record<string, string | undefined>>): boolean {
  return Boolean(env.AWS_LAMBDA_FUNCTION_NAME || env.AWS_EXECUTION_ENV);
}

/**
 * A deployed function whose service reads the WeCom secret must have it: in Lambda without
 * SIYU_WECOM_SECRET_ARN (or explicit SIYU_WECOM_* values) it fails here, at cold start, naming what is
 * missing, and never goes on to the development credentials.
 */
function checkSecretsConfigured(env: Readonly<Record<string, string | undefined>>): void {
  const secrets = (env[ENV.secrets] ?? "").split(",").filter(Boolean);
  if (!secrets.includes("wecom") || !runsInLambda(env)) return;
  if (env[ENV.wecomSecretArn] || env.SIYU_WECOM_SECRET) return;
  throw new ConfigError(
    `WeCom credentials missing: ${env[ENV.service] ?? "this function"} runs in AWS Lambda and its service reads the "wecom" secret, ` +
      `but ${ENV.wecomSecretArn} is not set (nor the SIYU_WECOM_* variables); set wecomSecretName in the client file and deploy again`,
  );
}

/**
 * Where the blobs are: SIYU_BLOB_BUCKET in AWS, SIYU_BLOB_LOCAL_* on the local platform (the deployer
 * sets one or the other, never both), nothing when the service declares no blobs.
 */
function blobSettings(c: z.output<typeof configSchema>): BlobSettings | undefined {
  const bucket = c[ENV.blobBucket];
  const dir = c[ENV.blobLocalDir];
  if (!bucket && !dir) return undefined;
  if (bucket && dir) throw new ConfigError(`${ENV.blobBucket} and ${ENV.blobLocalDir} are both set: a function has one blob storage`);
  const prefix = c[ENV.blobPrefix];
  if (!prefix) throw new ConfigError(`${ENV.blobPrefix} is not set beside ${bucket ? ENV.blobBucket : ENV.blobLocalDir}`);
  const maxBytes = c[ENV.blobMaxBytes];
  if (bucket) return { mode: "s3", bucket, prefix, maxBytes };
  const uploadUrl = c[ENV.blobLocalUrl];
  const secret = c[ENV.blobLocalSecret];
  if (!uploadUrl || !secret) throw new ConfigError(`${ENV.blobLocalDir} needs ${ENV.blobLocalUrl} and ${ENV.blobLocalSecret}`);
  return { mode: "local", dir: dir!, uploadUrl, secret, prefix, maxBytes };
}

const cache = new WeakMap<object, RuntimeConfig>();

export function runtimeConfig(): RuntimeConfig {
  const env = currentEnv();
  const cached = cache.get(env);
  if (cached) return cached;
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigError(`invalid function environment: ${detail}`);
  }
  const c = parsed.data;
  checkSecretsConfigured(env);
  const policies = new Map<string, QueuePolicy>();
  const config: RuntimeConfig = {
    service: c[ENV.service],
    client: c[ENV.client],
    corpId: c[ENV.corpId],
    timeZone: c[ENV.timeZone],
    table: c[ENV.table],
    topicArn: c[ENV.topicArn],
    logLevel: c[ENV.logLevel],
    maxBodyBytes: c[ENV.maxBodyBytes],
    callbackWindowSeconds: c[ENV.callbackWindowSeconds],
    wecomBaseUrl: c[ENV.wecomBaseUrl],
    wecomSecretArn: c[ENV.wecomSecretArn],
    publicBaseUrl: c[ENV.publicBaseUrl],
    blobs: blobSettings(c),
    env,
    queueUrl(name) {
      const url = env[queueEnvName(name)];
      if (!url) throw new ConfigError(`${queueEnvName(name)} is not set: queue "${name}" is not one of ${c[ENV.service]}'s queues`);
      return url;
    },
    dlqUrl: (name) => env[dlqEnvName(name)] || undefined,
    queuePolicy(name) {
      if (policies.has(name)) return policies.get(name);
      const raw = env[queuePolicyEnvName(name)];
      if (!raw) return undefined;
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        throw new ConfigError(`${queuePolicyEnvName(name)} is not JSON`);
      }
      const p = queuePolicySchema.safeParse(json);
      if (!p.success) throw new ConfigError(`${queuePolicyEnvName(name)} is invalid: ${p.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
      policies.set(name, p.data);
      return p.data;
    },
  };
  cache.set(env, config);
  return config;
}

/**
 * In Lambda, read and check the configuration when the handler module loads, so a missing secret or
 * variable fails the function's init (cold start) with its message instead of its first request.
 * Locally the platform gives each invocation its own environment, so nothing is read here.
 */
export function configureAtColdStart(): void {
  countWecomErrors();
  traceWecomCalls();
  if (runsInLambda(process.env)) runtimeConfig();
}
