import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { App } from "aws-cdk-lib";
import { afterAll, describe, expect, it } from "vitest";
import { buildApp } from "../lib/build-app.ts";
import { ClientConfigError, LOG_RETENTION_DAYS, loadClientConfig, loadClientConfigs, parseClientConfig } from "../lib/client-config.ts";
import { FIXTURES, REPO_ROOT } from "./support.ts";

const CLIENTS = join(REPO_ROOT, "infra", "clients");
const BAD = join(FIXTURES, "bad-clients");

const valid = {
  name: "acme",
  corpId: "ww0123456789abcdef",
  agentId: 1000002,
  wecomSecretName: "siyu/acme/wecom",
  alarmEmail: "alerts@acme.example.com",
  auth: { jwt: { issuer: "https://login.acme.example.com", audience: ["siyu-api"] } },
};

const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ClientConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ClientConfigError");
};

const tmpDirs: string[] = [];
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

describe("example clients", () => {
  it("every infra/clients/*.json is valid, one with JWT auth and one with a Cognito pool", () => {
    const clients = loadClientConfigs(CLIENTS, REPO_ROOT);
    expect(clients.length).toBeGreaterThanOrEqual(2);
    expect(clients.some((c) => c.auth.jwt)).toBe(true);
    expect(clients.some((c) => c.auth.cognito)).toBe(true);
    for (const c of clients) expect(c.removalPolicy).toBe("retain");
  });
});

describe("defaults", () => {
  it("timezone Asia/Shanghai, 90 days of logs, retain, info, tracing on, 200/400 rps (public 50/100), 20 reserved; agentId as a string", () => {
    const c = parseClientConfig(valid, "t");
    expect(c).toMatchObject({
      timeZone: "Asia/Shanghai",
      logRetentionDays: 90,
      removalPolicy: "retain",
      logLevel: "info",
      tracing: true,
      throttling: { rateLimit: 200, burstLimit: 400, publicRateLimit: 50, publicBurstLimit: 100 },
      publicConcurrency: 20,
      agentId: "1000002",
      env: {},
    });
  });

  it("public routes may not be throttled more loosely than the rest: the error names the field", () => {
    expect(errorOf(() => parseClientConfig({ ...valid, throttling: { rateLimit: 100, publicRateLimit: 150 } }, "t"))).toBe(
      "t: throttling.publicRateLimit: public routes are throttled at most as loosely as the rest: publicRateLimit (150) must not exceed rateLimit (100)",
    );
    expect(parseClientConfig({ ...valid, publicConcurrency: null }, "t").publicConcurrency).toBeNull();
  });

  it("the allowed retention values are CDK's", () => {
    expect(LOG_RETENTION_DAYS).toContain(731);
    expect(LOG_RETENTION_DAYS).not.toContain(2);
  });
});

