import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, isAbsolute, join, relative } from "node:path";
import { DEFAULT_TIMEZONE, isValidTimeZone } from "@siyu/kernel";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import * as z from "zod";

/**
 * One client brand = one WeCom corp = one stack. Each `infra/clients/<name>.json` is validated here;
 * a bad file fails synth with the file and the field path in the message.
 */

const kebab = z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, "kebab-case: lowercase letters, digits and dashes");

/** The retention values CloudWatch Logs (and CDK's `RetentionDays`) accept; 9999 = never expire. */
export const LOG_RETENTION_DAYS = Object.values(RetentionDays).filter((v): v is number => typeof v === "number");

const httpsUrl = z.url({ abort: true }).refine((u) => u.startsWith("https://"), "must be an https:// URL");

const jwtAuthSchema = z.strictObject({
  /** OIDC issuer; API Gateway fetches `<issuer>/.well-known/openid-configuration`. */
  issuer: httpsUrl,
  /** Accepted `aud` (or, for Cognito access tokens, `client_id`) values. */
  audience: z.array(z.string().min(1)).min(1),
});

const cognitoAuthSchema = z.strictObject({
  create: z.literal(true),
  /** Hosted domain: `https://<domainPrefix>.auth.<region>.amazoncognito.com`. */
  domainPrefix: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, "1-63 lowercase letters, digits and dashes, not starting or ending with a dash")
    .refine((p) => !/aws|amazon|cognito/.test(p), "may not contain aws, amazon or cognito"),
  /** Callback URLs of the operators' console; when set, a console app client (authorization code) is created. */
  callbackUrls: z.array(httpsUrl).default([]),
  logoutUrls: z.array(httpsUrl).default([]),
});

const authSchema = z
  .strictObject({ jwt: jwtAuthSchema.optional(), cognito: cognitoAuthSchema.optional() })
  .refine((a) => Boolean(a.jwt) !== Boolean(a.cognito), "exactly one of auth.jwt or auth.cognito");

/** The operators' console hosted by the stack (S3 + CloudFront), signing in through the client's auth. */
const consoleSchema = z.strictObject({
  enabled: z.boolean().default(false),
  /**
   * The console's OIDC client at `auth.jwt.issuer`: a public client (no secret) allowed the
   * authorization code flow with PKCE and the redirect URI `https://<console domain>/console/`.
   * Required with `auth.jwt`; with `auth.cognito` the stack creates the client.
   */
  clientId: z.string().min(1).max(256).optional(),
  /** The scopes the console asks for. A page whose route needs `siyu/admin` answers 403 to a token without it. */
  scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, "a scope token (printable, no spaces or quotes)")).min(1).default(["openid", "profile", "siyu/operator"]),
});

export const clientConfigSchema = z.strictObject({
  /** Kebab-case; equals the file name; the stack is `Siyu-<name>`. */
  name: kebab.max(40),
  description: z.string().default(""),
  /** WeCom corp id (企业ID). */
  corpId: z.string().regex(/^[A-Za-z0-9_-]{4,64}$/, "a WeCom corp id like ww0123456789abcdef"),
  /** WeCom self-built app agent id (AgentId). */
  agentId: z.union([z.number().int().positive(), z.string().regex(/^\d+$/, "digits")]).transform(String),
  /** IANA timezone of the corp: day boundaries and the default timezone of schedules. */
  timeZone: z.string().default(DEFAULT_TIMEZONE).refine(isValidTimeZone, "not an IANA timezone (e.g. Asia/Shanghai)"),
  /** Existing Secrets Manager secret with `{corpId, agentId, secret, token, encodingAesKey}`; never created here. */
  wecomSecretName: z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, "a Secrets Manager secret name"),
  /** Customer-managed KMS key of that secret, if it is not encrypted with aws/secretsmanager. */
  wecomSecretKmsKeyArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, "a KMS key ARN")
    .optional(),
  /** WeCom API base URL (default: the official https://qyapi.weixin.qq.com used by the WeCom client). */
  wecomBaseUrl: httpsUrl.optional(),
  /** Receives DLQ alarms (SNS email subscription: confirm the email after the first deploy). */
  alarmEmail: z.email(),
  auth: authSchema,
  console: consoleSchema.default({ enabled: false, scopes: ["openid", "profile", "siyu/operator"] }),
  /** Browser origins allowed to call the API (CORS), e.g. the operators' console. Default: none (the hosted console's own origin is added by the stack). */
  corsOrigins: z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, "an origin like https://console.example.com (no path)")).default([]),
  logRetentionDays: z
    .number()
    .int()
    .refine((d) => LOG_RETENTION_DAYS.includes(d), `one of ${LOG_RETENTION_DAYS.join(", ")}`)
    .default(90),
  /** `retain` keeps tables, the user pool, the key and log groups when the stack is deleted. */
  removalPolicy: z.enum(["retain", "destroy"]).default("retain"),
  logLevel: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** AWS X-Ray active tracing on every function (WeCom calls are subsegments). */
  tracing: z.boolean().default(true),
  /**
   * API Gateway throttling, requests per second (steady) and burst: every route, and tighter on the
   * public routes (WeCom callbacks, landing pages, the 404 fallback), which anyone can call.
   */
  throttling: z
    .strictObject({
      rateLimit: z.number().positive().max(10_000).default(200),
      burstLimit: z.number().int().positive().max(5_000).default(400),
      publicRateLimit: z.number().positive().max(10_000).default(50),
      publicBurstLimit: z.number().int().positive().max(5_000).default(100),
    })
    .default({ rateLimit: 200, burstLimit: 400, publicRateLimit: 50, publicBurstLimit: 100 }),
  /**
   * Reserved concurrency of each function that serves a public route: at most this many run at once,
   * so a flood on a landing page cannot take the account's concurrency from the contact-intake
   * consumer. `null` reserves none (needed where the account's concurrency quota is still 10).
   */
  publicConcurrency: z.number().int().min(1).max(1000).nullable().default(20),
  env: z
    .strictObject({
      account: z.string().regex(/^\d{12}$/, "a 12-digit AWS account id").optional(),
      region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "an AWS region like ap-east-1").optional(),
    })
    .default({}),
});

