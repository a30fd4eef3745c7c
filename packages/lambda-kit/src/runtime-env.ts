import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Where a function reads its environment. In Lambda that is `process.env`. The local platform runs
 * every service's handlers in one Node process, so it invokes each handler inside `runWithEnv` with
 * that function's own environment (built by `functionEnvironment`, exactly as CDK builds it).
 */
const envStore = new AsyncLocalStorage<Readonly<Record<string, string | undefined>>>();

export function runWithEnv<T>(env: Readonly<Record<string, string | undefined>>, fn: () => T): T {
  return envStore.run(env, fn);
}

export function currentEnv(): Readonly<Record<string, string | undefined>> {
  return envStore.getStore() ?? process.env;
}
