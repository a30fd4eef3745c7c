import createClient, { type Middleware } from "openapi-fetch";
import { runtimeConfig } from "../config";
import type { paths } from "./schema";

/**
 * The typed API client: paths, parameters and bodies come from `schema.d.ts`, which
 * `pnpm --filter @siyu/console api-types` generates from docs/openapi.json (itself generated from the
 * routes' zod schemas), so a route change that breaks the console fails its typecheck.
 */

let localToken: Promise<string> | undefined;

/** Locally, the gateway's loopback-only `/_local/console-token` mints an admin token from the dev issuer. */
function devToken(): Promise<string> {
  localToken ??= fetch("/_local/console-token", { cache: "no-store" }).then(async (res) => {
    if (!res.ok) {
      localToken = undefined;
      throw new Error(`sign-in failed: /_local/console-token answered ${res.status}`);
    }
    return ((await res.json()) as { token: string }).token;
  });
  return localToken;
}

/** The bearer token: the dev token locally, else the OIDC sign-in (loaded only when configured). */
export async function accessToken(): Promise<string> {
  const { auth } = await runtimeConfig();
  if (auth.kind === "local") return devToken();
  const { oidcToken } = await import("./oidc");
  return oidcToken(auth);
}

/** Every request: to the configured API base URL (the console's own origin by default), with the token. */
const auth: Middleware = {
  async onRequest({ request }) {
    const { apiUrl } = await runtimeConfig();
    let out = request;
    if (apiUrl) {
      const url = new URL(request.url);
      out = new Request(`${apiUrl.replace(/\/$/, "")}${url.pathname}${url.search}`, request);
    }
    out.headers.set("authorization", `Bearer ${await accessToken()}`);
    return out;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(auth);
