import { BASE } from "./router";

/**
 * Where the API is and how to sign in, read once from `/console/config.json`: locally the gateway
 * answers `{ auth: { kind: "local" } }` (the loopback dev token, same origin); in AWS the stack
 * deploys `{ apiUrl, auth: { kind: "oidc", authority, clientId, scopes } }` beside the build.
 */
export type ConsoleAuth = { kind: "local" } | { kind: "oidc"; authority: string; clientId: string; scopes: string[] };

export interface RuntimeConfig {
  /** The HTTP API's base URL; absent = the console's own origin. */
  apiUrl?: string;
  auth: ConsoleAuth;
}

let loaded: Promise<RuntimeConfig> | undefined;

function parse(raw: unknown): RuntimeConfig {
  const c = raw as Partial<RuntimeConfig> | null;
  const auth = c?.auth;
  if (auth?.kind === "local") return { ...(typeof c?.apiUrl === "string" ? { apiUrl: c.apiUrl } : {}), auth };
  if (auth?.kind === "oidc" && typeof auth.authority === "string" && typeof auth.clientId === "string" && Array.isArray(auth.scopes)) {
    return { ...(typeof c?.apiUrl === "string" ? { apiUrl: c.apiUrl } : {}), auth };
  }
  throw new Error(`${BASE}/config.json is not a console configuration (auth.kind must be "local" or "oidc")`);
}

export function runtimeConfig(): Promise<RuntimeConfig> {
  loaded ??= fetch(`${BASE}/config.json`, { cache: "no-store" }).then(async (res) => {
    if (!res.ok) {
      loaded = undefined;
      throw new Error(`${BASE}/config.json answered ${res.status}`);
    }
    return parse(await res.json());
  });
  return loaded;
}
