import { WecomClient } from "./client.ts";
import type { CallbackKeys } from "./crypto.ts";
import { callbackKeysOf, type CredentialsProvider, envCredentials, secretsManagerCredentials, type WecomCredentials } from "./credentials.ts";

/**
 * How a function reaches WeCom: credentials from Secrets Manager when the deployment names a secret
 * (AWS), else from SIYU_WECOM_* variables or the dev defaults (local); the API client pointed at the
 * configured base URL (the simulator locally). One per (secret, base URL) per container, so the
 * token cache and the credentials cache survive across invocations.
 */
export interface WecomRuntime {
  credentials(): Promise<WecomCredentials>;
  callbackKeys(): Promise<CallbackKeys>;
  client(): Promise<WecomClient>;
}

const runtimes = new Map<string, WecomRuntime>();

export function wecomRuntime(opts: { secretArn?: string | undefined; baseUrl?: string | undefined; env: Readonly<Record<string, string | undefined>> }): WecomRuntime {
  const cacheKey = `${opts.secretArn ?? "env"}|${opts.baseUrl ?? "default"}`;
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
