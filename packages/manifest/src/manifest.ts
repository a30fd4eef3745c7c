import * as z from "zod";
import { eventTypes, type EventType } from "@siyu/kernel";
import { BLOB_MAX_BYTES_DEFAULT, BLOB_MAX_BYTES_LIMIT } from "./blobs.ts";

/**
 * A service manifest is the one typed declaration of everything a service needs. Infra (CDK) and the
 * local platform both build resources from it; neither keeps its own list.
 * Entry paths (`entry`, `consumer`, `handler`) are relative to the service's folder and export `handler`.
 */

const kebab = z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, "kebab-case: lowercase letters, digits and dashes");
const attr = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an attribute name");
const entry = z.string().regex(/^src\/.+\.ts$/, "a path under src/ ending in .ts");

export const AUTH_MODES = ["public", "admin", "operator"] as const;
export type AuthMode = (typeof AUTH_MODES)[number];
export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

const routeSchema = z.object({
  method: z.enum(HTTP_METHODS),
  /** API Gateway style: `/v1/channels/{channelId}`; the greedy `{proxy+}` is not used. */
  path: z.string().regex(/^(\/([A-Za-z0-9_.-]+|\{[A-Za-z][A-Za-z0-9]*\}))+$|^\/$/, "a path like /v1/items/{id}"),
  auth: z.enum(AUTH_MODES),
  /** Operation name, for logs and docs. */
  name: z.string().min(1),
});

const gsiSchema = z.object({ name: kebab.or(z.string().regex(/^[a-z][a-z0-9]*$/)), partitionKey: attr, sortKey: attr.optional() });

const tableSchema = z.object({
  partitionKey: attr,
  sortKey: attr.optional(),
  gsis: z.array(gsiSchema).max(20).default([]),
  ttlAttribute: attr.optional(),
});

const queueSchema = z
  .object({
    name: kebab,
    consumer: entry,
    batchSize: z.number().int().min(1).max(10_000).default(10),
    /** Seconds SQS waits to gather a batch (0 = deliver at once). */
    maxBatchingWindowSeconds: z.number().int().min(0).max(300).default(0),
    visibilityTimeoutSeconds: z.number().int().min(1).max(43_200).default(60),
    /** Receives before a message is moved to the queue's DLQ. */
    maxReceiveCount: z.number().int().min(1).max(1000).default(5),
    /**
     * A record that failed with a transient error comes back after this many seconds, doubling per
     * receive and capped at the visibility timeout (the consumer sets the visibility itself), instead
     * of waiting out the whole visibility timeout every time.
     */
    retryBackoffSeconds: z.number().int().min(0).max(900).default(2),
    fifo: z.boolean().default(false),
    /** Consumer Lambda timeout; must be below the visibility timeout. */
    timeoutSeconds: z.number().int().min(1).max(900).default(30),
    /** Domain event types delivered to this queue from the topic (filter policy on `type`). */
    subscribes: z.array(z.string()).default([]),
  })
  .refine((q) => q.timeoutSeconds < q.visibilityTimeoutSeconds, {
    message: "timeoutSeconds must be below visibilityTimeoutSeconds",
    path: ["timeoutSeconds"],
  })
  .refine((q) => !(q.fifo && q.subscribes.length > 0), {
    message: "a FIFO queue cannot subscribe to the standard topic",
    path: ["subscribes"],
  });