/** Rules across fields, reported at the field to change. */
function crossCheck(c: z.output<typeof clientConfigSchema>, ctx: z.RefinementCtx): void {
  for (const [pub, all] of [["publicRateLimit", "rateLimit"], ["publicBurstLimit", "burstLimit"]] as const) {
    if (c.throttling[pub] > c.throttling[all]) {
      ctx.addIssue({ code: "custom", path: ["throttling", pub], message: `public routes are throttled at most as loosely as the rest: ${pub} (${c.throttling[pub]}) must not exceed ${all} (${c.throttling[all]})` });
    }
  }
  if (c.console.enabled && c.auth.jwt && c.console.clientId === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["console", "clientId"],
      message: "the hosted console signs in at auth.jwt.issuer: register a public OIDC client there (authorization code + PKCE, redirect https://<console domain>/console/) and give its id",
    });
  }
  if (c.auth.cognito && c.console.clientId !== undefined) {
    ctx.addIssue({ code: "custom", path: ["console", "clientId"], message: "with auth.cognito the stack creates the console's client; leave console.clientId out" });
  }
}

const checkedClientConfigSchema = clientConfigSchema.superRefine(crossCheck);

export type ClientConfig = z.output<typeof clientConfigSchema>;
export type ClientConfigInput = z.input<typeof clientConfigSchema>;

export class ClientConfigError extends Error {
  override name = "ClientConfigError";
}

/** Shows a path relative to the repository root when it is inside it, absolute otherwise. */
function displayPath(file: string, repoRoot: string): string {
  const rel = relative(repoRoot, file);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : file;
}

/** Parses one client object; `source` names the file in error messages. */
export function parseClientConfig(raw: unknown, source: string, expectedName?: string): ClientConfig {
  const parsed = checkedClientConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${source}: ${i.path.map(String).join(".") || "(root)"}: ${i.message}`);
    throw new ClientConfigError(lines.join("\n"));
  }
  if (expectedName !== undefined && parsed.data.name !== expectedName) {
    throw new ClientConfigError(`${source}: name: "${parsed.data.name}" must equal the file name "${expectedName}"`);
  }
  return parsed.data;
}

/** Reads and validates one client file. */
export function loadClientConfig(file: string, repoRoot: string): ClientConfig {
  const source = displayPath(file, repoRoot);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ClientConfigError(`${source}: (root): not valid JSON: ${(error as Error).message}`);
  }
  return parseClientConfig(raw, source, basename(file, ".json"));
}

/** Every `*.json` in `dir`, sorted by name. All files are validated; all errors are reported together. */
export function loadClientConfigs(dir: string, repoRoot: string): ClientConfig[] {
  if (!existsSync(dir)) throw new ClientConfigError(`${displayPath(dir, repoRoot)}: no such directory`);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort();
  if (files.length === 0) throw new ClientConfigError(`${displayPath(dir, repoRoot)}: no client files (*.json)`);
  const configs: ClientConfig[] = [];
  const errors: string[] = [];
  for (const f of files) {
    try {
      configs.push(loadClientConfig(join(dir, f), repoRoot));
    } catch (error) {
      if (!(error instanceof ClientConfigError)) throw error;
      errors.push(error.message);
    }
  }
  if (errors.length > 0) throw new ClientConfigError(errors.join("\n"));
  return configs;
}
