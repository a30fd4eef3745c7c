import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";

/**
 * The typed API client: paths, parameters and bodies come from `schema.d.ts`, which
 * `pnpm --filter @siyu/console api-types` generates from docs/openapi.json (itself generated from the
 * routes' zod schemas), so a route change that breaks the console fails its typecheck.
 */

let token: Promise<string> | undefined;

/**
 * The bearer token. Locally, the gateway's loopback-only `/_local/console-token` mints an admin token
 * from the dev issuer (the platform's own endpoint, not part of the API).
 */
export function accessToken(): Promise<string> {
  token ??= fetch("/_local/console-token", { cache: "no-store" }).then(async (res) => {
    if (!res.ok) {
      token = undefined;
      throw new Error(`sign-in failed: /_local/console-token answered ${res.status}`);
    }
    return ((await res.json()) as { token: string }).token;
  });
  return token;
}

const auth: Middleware = {
  async onRequest({ request }) {
    request.headers.set("authorization", `Bearer ${await accessToken()}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(auth);