const scheduleSchema = z.object({
  name: kebab,
  handler: entry,
  /** EventBridge Scheduler expression: `cron(m h dom mon dow year)` or `rate(n unit)`. */
  expression: z
    .string()
    .regex(/^(cron\(\S+ \S+ \S+ \S+ \S+ \S+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/, "cron(m h dom mon dow year) or rate(n unit)"),
  /** IANA timezone; default: the client's corp timezone. */
  timeZone: z.string().optional(),
  timeoutSeconds: z.number().int().min(1).max(900).default(60),
  description: z.string().default(""),
});

/**
 * Blob storage for uploaded media (an operator's image or video, read back when a task runs). Only a
 * service that declares it gets the bucket (locally: the folder), and only its own `<service>/` keys.
 */
const blobsSchema = z.strictObject({
  /** The largest upload the service may grant (a presigned URL's `maxBytes` is capped by it). */
  maxBytes: z.number().int().min(1).max(BLOB_MAX_BYTES_LIMIT).default(BLOB_MAX_BYTES_DEFAULT),
});

/**
 * An alarm on the service's own metrics (lambda-kit's `metric()`, namespace Siyu, dimensions service
 * and client): the sum of `metrics` over `periodMinutes` above `threshold` notifies the client's alarm
 * topic. E.g. welcome failures and expiries of contact intake.
 */
const metricAlarmSchema = z.strictObject({
  name: kebab,
  description: z.string().min(1),
  metrics: z.array(z.string().regex(/^[A-Z][A-Za-z0-9]*$/, "a metric name like WelcomeFailed")).min(1).max(9),
  threshold: z.number().min(0),
  periodMinutes: z.number().int().min(1).max(60).default(5),
});

export const SECRET_KINDS = ["wecom"] as const;
export type SecretKind = (typeof SECRET_KINDS)[number];

export const manifestSchema = z
  .object({
    name: kebab,
    description: z.string().min(1),
    table: tableSchema,
    http: z
      .object({
        entry,
        routes: z.array(routeSchema).min(1),
        /** Largest accepted request body, bytes. */
        maxBodyBytes: z.number().int().min(1).max(6_000_000).default(256 * 1024),
        timeoutSeconds: z.number().int().min(1).max(29).default(10),
      })
      .optional(),
    queues: z.array(queueSchema).default([]),
    schedules: z.array(scheduleSchema).default([]),
    publishes: z.array(z.string()).default([]),
    secrets: z.array(z.enum(SECRET_KINDS)).default([]),
    blobs: blobsSchema.optional(),
    alarms: z.array(metricAlarmSchema).default([]),
    memoryMb: z.number().int().min(128).max(10_240).default(512),
  })
  .superRefine((m, ctx) => {
    const known = new Set<string>(eventTypes);
    m.publishes.forEach((t, i) => {
      if (!known.has(t)) ctx.addIssue({ code: "custom", path: ["publishes", i], message: `unknown event type ${t}` });
    });
    m.queues.forEach((q, qi) => {
      q.subscribes.forEach((t, i) => {
        if (!known.has(t)) ctx.addIssue({ code: "custom", path: ["queues", qi, "subscribes", i], message: `unknown event type ${t}` });
      });
    });
    const names = new Set<string>();
    m.queues.forEach((q, i) => {
      if (names.has(q.name)) ctx.addIssue({ code: "custom", path: ["queues", i, "name"], message: "duplicate queue name" });
      names.add(q.name);
    });
    const routes = new Set<string>();
    m.http?.routes.forEach((r, i) => {
      const key = routeShape(r);
      if (routes.has(key)) ctx.addIssue({ code: "custom", path: ["http", "routes", i], message: `duplicate route ${key}` });
      routes.add(key);
    });
  });

export type ServiceManifestInput = z.input<typeof manifestSchema> & {
  publishes?: EventType[];
  queues?: (z.input<typeof queueSchema> & { subscribes?: EventType[] })[];
};
export type ServiceManifest = z.output<typeof manifestSchema>;
export type RouteSpec = ServiceManifest extends { http?: { routes: (infer R)[] } } ? R : never;
export type QueueSpec = ServiceManifest["queues"][number];
export type ScheduleSpec = ServiceManifest["schedules"][number];
export type TableSpec = ServiceManifest["table"];
export type BlobsSpec = NonNullable<ServiceManifest["blobs"]>;

export class ManifestError extends Error {}

/** Declare a service. Validates at import time so a broken manifest fails synth, dev and tests alike. */
export function defineService(input: ServiceManifestInput): ServiceManifest {
  const parsed = manifestSchema.safeParse(input);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new ManifestError(`service manifest ${String((input as { name?: unknown }).name)} is invalid: ${detail}`);
  }
  return parsed.data;
}

/**
 * JWT scopes that open a route, by its auth mode. API Gateway's JWT authorizer checks them in AWS
 * (route authorizationScopes: any one suffices) and the local gateway checks the same list.
 * With a Cognito pool these are the resource server `siyu`'s scopes `admin` and `operator`.
 */
export const ROUTE_SCOPES: Record<Exclude<AuthMode, "public">, readonly string[]> = {
  admin: ["siyu/admin"],
  operator: ["siyu/operator", "siyu/admin"],
};

/** API Gateway's route key for a route: `GET /v1/items/{id}`. */
export function routeKey(route: { method: string; path: string }): string {
  return `${route.method} ${route.path}`;
}

/**
 * A route as API Gateway matches it: parameter names do not take part, so `GET /v1/x/{id}` and
 * `GET /v1/x/{key}` are one route.
 * @example routeShape({ method: "GET", path: "/v1/x/{id}" }) // "GET /v1/x/{}"
 */
export function routeShape(route: { method: string; path: string }): string {
  return `${route.method} ${route.path.replace(/\{[^}]+\}/g, "{}")}`;
}
