import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { type LocalPlatform, type LocalPlatformOptions, startLocalPlatform } from "@siyu/local";
import { loadServices } from "@siyu/manifest";
import { afterAll, inject } from "vitest";

/** The repository root (services under functions/). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface UsePlatformOptions extends Partial<Omit<LocalPlatformOptions, "simulator">> {
  /** Services to run (default: all under `repoRoot`). */
  services?: string[];
  /**
   * The WeCom simulator (random port, `empty` seed unless given). Default: on when one of the
   * services declares `secrets: ["wecom"]`.
   */
  simulator?: boolean | { seed?: "demo" | "empty"; strict?: boolean };
}

/**
 * Start a platform for this test file — on the run's shared DynamoDB Local and fauxqs, with a unique
 * resource prefix, random gateway/simulator ports, immediate retries of failed records
 * (`retryVisibilitySeconds: 0`) and schedules that run only when asked — and close it after the file.
 *
 * ```ts
 * const platform = await usePlatform({ services: ["probe"] });
 * ```
 */
export async function usePlatform(opts: UsePlatformOptions = {}): Promise<LocalPlatform> {
  const repoRoot = opts.repoRoot ?? REPO_ROOT;
  let simulator = opts.simulator;
  if (simulator === undefined) {
    const services = await loadServices(repoRoot);
    simulator = services.some((s) => (!opts.services || opts.services.includes(s.manifest.name)) && s.manifest.secrets.includes("wecom"));
  }
  const platform = await startLocalPlatform({
    prefix: uniquePrefix(),
    port: 0,
    dynamoEndpoint: inject("siyuDynamoEndpoint"),
    sqsEndpoint: inject("siyuSqsEndpoint"),
    retryVisibilitySeconds: 0,
    schedules: "manual",
    pollWaitSeconds: 2,
    logLevel: process.env.SIYU_TEST_VERBOSE ? "debug" : "warn",
    functionLogLevel: process.env.SIYU_TEST_VERBOSE ? "debug" : "warn",
    ...opts,
    repoRoot,
    simulator: simulator === false ? false : { port: 0, seed: "empty", ...(typeof simulator === "object" ? simulator : {}) },
  });
  afterAll(() => platform.close());
  return platform;
}

/** `t-<random>`: a valid table/queue/topic name prefix unique to this file's run. */
export function uniquePrefix(): string {
  return `t-${randomBytes(5).toString("hex")}`;
}

/** Poll `fn` until it returns a truthy value (or throw after `timeoutMs`). */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 5000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
