import { WecomClient } from "./client.ts";
import {
  type CredentialsProvider,
  callbackKeysOf,
  envCredentials,
  runsInLambda,
  secretsManagerCredentials,
  WECOM_ENV,
  type WecomCredentials,
} from "./credentials.ts";
import type { CallbackKeys } from "./crypto.ts";

/**
 * How a function reaches WeCom: credentials from Secrets Manager when the deployment names a secret
 * (AWS), else from SIYU_WECOM_* variables or, outside Lambda only, the dev defaults (local); the API
 * client pointed at the configured base URL (the simulator locally). One per (credentials source,
 * base URL) per container, so the token cache and the credentials cache survive across invocations.
 */
export interface WecomRuntime {
  credentials(): Promise<WecomCredentials>;
  callbackKeys(): Promise<CallbackKeys>;
  client(): Promise<WecomClient>;
}

const runtimes = new Map<string, WecomRuntime>();

/**
 * Which credentials a runtime would use, as a cache key: the secret, or the SIYU_WECOM_* values and
 * whether this is Lambda. Keying env runtimes on their values means a runtime built from the dev
 * defaults outside Lambda is never handed to a Lambda function without its secret (which must throw).
 */
function sourceKey(secretArn: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  if (secretArn) return `secret:${secretArn}`;
  const read = (name: string) => env[name] ?? process.env[name] ?? "";
  const values = Object.values(WECOM_ENV).map(read).join("\u0000");
  return `env:${runsInLambda({ AWS_LAMBDA_FUNCTION_NAME: read("AWS_LAMBDA_FUNCTION_NAME"), AWS_EXECUTION_ENV: read("AWS_EXECUTION_ENV") })}:${values}`;
}

/**
 * Throws at the function's first use (its cold start) when it runs in Lambda with neither a secret
 * nor SIYU_WECOM_* variables: the dev credentials are for local runs only (`envCredentials`).
 */
export function wecomRuntime(opts: { secretArn?: string | undefined; baseUrl?: string | undefined; env: Readonly<Record<string, string | undefined>> }): WecomRuntime {
  const cacheKey = `${sourceKey(opts.secretArn, opts.env)}|${opts.baseUrl ?? "default"}`;
  const existing = runtimes.get(cacheKey);
  if (existing) return existing;
  const provider: CredentialsProvider = opts.secretArn ? secretsManagerCredentials(opts.secretArn) : envCredentials({ ...process.env, ...opts.env });
  let client: { secret: string; corpId: string; instance: WecomClient } | undefined;
  const runtime: WecomRuntime = {
    credentials: provider,
    callbackKeys: async () => callbackKeysOf(await provider()),
    async client() {
      const creds = await provider();
      // a rotated secret gets a new client (and token cache key)
      if (!client || client.secret !== creds.secret || client.corpId !== creds.corpId) {
        client = { secret: creds.secret, corpId: creds.corpId, instance: new WecomClient({ corpId: creds.corpId, secret: creds.secret, baseUrl: opts.baseUrl }) };
      }
      return client.instance;
    },
  };
  runtimes.set(cacheKey, runtime);
  return runtime;
}

/**
 * A function's way to WeCom from its runtime configuration (lambda-kit's `RuntimeConfig` fits):
 * credentials from Secrets Manager when a secret is configured (AWS), else SIYU_WECOM_* or the dev
 * values (local only), the API at the configured base URL (the simulator locally).
 *
 * @example
 * const wecom = wecomFor(config);
 * await (await wecom.client()).markTag({ userid, external_userid, add_tag });
 */
export function wecomFor(config: { wecomSecretArn?: string | undefined; wecomBaseUrl?: string | undefined; env: Readonly<Record<string, string | undefined>> }): WecomRuntime & {
  /** The client and the app's agent id (app messages are sent as the app). */
  app(): Promise<{ client: WecomClient; agentId: number }>;
} {
  const runtime = wecomRuntime({ secretArn: config.wecomSecretArn, baseUrl: config.wecomBaseUrl, env: config.env });
  return {
    ...runtime,
    async app() {
      const [client, creds] = await Promise.all([runtime.client(), runtime.credentials()]);
      return { client, agentId: Number(creds.agentId) };
    },
  };
}
