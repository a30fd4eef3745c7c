import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveConsole } from "../../packages/local/src/console.ts";
import { buildConsole, useBrowser } from "../support/browser.ts";
import { REPO_ROOT, usePlatform } from "../support/platform.ts";

/**
 * The console's sign-in as it runs in AWS (config.json with `auth.kind: "oidc"`), in Chromium:
 * authorization code + PKCE (S256) against an OIDC provider played by this test — discovery, the
 * authorize redirect, the token exchange that checks the code verifier against the challenge — and
 * the API called with the issued token, the operator landing back on the page they opened.
 * The console is served as the CloudFront distribution would: its build, and its own config.json.
 */
await buildConsole();
const platform = await usePlatform({ services: ["contact-intake", "churn-stats"], simulator: { seed: "empty", strict: true } });
const browser = useBrowser();
const CLIENT_ID = "siyu-console-test";

interface Authorize {
  clientId: string;
  redirectUri: string;
  scope: string;
  challenge: string;
  method: string;
  nonce: string | null;
  code: string;
}
const authorizations: Authorize[] = [];
const exchanges: { code: string; verifierMatches: boolean; clientId: string | null }[] = [];
const apiAuthorizations: string[] = [];
const issued = platform.adminToken;

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};
const body = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
};
const json = (res: ServerResponse, status: number, value: unknown) =>
  res.writeHead(status, { "content-type": "application/json", "access-control-allow-origin": "*" }).end(JSON.stringify(value));
const base64url = (b: Buffer) => b.toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

let providerUrl = "";
const provider = createServer(async (req, res) => {
  const url = new URL(req.url ?? "/", providerUrl);
  if (url.pathname === "/.well-known/openid-configuration") {
    return json(res, 200, {
      issuer: providerUrl,
      authorization_endpoint: `${providerUrl}/authorize`,
      token_endpoint: `${providerUrl}/token`,
      response_types_supported: ["code"],
      code_challenge_methods_supported: ["S256"],
    });
  }
  if (url.pathname === "/authorize") {
    const q = url.searchParams;
    const code = base64url(randomBytes(16));
    authorizations.push({
      clientId: q.get("client_id") ?? "",
      redirectUri: q.get("redirect_uri") ?? "",
      scope: q.get("scope") ?? "",
      challenge: q.get("code_challenge") ?? "",
      method: q.get("code_challenge_method") ?? "",
      nonce: q.get("nonce"),
      code,
    });
    // the operator signs in here; the provider sends the browser back with a code
    const back = new URL(q.get("redirect_uri")!);
    back.searchParams.set("code", code);
    back.searchParams.set("state", q.get("state") ?? "");
    return res.writeHead(302, { location: back.toString() }).end();
  }
  if (url.pathname === "/token" && req.method === "POST") {
    const form = new URLSearchParams(await body(req));
    const auth = authorizations.find((a) => a.code === form.get("code"));
    const verifier = form.get("code_verifier") ?? "";
    const verifierMatches = auth !== undefined && base64url(createHash("sha256").update(verifier).digest()) === auth.challenge;
    exchanges.push({ code: form.get("code") ?? "", verifierMatches, clientId: form.get("client_id") });
    if (!verifierMatches || form.get("grant_type") !== "authorization_code") return json(res, 400, { error: "invalid_grant" });
    // an ID token as the issuer would sign it (the console reads its claims; the API checks only the access token)
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: providerUrl, aud: CLIENT_ID, sub: "operator-1", name: "运营小王", iat: now, exp: now + 3600, ...(auth!.nonce ? { nonce: auth!.nonce } : {}) };
    const idToken = [{ alg: "RS256", typ: "JWT" }, claims].map((p) => base64url(Buffer.from(JSON.stringify(p)))).join(".") + ".c2lnbmF0dXJl";
    return json(res, 200, { access_token: issued, id_token: idToken, token_type: "Bearer", expires_in: 3600, scope: auth!.scope });
  }
  res.writeHead(404).end();
});

// the console's host: the build, config.json for OIDC, and the API behind it (as CloudFront + API Gateway would answer)
let consoleUrl = "";
const host = createServer(async (req, res) => {
  const url = new URL(req.url ?? "/", consoleUrl);
  if (url.pathname === "/console/config.json") {
    return json(res, 200, { auth: { kind: "oidc", authority: providerUrl, clientId: CLIENT_ID, scopes: ["openid", "profile", "siyu/operator"] } });
  }
  if (url.pathname.startsWith("/v1/")) {
    apiAuthorizations.push(String(req.headers.authorization ?? ""));
    const answer = await fetch(`${platform.gatewayUrl}${url.pathname}${url.search}`, {
      method: req.method,
      headers: { ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}), ...(req.headers["content-type"] ? { "content-type": req.headers["content-type"] } : {}) },
      body: req.method === "GET" || req.method === "HEAD" ? undefined : await body(req),
    });
    res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" });
    return res.end(Buffer.from(await answer.arrayBuffer()));
  }
  if (!(await serveConsole(req, res, url, REPO_ROOT))) res.writeHead(404).end();
});

beforeAll(async () => {
  providerUrl = await listen(provider);
  consoleUrl = await listen(host);
});
afterAll(async () => {
  await new Promise((r) => provider.close(r));
  await new Promise((r) => host.close(r));
});

describe("console sign-in with OIDC (authorization code + PKCE)", () => {
  it("a deep link sends the operator through the issuer and back to the same page, signed in", async () => {
    const page = browser.page;
    await page.goto(`${consoleUrl}/console/customers`);
    await page.getByTestId("customer-table").or(page.getByTestId("empty")).first().waitFor({ timeout: 20_000 });
    expect(new URL(page.url()).pathname).toBe("/console/customers");
    expect(new URL(page.url()).search).toBe(""); // the code and state are gone from the address bar
    expect(authorizations).toHaveLength(1);
    const a = authorizations[0]!;
    expect(a).toMatchObject({ clientId: CLIENT_ID, redirectUri: `${consoleUrl}/console/`, method: "S256", scope: "openid profile siyu/operator" });
    expect(a.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(exchanges).toEqual([{ code: a.code, verifierMatches: true, clientId: CLIENT_ID }]);
    expect(apiAuthorizations.length).toBeGreaterThan(0);
    expect(new Set(apiAuthorizations)).toEqual(new Set([`Bearer ${issued}`]));
    await browser.shot("oidc-signed-in");
  });

  it("keeps the session: another page needs no new sign-in", async () => {
    const page = browser.page;
    await page.getByRole("menuitem", { name: "首页" }).click();
    await expect.poll(() => page.getByTestId("today-added").textContent(), { timeout: 15_000 }).toContain("今日新增");
    await page.reload();
    await expect.poll(() => page.getByTestId("today-added").textContent(), { timeout: 15_000 }).toContain("今日新增");
    expect(authorizations).toHaveLength(1);
  });
});
