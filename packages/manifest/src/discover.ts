import { readdirSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { ServiceManifest } from "./manifest.ts";

export interface LoadedService {
  manifest: ServiceManifest;
  /** Absolute path of the service folder (`functions/<name>`). */
  dir: string;
}

/** Every `functions/<name>/service.ts` under the repository root, sorted by name. */
export async function loadServices(repoRoot: string): Promise<LoadedService[]> {
  const functionsDir = resolve(repoRoot, "functions");
  const out: LoadedService[] = [];
  for (const name of readdirSync(functionsDir).sort()) {
    const file = join(functionsDir, name, "service.ts");
    if (!existsSync(file)) continue;
    const mod = (await import(pathToFileURL(file).href)) as { default?: ServiceManifest };
    if (!mod.default) throw new Error(`${file} has no default export (the service manifest)`);
    if (mod.default.name !== name) throw new Error(`${file}: manifest name "${mod.default.name}" must equal its folder name "${name}"`);
    out.push({ manifest: mod.default, dir: join(functionsDir, name) });
  }
  return out;
}

/** Absolute path of a manifest entry (`src/...ts`). */
export function entryPath(service: LoadedService, entry: string): string {
  return join(service.dir, entry);
}