describe("a bad file fails with the file and the field path", () => {
  it("reports infra/…/acme.json: auth.jwt.issuer: Invalid URL", () => {
    const message = errorOf(() => loadClientConfig(join(BAD, "acme.json"), REPO_ROOT));
    expect(message).toBe("infra/test/fixtures/bad-clients/acme.json: auth.jwt.issuer: Invalid URL");
  });

  it("buildApp (what `pnpm synth` runs) rejects the same way", async () => {
    await expect(buildApp(new App(), { repoRoot: REPO_ROOT, clientsDir: BAD, code: "inline" })).rejects.toThrow(
      "infra/test/fixtures/bad-clients/acme.json: auth.jwt.issuer: Invalid URL",
    );
  });

  it("the CDK app prints it and exits 1 (no stack trace)", async () => {
    const outdir = mkdtempSync(join(tmpdir(), "siyu-bad-client-"));
    tmpDirs.push(outdir);
    const run = promisify(execFile)(join(REPO_ROOT, "node_modules", ".bin", "tsx"), ["infra/bin/app.ts"], {
      cwd: REPO_ROOT,
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ clientsDir: "infra/test/fixtures/bad-clients" }) },
    });
    await expect(run).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("infra/test/fixtures/bad-clients/acme.json: auth.jwt.issuer: Invalid URL"),
    });
  });

  it.each([
    [{ ...valid, auth: { jwt: { issuer: "https://x.example.com", audience: [] } } }, "t: auth.jwt.audience: Too small"],
    [{ ...valid, auth: {} }, "t: auth: exactly one of auth.jwt or auth.cognito"],
    [{ ...valid, auth: { ...valid.auth, cognito: { create: true, domainPrefix: "acme" } } }, "t: auth: exactly one of auth.jwt or auth.cognito"],
    [{ ...valid, auth: { cognito: { create: true, domainPrefix: "aws-acme" } } }, "t: auth.cognito.domainPrefix: may not contain aws, amazon or cognito"],
    [{ ...valid, auth: { cognito: { create: false, domainPrefix: "acme" } } }, "t: auth.cognito.create:"],
    [{ ...valid, auth: { jwt: { issuer: "http://login.acme.example.com", audience: ["a"] } } }, "t: auth.jwt.issuer: must be an https:// URL"],
    [{ ...valid, timeZone: "China/Beijing" }, "t: timeZone: not an IANA timezone"],
    [{ ...valid, logRetentionDays: 42 }, "t: logRetentionDays: one of 1, 3, 5"],
    [{ ...valid, removalPolicy: "snapshot" }, "t: removalPolicy:"],
    [{ ...valid, alarmEmail: "nope" }, "t: alarmEmail: Invalid email address"],
    [{ ...valid, name: "Acme" }, "t: name: kebab-case"],
    [{ ...valid, corpId: "" }, "t: corpId:"],
    [{ ...valid, agentId: -1 }, "t: agentId:"],
    [{ ...valid, env: { account: "12345" } }, "t: env.account: a 12-digit AWS account id"],
    [{ ...valid, alarmEmails: ["typo@acme.example.com"] }, 't: (root): Unrecognized key: "alarmEmails"'],
    [{ ...valid, wecomSecretName: undefined }, "t: wecomSecretName:"],
  ])("%#: %j", (raw, expected) => {
    expect(errorOf(() => parseClientConfig(raw, "t"))).toContain(expected);
  });

  it("the name must equal the file name", () => {
    const dir = mkdtempSync(join(REPO_ROOT, "infra", "test", ".clients-"));
    tmpDirs.push(dir);
    writeFileSync(join(dir, "acme.json"), JSON.stringify({ ...valid, name: "other" }));
    expect(errorOf(() => loadClientConfigs(dir, REPO_ROOT))).toMatch(/^infra\/test\/\.clients-\w+\/acme\.json: name: "other" must equal the file name "acme"$/);
  });

  it("invalid JSON names the file; every bad file is reported at once", () => {
    const dir = mkdtempSync(join(REPO_ROOT, "infra", "test", ".clients-"));
    tmpDirs.push(dir);
    writeFileSync(join(dir, "a.json"), "{ nope");
    writeFileSync(join(dir, "b.json"), JSON.stringify({ ...valid, name: "b", alarmEmail: "x" }));
    const message = errorOf(() => loadClientConfigs(dir, REPO_ROOT));
    expect(message).toMatch(/a\.json: \(root\): not valid JSON/);
    expect(message).toMatch(/b\.json: alarmEmail: Invalid email address/);
  });

  it("-c client=<name> must name an existing client file", async () => {
    const dir = mkdtempSync(join(REPO_ROOT, "infra", "test", ".clients-"));
    tmpDirs.push(dir);
    mkdirSync(join(dir, "x"), { recursive: true });
    writeFileSync(join(dir, "acme.json"), JSON.stringify(valid));
    await expect(buildApp(new App(), { repoRoot: REPO_ROOT, clientsDir: dir, client: "nobody", code: "inline" })).rejects.toThrow(
      /-c client=nobody: no client file .*nobody\.json \(clients: acme\)/,
    );
  });
});
