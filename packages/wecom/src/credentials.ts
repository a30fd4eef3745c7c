/**
 * Where the WeCom app credentials come from: environment variables (local dev, tests) or a
 * Secrets Manager JSON secret (AWS), cached per container. The dev defaults are for local runs only.
 */
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { Clock } from "@siyu/kernel";
import * as z from "zod";
import type { CallbackKeys } from "./crypto.ts";

export interface WecomCredentials {
  corpId: string;
  agentId: string;
  /** Secret of the self-built app configured for customer contact (§0). */
  secret: string;
  /** Callback Token. */
  token: string;
  /** Callback EncodingAESKey, 43 chars. */
  encodingAesKey: string;
}

export type CredentialsProvider = () => Promise<WecomCredentials>;

/**
 * Development credentials, shared with the local WeCom simulator. Not secret and never valid
 * against real WeCom: a real corp id starts with "ww" followed by 16 hex digits.
 */
export const DEV_WECOM_CREDENTIALS: Readonly<WecomCredentials> = Object.freeze({
  corpId: "wwsiyudev0000001",
  agentId: "1000002",
  secret: "siyu-dev-secret-not-for-production",
  token: "siyudevtoken",
  encodingAesKey: "SiyuDevCallbackAesKey0123456789abcdefghijkl",
});

export const WecomCredentialsSchema = z.object({
  corpId: z.string().min(1),
  // Agent ids are numbers in WeCom's console; accept either form and keep a string.
  agentId: z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative().transform(String)]),
  secret: z.string().min(1),
  token: z.string().min(1),
  encodingAesKey: z.string().regex(/^[A-Za-z0-9]{43}$/, "must be 43 characters of [A-Za-z0-9]"),
});

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
}

/** Callback crypto keys of an app: the ReceiveId of a self-built app is the corp id (§12). */
export function callbackKeysOf(c: WecomCredentials): CallbackKeys {
  return { token: c.token, encodingAesKey: c.encodingAesKey, receiveId: c.corpId };
}

export const WECOM_ENV = {
  corpId: "SIYU_WECOM_CORP_ID",
  agentId: "SIYU_WECOM_AGENT_ID",
  secret: "SIYU_WECOM_SECRET",
  token: "SIYU_WECOM_TOKEN",
  encodingAesKey: "SIYU_WECOM_AES_KEY",
} as const satisfies Record<keyof WecomCredentials, string>;

/** The function environment's name for the Secrets Manager secret (`ENV.wecomSecretArn` in @siyu/manifest). */
export const WECOM_SECRET_ARN_ENV = "SIYU_WECOM_SECRET_ARN";

/**
 * Whether this environment is a Lambda function's: the Lambda runtime always sets
 * AWS_LAMBDA_FUNCTION_NAME and AWS_EXECUTION_ENV. The local platform sets AWS_LAMBDA_FUNCTION_NAME
 * too (it runs handlers as Lambda would) and passes every SIYU_WECOM_* variable explicitly.
 */
export function runsInLambda(env: Readonly<Record<string, string | undefined>>): boolean {
  return Boolean(env.AWS_LAMBDA_FUNCTION_NAME) || (env.AWS_EXECUTION_ENV ?? "").startsWith("AWS_Lambda");
}

/**
 * Reads SIYU_WECOM_CORP_ID, SIYU_WECOM_AGENT_ID, SIYU_WECOM_SECRET, SIYU_WECOM_TOKEN and
 * SIYU_WECOM_AES_KEY. With none of them set, returns DEV_WECOM_CREDENTIALS, except in Lambda
 * (`runsInLambda`), where it throws: a deployed function without its secret must fail at cold start,
 * not answer callbacks signed with the public dev token. With some but not all set it throws:
 * mixing real values with dev defaults would fail later in confusing ways (bad signatures), so it
 * fails at cold start instead. Values are validated immediately.
 */
