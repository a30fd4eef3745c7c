#!/usr/bin/env node
import { chmodSync, existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ensureConsoleBuilt } from "./console.ts";
import { launchDynamoLocal } from "./dynamo.ts";
import { runFirstStart } from "./first-start.ts";
import { consoleLogger, describeError } from "./log.ts";
import type { LocalPlatform } from "./platform.ts";
import { freePort } from "./ports.ts";

/**
 * `pnpm dev` and friends:
 *   dev [--persist] [--port N] [--sim-port N] [--services a,b] [--no-simulator] [--isolate] [--verbose]
 *   trigger <service>/<schedule>     run a schedule now on the running dev platform
 *   token [--scopes a,b] [--expires 1h]   mint a token from the running dev platform's issuer
 */

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const STATE_DIR = join(REPO_ROOT, ".siyu");
const LOCK_FILE = join(STATE_DIR, "dev.lock");
const TOKEN_FILE = join(STATE_DIR, "dev-admin-token");

interface LockInfo {
  pid: number;
  startedAt: string;
  gatewayUrl?: string;
  simulatorUrl?: string;
}

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const rel = (p: string) => relative(process.cwd(), p) || p;

function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

// --- the pid lock: one `pnpm dev` per checkout ---------------------------------------------------------------

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  // A recycled pid is not our dev server: on Linux, check it still runs this CLI.
  const cmdline = `/proc/${pid}/cmdline`;
  if (existsSync(cmdline)) {
    try {
      return readFileSync(cmdline, "utf8").includes("cli.ts");
    } catch {
      return true;
    }
  }
  return true;
}

function readLock(): LockInfo | undefined {
  try {
    return JSON.parse(readFileSync(LOCK_FILE, "utf8")) as LockInfo;
  } catch {
    return undefined;
  }
}

function acquireLock(): void {
  mkdirSync(STATE_DIR, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(LOCK_FILE, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() } satisfies LockInfo), { flag: "wx" });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const other = readLock();
      if (other && other.pid !== process.pid && isAlive(other.pid)) {
        fail(
          `Another \`pnpm dev\` is already running in this checkout (pid ${other.pid}, started ${other.startedAt}${other.gatewayUrl ? `, ${other.gatewayUrl}` : ""}).\n` +
            `Stop it first (Ctrl-C in its terminal, or \`kill ${other.pid}\`). Lock file: ${rel(LOCK_FILE)}`,
        );
      }
      // stale: its process is gone
      try {
        unlinkSync(LOCK_FILE);
      } catch {
        // raced with another starter; the next attempt decides
      }
    }
  }
  fail(`could not take the lock ${rel(LOCK_FILE)}; is another \`pnpm dev\` starting right now?`);
}

function updateLock(info: Partial<LockInfo>): void {
  const current = readLock();
  if (current?.pid === process.pid) writeFileSync(LOCK_FILE, JSON.stringify({ ...current, ...info }));
}

function releaseLock(): void {
  if (readLock()?.pid === process.pid) {
    try {
      unlinkSync(LOCK_FILE);
    } catch {
      // already gone
    }
  }
}

// --- dev -------------------------------------------------------------------------------------------------------

