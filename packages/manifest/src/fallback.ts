import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { type DeployedResources, ENV } from "./environment.ts";

/**
 * The API's `$default` route: one function (lambda-kit's `fallback.ts`) answering requests no
 * declared route matches with a 404, or a 405 with `Allow` when the path exists under another method.
 * Infra deploys it and the local gateway runs it, from this one description.
 */
export const FALLBACK_FUNCTION = {
  service: "fallback",
  /** Relative to the repository root. */
  entry: "packages/lambda-kit/src/fallback.ts",
  memoryMb: 128,
  timeoutSeconds: 5,
  description: "unmatched routes (404 problem+json)",
} as const;

/**
 * The fallback's entry file: `true` / `undefined` the kit's one when it exists (else none), a path
 * that module (it must exist), `false` / `null` none.
 * @example resolveFallbackEntry(repoRoot, undefined) // "<repoRoot>/packages/lambda-kit/src/fallback.ts"
 */
export function resolveFallbackEntry(repoRoot: string, choice: boolean | string | null | undefined, exists: (file: string) => boolean = existsSync): string | undefined {
  if (choice === false || choice === null) return undefined;
  if (typeof choice === "string") {
    const file = isAbsolute(choice) ? choice : resolve(choice);
    if (!exists(file)) throw new Error(`fallback module ${file} does not exist`);
    return file;
  }
  const file = join(repoRoot, FALLBACK_FUNCTION.entry);
  return exists(file) ? file : undefined;
}

/** The fallback's environment: who it runs for, and every declared route key (for 405 vs 404). */
export function fallbackEnvironment(res: Pick<DeployedResources, "client" | "corpId" | "timeZone" | "logLevel">, routeKeys: readonly string[]): Record<string, string> {
  return {
    [ENV.service]: FALLBACK_FUNCTION.service,
    [ENV.client]: res.client,
    [ENV.corpId]: res.corpId,
    [ENV.timeZone]: res.timeZone,
    [ENV.logLevel]: res.logLevel ?? "info",
    [ENV.routes]: JSON.stringify(routeKeys),
  };
}