export function envCredentials(env: Readonly<Record<string, string | undefined>> = process.env): CredentialsProvider {
  const names = Object.entries(WECOM_ENV) as [keyof WecomCredentials, string][];
  const present = names.filter(([, name]) => env[name] !== undefined && env[name] !== "");
  let creds: WecomCredentials;
  if (present.length === 0) {
    if (runsInLambda(env)) {
      const fn = env.AWS_LAMBDA_FUNCTION_NAME ? `function ${env.AWS_LAMBDA_FUNCTION_NAME}` : "this function";
      throw new Error(
        `WeCom credentials missing: ${fn} runs in AWS Lambda but ${WECOM_SECRET_ARN_ENV} is not set (nor the SIYU_WECOM_* variables). ` +
          'Development credentials are never used in Lambda: declare secrets: ["wecom"] in the service manifest and deploy with the client\'s wecomSecretName.',
      );
    }
    creds = { ...DEV_WECOM_CREDENTIALS };
  } else {
    const missing = names.filter(([, name]) => env[name] === undefined || env[name] === "").map(([, name]) => name);
    if (missing.length > 0) {
      throw new Error(`WeCom credentials: set all of the SIYU_WECOM_* variables or none; missing ${missing.join(", ")}`);
    }
    const parsed = WecomCredentialsSchema.safeParse(Object.fromEntries(names.map(([key, name]) => [key, env[name]])));
    if (!parsed.success) throw new Error(`WeCom credentials from environment are invalid: ${describe(parsed.error)}`);
    creds = parsed.data;
  }
  return async () => ({ ...creds });
}

/** Parses the Secrets Manager secret `{corpId, agentId, secret, token, encodingAesKey}`. */
export function parseCredentialsSecret(secretString: string): WecomCredentials {
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    // Never echo the secret text into the error.
    throw new Error("WeCom credentials secret is not valid JSON");
  }
  const parsed = WecomCredentialsSchema.safeParse(json);
  if (!parsed.success) throw new Error(`WeCom credentials secret is invalid: ${describe(parsed.error)}`);
  return parsed.data;
}

export const CREDENTIALS_CACHE_MS = 5 * 60 * 1000;

/**
 * Caches a provider's result for `ttlMs` (single-flight: concurrent callers share one load).
 * A failed load is not cached, so the next call tries again.
 */
export function cacheCredentials(
  load: () => Promise<WecomCredentials>,
  opts: { ttlMs?: number; clock?: Clock } = {},
): CredentialsProvider {
  const ttl = opts.ttlMs ?? CREDENTIALS_CACHE_MS;
  const now = () => (opts.clock ? opts.clock.now().getTime() : Date.now());
  let value: WecomCredentials | undefined;
  let loadedAt = 0;
  let inflight: Promise<WecomCredentials> | undefined;
  return async () => {
    if (value && now() - loadedAt < ttl) return { ...value };
    inflight ??= load().then(
      (v) => {
        value = v;
        loadedAt = now();
        inflight = undefined;
        return v;
      },
      (err: unknown) => {
        inflight = undefined;
        throw err;
      },
    );
    return { ...(await inflight) };
  };
}

const secretProviders = new Map<string, CredentialsProvider>();

/**
 * Credentials from a Secrets Manager JSON secret, cached per container for a few minutes so a
 * rotated secret is picked up without a redeploy. The AWS SDK is loaded only when used, so
 * importing this package does not pull it into code that never reads secrets.
 */
export function secretsManagerCredentials(
  secretArn: string,
  client?: SecretsManagerClient,
  opts: { ttlMs?: number; clock?: Clock } = {},
): CredentialsProvider {
  const shared = client === undefined && opts.ttlMs === undefined && opts.clock === undefined;
  const existing = shared ? secretProviders.get(secretArn) : undefined;
  if (existing) return existing;
  const provider = cacheCredentials(async () => {
    const sdk = await import("@aws-sdk/client-secrets-manager");
    const sm = client ?? new sdk.SecretsManagerClient({});
    const out = await sm.send(new sdk.GetSecretValueCommand({ SecretId: secretArn }));
    if (typeof out.SecretString !== "string") throw new Error(`secret ${secretArn} has no SecretString`);
    return parseCredentialsSecret(out.SecretString);
  }, opts);
  if (shared) secretProviders.set(secretArn, provider);
  return provider;
}
