import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Structured JSON logs, one object per line. The wrappers put the request or event id, the corp id
 * and the service into the context, so every line a handler writes carries them.
 */
type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const context = new AsyncLocalStorage<Record<string, unknown>>();

export function withLogContext<T>(fields: Record<string, unknown>, fn: () => T): T {
  return context.run({ ...context.getStore(), ...fields }, fn);
}

/** The fields every line of the current invocation carries (the service, the corp, the event…). */
export function currentLogContext(): Readonly<Record<string, unknown>> {
  return context.getStore() ?? {};
}

/** Functions that have been invoked in this process (locally, every service's functions share one). */
const warm = new Set<string>();

/**
 * The Lambda context every line carries: the invocation's `awsRequestId`, the function, whether this
 * invocation is the function's first in the process (`coldStart`) and its X-Ray trace id when tracing is on.
 */
export function lambdaFields(ctx: { awsRequestId?: string; functionName?: string } | undefined): Record<string, unknown> {
  const name = ctx?.functionName ?? "";
  const first = !warm.has(name);
  warm.add(name);
  const trace = /Root=([^;]+)/.exec(process.env["_X_AMZN_TRACE_ID"] ?? "")?.[1];
  return {
    ...(ctx?.awsRequestId ? { awsRequestId: ctx.awsRequestId } : {}),
    ...(ctx?.functionName ? { functionName: ctx.functionName } : {}),
    coldStart: first,
    ...(trace ? { xrayTraceId: trace } : {}),
  };
}

export function addLogContext(fields: Record<string, unknown>): void {
  const store = context.getStore();
  if (store) Object.assign(store, fields);
}

function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { error: { name: error.name, message: error.message, stack: error.stack } };
  return { error: String(error) };
}

function write(level: Level, msg: string, fields?: Record<string, unknown>): void {
  const store = context.getStore() ?? {};
  const min = (store.logLevel as Level | undefined) ?? "info";
  if (ORDER[level] < ORDER[min]) return;
  const { logLevel: _ignored, ...ctx } = store;
  const line: Record<string, unknown> = { level, time: new Date().toISOString(), msg, ...ctx };
  if (fields) {
    for (const [k, v] of Object.entries(fields)) line[k] = k === "error" ? errorFields(v).error : v;
  }
  const text = JSON.stringify(line);
  if (level === "error" || level === "warn") process.stderr.write(`${text}\n`);
  else process.stdout.write(`${text}\n`);
}

export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => write("debug", msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => write("info", msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write("warn", msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write("error", msg, fields),
};
export type Logger = typeof log;