async function dev(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      persist: { type: "boolean", default: false },
      port: { type: "string" },
      "sim-port": { type: "string" },
      services: { type: "string" },
      "no-simulator": { type: "boolean", default: false },
      // each queue's consumer in a worker thread of its own (module state, env, SDK clients), as in Lambda
      isolate: { type: "boolean", default: false },
      verbose: { type: "boolean", short: "v", default: false },
    },
  });
  const port = values.port !== undefined ? Number(values.port) : Number(process.env.PORT ?? 3000);
  const simPort = values["sim-port"] !== undefined ? Number(values["sim-port"]) : Number(process.env.SIM_PORT ?? 3100);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port ${values.port}: not a port number`);
  if (!Number.isInteger(simPort) || simPort < 0 || simPort > 65535) fail(`--sim-port: not a port number`);

  const t0 = Date.now();
  acquireLock();
  process.on("exit", releaseLock);
  const log = consoleLogger(values.verbose ? "debug" : "info");

  let platform: LocalPlatform | undefined;
  let stopping = false;
  // the console's Vite build (when its dist is older than its sources) overlaps the platform's start
  const consoleBuild = ensureConsoleBuilt(REPO_ROOT).then(
    (r) => (r.built ? dim(`built in ${(r.ms / 1000).toFixed(1)} s`) : dim("up to date")),
    (err: unknown) => `not built: ${describeError(err)}`,
  );
  const stop = async (signal: string) => {
    if (stopping) {
      // second Ctrl-C: leave now; DynamoDB Local's watchdog ends java when our pipe to it closes
      process.stderr.write(`\n${signal} again: exiting without waiting\n`);
      process.exit(130);
    }
    stopping = true;
    process.stderr.write(`\n${dim(`${signal}: stopping (Ctrl-C again to force)…`)}\n`);
    const t = Date.now();
    try {
      await platform?.close();
    } catch (err) {
      process.stderr.write(`error while stopping: ${describeError(err)}\n`);
    }
    releaseLock();
    process.stderr.write(`${dim(`stopped in ${Date.now() - t} ms`)}\n`);
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGHUP", () => void stop("SIGHUP"));
  // A handler's forgotten promise must not take the whole platform down (in Lambda it would only
  // fail that invocation): report it and carry on.
  process.on("unhandledRejection", (reason) => log.error("unhandled promise rejection (in a handler?)", reason));

  try {
    // The JVM takes the longest to boot: launch it before loading the platform's modules.
    const dynamoLaunch = launchDynamoLocal({ port: await freePort(), dbPath: values.persist ? join(STATE_DIR, "dynamodb") : undefined });
    process.on("exit", () => void dynamoLaunch.stop());
    const { startLocalPlatform } = await import("./platform.ts");
    platform = await startLocalPlatform({
      repoRoot: REPO_ROOT,
      dynamoLaunch,
      port,
      persist: values.persist,
      services: values.services ? values.services.split(",").map((s) => s.trim()) : undefined,
      simulator: values["no-simulator"] ? false : { port: simPort, seed: "demo" },
      isolateConsumers: values.isolate,
      logger: log,
      functionLogLevel: values.verbose ? "debug" : "info",
    });
  } catch (err) {
    releaseLock();
    fail(`\nThe local platform did not start: ${describeError(err)}`);
  }
  if (stopping) return;
  const health = await fetch(`${platform.gatewayUrl}/health`);
  await health.arrayBuffer();
  const healthyAt = Date.now() - t0;

  writeFileSync(TOKEN_FILE, `${platform.adminToken}\n`, { mode: 0o600 });
  chmodSync(TOKEN_FILE, 0o600);
  updateLock({ gatewayUrl: platform.gatewayUrl, simulatorUrl: platform.simulatorUrl });

  // after the simulator is seeded and every function is up: what a deployed corp's daily jobs would have filled
  const firstStart = await runFirstStart(platform, log);

  const report = await platform.health();
  const consoleState = await consoleBuild;
  const lines = [
    "",
    `${bold("Siyu local platform")} ready in ${(platform.startMs / 1000).toFixed(1)} s ${dim(`(GET /health → ${health.status} at ${(healthyAt / 1000).toFixed(1)} s after start, ${(process.uptime()).toFixed(1)} s since the process began)`)}`,
    "",
    `  Gateway      ${bold(platform.gatewayUrl)}   ${dim("GET /health")}`,
    `  Console      ${bold(`${platform.gatewayUrl}/console/`)}   ${consoleState}`,
    `  Simulator    ${platform.simulatorUrl ? bold(platform.simulatorUrl) : dim("off")}${platform.simulatorUrl ? `   ${dim("WeCom API under /cgi-bin, world under /_sim")}` : ""}`,
    `  DynamoDB     ${platform.endpoints.dynamodb}   ${dim(values.persist ? `persisted in ${rel(join(STATE_DIR, "dynamodb"))}` : "in memory (--persist keeps data)")}`,
    `  SQS / SNS    ${platform.endpoints.sqs}   ${dim("fauxqs, in memory")}`,
    `  Blobs        ${values.persist ? rel(platform.blobDir) : platform.blobDir}   ${dim(`uploads: PUT ${platform.gatewayUrl}/_local/blobs/<service>/<key> (signed URLs)${values.persist ? "" : "; removed on exit (--persist keeps them)"}`)}`,
    `  Services     ${Object.entries(report.services)
      .map(([name, s]) => `${name} ${dim(`(${s.routes.length} routes, ${Object.keys(s.queues).length} queues, ${s.schedules.length} schedules)`)}`)
      .join(", ")}`,
    ...firstStart.map((o) => `  First start  ${o.service}/${o.schedule} ${o.ok ? `${dim(`${o.ms} ms`)} ${describeOutcome(o.result)}` : dim(`failed: ${o.error}`)}`),
    "",
    `  Admin token  ${dim(`(scope siyu/admin; also in ${rel(TOKEN_FILE)})`)}`,
    `  ${platform.adminToken}`,
    "",
    dim(`  curl -H "authorization: Bearer $(cat ${rel(TOKEN_FILE)})" ${platform.gatewayUrl}/...`),
    dim("  run a schedule now:  pnpm exec tsx packages/local/src/cli.ts trigger <service>/<schedule>"),
    dim("  Ctrl-C stops everything."),
    "",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  const down = Object.entries(report.services).filter(([, s]) => !s.ok);
  if (report.status !== "ok") log.warn(`health is ${report.status}: ${down.map(([n]) => n).join(", ") || "see GET /health"}`);
  for (const [name, s] of Object.entries(report.services)) {
    for (const [fn, state] of Object.entries(s.handlers)) if (state !== "ok") log.warn(`${name} ${fn}: ${state}`);
  }
}

/** A schedule's result on one line: `{ added: 8, removed: 0, … }` as `added 8, removed 0, …`. */
function describeOutcome(result: unknown): string {
  if (!result || typeof result !== "object") return dim(String(result ?? "done"));
  return dim(
    Object.entries(result)
      .map(([k, v]) => `${k} ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
      .join(", "),
  );
}

