import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { runWithEnv } from "@siyu/lambda-kit";
import type { Context } from "aws-lambda";

/**
 * One Lambda function of the local platform: its handler module (imported lazily, once, inside its
 * own environment so cold-start code sees the same variables it sees in AWS), and `invoke`, which
 * runs the handler inside `runWithEnv(env)` with a Lambda-shaped context and the function's timeout.
 */

export type FunctionKind = "http" | "consumer" | "schedule" | "fallback";

export type AnyHandler = (event: unknown, context: Context, callback?: (err?: unknown, result?: unknown) => void) => unknown;

export interface FunctionSpec {
  /** e.g. `siyu-probe-http`, `siyu-probe-commands` (what the Lambda would be called). */
  name: string;
  service: string;
  kind: FunctionKind;
  /** Absolute path of the module exporting `handler`. */
  entry: string;
  env: Readonly<Record<string, string>>;
  timeoutSeconds: number;
  memoryMb: number;
  region: string;
}

export class FunctionTimeoutError extends Error {
  override name = "FunctionTimeoutError";
}

/** Counts running invocations so `drain()` can wait for quiet. */
export class InvocationTracker {
  private running = 0;
  private waiters: (() => void)[] = [];
  get active(): number {
    return this.running;
  }
  begin(): () => void {
    this.running++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.running--;
      if (this.running === 0) for (const w of this.waiters.splice(0)) w();
    };
  }
  idle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }
}

export class LocalFunction {
  readonly spec: FunctionSpec;
  private readonly tracker: InvocationTracker;
  private loading: Promise<AnyHandler> | undefined;
  private loadError: unknown;

  constructor(spec: FunctionSpec, tracker: InvocationTracker) {
    this.spec = { ...spec, env: Object.freeze({ ...spec.env }) };
    this.tracker = tracker;
  }

  get name(): string {
    return this.spec.name;
  }

  /** `ok`, `not loaded`, or the import error (for /health). */
  get state(): string {
    if (this.loadError) return `error: ${(this.loadError as Error).message ?? String(this.loadError)}`;
    if (!this.loading) return existsSync(this.spec.entry) ? "not loaded" : `missing: ${this.spec.entry}`;
    return "ok";
  }

  /** Import the handler module (once; a failed import is retried on the next call). */
  load(): Promise<AnyHandler> {
    if (!this.loading) {
      const env = this.spec.env;
      const url = pathToFileURL(this.spec.entry).href;
      this.loadError = undefined;
      this.loading = runWithEnv(env, () => import(url)).then(
        (mod: { handler?: unknown }) => {
          if (typeof mod.handler !== "function") throw new Error(`${this.spec.entry} does not export a function named "handler"`);
          return mod.handler as AnyHandler;
        },
      );
      this.loading.catch((err: unknown) => {
        this.loadError = err;
        this.loading = undefined;
      });
    }
    return this.loading;
  }

  /** Run the handler with `event`, as Lambda would: its own env, a context, its timeout. */
  async invoke(event: unknown): Promise<unknown> {
    const end = this.tracker.begin();
    try {
      const handler = await this.load();
      const timeoutMs = this.spec.timeoutSeconds * 1000;
      const deadline = Date.now() + timeoutMs;
      const context = this.context(deadline);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new FunctionTimeoutError(`${this.spec.name}: Task timed out after ${this.spec.timeoutSeconds.toFixed(2)} seconds`)),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([runWithEnv(this.spec.env, () => callHandler(handler, event, context)), timeout]);
      } finally {
        clearTimeout(timer);
      }
    } finally {
      end();
    }
  }

  private context(deadline: number): Context {
    const { name, region, memoryMb } = this.spec;
    const requestId = randomUUID();
    const unsupported = () => {
      throw new Error("context.done/succeed/fail are not supported; return a value or a promise");
    };
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName: name,
      functionVersion: "$LATEST",
      invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${name}`,
      memoryLimitInMB: String(memoryMb),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: `${new Date().toISOString().slice(0, 10).replace(/-/g, "/")}/[$LATEST]local`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: unsupported,
      fail: unsupported,
      succeed: unsupported,
    };
  }
}

function callHandler(handler: AnyHandler, event: unknown, context: Context): Promise<unknown> {
  if (handler.length >= 3) {
    // callback-style handler (legacy)
    return new Promise((resolve, reject) => {
      const out = handler(event, context, (err, result) => (err ? reject(err) : resolve(result)));
      if (out && typeof (out as Promise<unknown>).then === "function") (out as Promise<unknown>).then(resolve, reject);
    });
  }
  return Promise.resolve().then(() => handler(event, context));
}
