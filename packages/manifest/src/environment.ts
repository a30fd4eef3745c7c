import { blobPrefix } from "./blobs.ts";
import type { ServiceManifest } from "./manifest.ts";

/**
 * The environment contract between whoever deploys a function (CDK in AWS, the local platform on a
 * laptop) and the function itself. Both sides build it with `functionEnvironment`, and lambda-kit
 * parses it with zod at cold start, so the names cannot drift.
 */
export const ENV = {
  service: "SIYU_SERVICE",
  client: "SIYU_CLIENT",
  corpId: "SIYU_CORP_ID",
  timeZone: "SIYU_CORP_TIMEZONE",
  table: "SIYU_TABLE",
  topicArn: "SIYU_TOPIC_ARN",
  /** Secrets Manager secret holding `{ corpId, agentId, secret, token, encodingAesKey }` (AWS only). */
  wecomSecretArn: "SIYU_WECOM_SECRET_ARN",
  /** WeCom API base URL; the simulator's locally. */
  wecomBaseUrl: "SIYU_WECOM_BASE_URL",
  logLevel: "SIYU_LOG_LEVEL",
  maxBodyBytes: "SIYU_MAX_BODY_BYTES",
  /** How far a WeCom callback's signed timestamp may be from now, in seconds (optional; default 300). */
  callbackWindowSeconds: "SIYU_CALLBACK_WINDOW_SECONDS",
  /** Public base URL of the HTTP API (for landing pages and links). */
  publicBaseUrl: "SIYU_PUBLIC_BASE_URL",
  /** The manifest's `secrets`, comma-separated: a function checks at cold start that each is configured. */
  secrets: "SIYU_SECRETS",
  /** The API's `$default` fallback: every declared route key as a JSON array (for 405 vs 404). */
  routes: "SIYU_ROUTES",
  /** The S3 bucket of uploaded media (AWS); only services whose manifest declares `blobs` get it. */
  blobBucket: "SIYU_BLOB_BUCKET",
  /** The key prefix the service may use (`<service>/`, `blobPrefix`): IAM, or the local gateway, allows no other. */
  blobPrefix: "SIYU_BLOB_PREFIX",
  /** The manifest's `blobs.maxBytes`: the largest upload the service may grant. */
  blobMaxBytes: "SIYU_BLOB_MAX_BYTES",
  /** Local platform, instead of a bucket: the folder holding the blobs. */
  blobLocalDir: "SIYU_BLOB_LOCAL_DIR",
  /** Local platform: the gateway's upload endpoint (`<gateway>/_local/blobs`) that upload URLs point at. */
  blobLocalUrl: "SIYU_BLOB_LOCAL_URL",
  /** Local platform: the key of the upload URLs' HMAC (random per platform; the gateway checks it). */
  blobLocalSecret: "SIYU_BLOB_LOCAL_SECRET",
} as const;

/** `intake` → `SIYU_QUEUE_INTAKE`; `dispatch-retry` → `SIYU_QUEUE_DISPATCH_RETRY`. */
export function queueEnvName(queueName: string): string {
  return `SIYU_QUEUE_${queueName.toUpperCase().replace(/-/g, "_")}`;
}

/** Dead-letter queue of a queue: consumers park records that can never succeed there, with a reason. */
export function dlqEnvName(queueName: string): string {
  return `SIYU_DLQ_${queueName.toUpperCase().replace(/-/g, "_")}`;
}

/** How a queue's consumer retries: `{ maxReceives, visibilitySeconds, backoffSeconds }` as JSON. */
export function queuePolicyEnvName(queueName: string): string {
  return `SIYU_QUEUE_POLICY_${queueName.toUpperCase().replace(/-/g, "_")}`;
}

/** What a consumer knows of its queue's redrive and retry rules (from the manifest, through the environment). */
export interface QueuePolicy {
  /** The receive on which SQS would move a message to the DLQ: the consumer parks it with its reason instead. */
  maxReceives: number;
  visibilitySeconds: number;
  backoffSeconds: number;
}

export interface DeployedResources {
  client: string;
  corpId: string;
  timeZone: string;
  tableName: string;
  topicArn: string;
  /** Queue URL by the manifest's queue name. */
  queueUrls: Record<string, string>;
  /** DLQ URL by the manifest's queue name (its consumer parks poison records there). */
  dlqUrls?: Record<string, string>;
  wecomSecretArn?: string;
  wecomBaseUrl?: string;
  publicBaseUrl?: string;
  logLevel?: string;
  /** Where opted-in services keep blobs: the stack's bucket in AWS, a folder behind the gateway locally. */
  blobs?: BlobResources;
}

export type BlobResources = { bucket: string } | { localDir: string; localUrl: string; localSecret: string };

export function functionEnvironment(manifest: ServiceManifest, res: DeployedResources): Record<string, string> {
  const env: Record<string, string> = {
    [ENV.service]: manifest.name,
    [ENV.client]: res.client,
    [ENV.corpId]: res.corpId,
    [ENV.timeZone]: res.timeZone,
    [ENV.table]: res.tableName,
    [ENV.topicArn]: res.topicArn,
    [ENV.logLevel]: res.logLevel ?? "info",
  };
  if (manifest.http) env[ENV.maxBodyBytes] = String(manifest.http.maxBodyBytes);
  for (const q of manifest.queues) {
    const url = res.queueUrls[q.name];
    if (!url) throw new Error(`no queue URL for ${manifest.name}/${q.name}`);
    env[queueEnvName(q.name)] = url;
    const policy: QueuePolicy = { maxReceives: q.maxReceiveCount, visibilitySeconds: q.visibilityTimeoutSeconds, backoffSeconds: q.retryBackoffSeconds };
    env[queuePolicyEnvName(q.name)] = JSON.stringify(policy);
    const dlq = res.dlqUrls?.[q.name];
    if (dlq) env[dlqEnvName(q.name)] = dlq;
  }
  if (manifest.secrets.length > 0) env[ENV.secrets] = manifest.secrets.join(",");
  if (manifest.secrets.includes("wecom")) {
    if (res.wecomSecretArn) env[ENV.wecomSecretArn] = res.wecomSecretArn;
    if (res.wecomBaseUrl) env[ENV.wecomBaseUrl] = res.wecomBaseUrl;
  }
  if (res.publicBaseUrl) env[ENV.publicBaseUrl] = res.publicBaseUrl;
  if (manifest.blobs) {
    if (!res.blobs) throw new Error(`no blob storage for ${manifest.name} (its manifest declares blobs)`);
    env[ENV.blobPrefix] = blobPrefix(manifest.name);
    env[ENV.blobMaxBytes] = String(manifest.blobs.maxBytes);
    if ("bucket" in res.blobs) {
      env[ENV.blobBucket] = res.blobs.bucket;
    } else {
      env[ENV.blobLocalDir] = res.blobs.localDir;
      env[ENV.blobLocalUrl] = res.blobs.localUrl;
      env[ENV.blobLocalSecret] = res.blobs.localSecret;
    }
  }
  return env;
}