// --- trigger / token ------------------------------------------------------------------------------------------------

function runningGateway(explicitPort: string | undefined): string {
  if (explicitPort) return `http://127.0.0.1:${explicitPort}`;
  const lock = readLock();
  if (lock?.gatewayUrl && isAlive(lock.pid)) return lock.gatewayUrl;
  if (process.env.PORT) return `http://127.0.0.1:${process.env.PORT}`;
  return fail("No running `pnpm dev` found (start it first, or pass --port N).");
}

async function trigger(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { port: { type: "string" } } });
  const target = positionals[0];
  const m = target ? /^([a-z0-9-]+)\/([a-z0-9-]+)$/.exec(target) : null;
  if (!m) fail("usage: trigger <service>/<schedule>   e.g. trigger probe/expire-report");
  const url = `${runningGateway(values.port)}/_local/schedules/${m[1]}/${m[2]}`;
  let res: Response;
  try {
    res = await fetch(url, { method: "POST" });
  } catch (err) {
    fail(`cannot reach the dev platform at ${url}: ${(err as Error).message}`);
  }
  const body = await res.text();
  process.stdout.write(`${body}\n`);
  if (!res.ok) process.exit(1);
}

async function token(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: "string" }, scopes: { type: "string", default: "siyu/admin" }, expires: { type: "string", default: "1h" } },
  });
  const res = await fetch(`${runningGateway(values.port)}/_local/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ scopes: values.scopes.split(",").map((s) => s.trim()), expiresIn: values.expires }),
  });
  const body = (await res.json()) as { token?: string };
  if (!res.ok || !body.token) fail(`could not mint a token: ${JSON.stringify(body)}`);
  process.stdout.write(`${body.token}\n`);
}

const [command, ...rest] = process.argv.slice(2);
const commands: Record<string, (argv: string[]) => Promise<void>> = { dev, trigger, token };
const run = command ? commands[command] : undefined;
if (!run) {
  fail(
    [
      "usage:",
      "  dev [--persist] [--port N] [--sim-port N] [--services a,b] [--no-simulator] [--verbose]",
      "  trigger <service>/<schedule> [--port N]",
      "  token [--scopes siyu/operator] [--expires 1h] [--port N]",
    ].join("\n"),
    command ? 1 : 0,
  );
}
run(rest).catch((err: unknown) => fail(describeError(err)));
