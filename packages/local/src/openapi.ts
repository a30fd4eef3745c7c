/**
 * `pnpm openapi`: the OpenAPI 3.1 document of every service's HTTP API, from the manifests and the
 * routes' own schemas (@siyu/lambda-kit/openapi), written to `docs/openapi.json` (or `--out`). The
 * local gateway serves the same document at `GET /openapi.json`.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { RouteHandler } from "@siyu/lambda-kit";
import { type DocumentedService, openApiDocument } from "@siyu/lambda-kit/openapi";
import { entryPath, loadServices } from "@siyu/manifest";

export async function buildOpenApi(repoRoot: string, opts: { services?: readonly string[]; serverUrl?: string } = {}): Promise<Record<string, unknown>> {
  const all = await loadServices(repoRoot);
  const chosen = opts.services ? all.filter((s) => opts.services!.includes(s.manifest.name)) : all;
  const documented: DocumentedService[] = [];
  for (const s of chosen) {
    if (!s.manifest.http) {
      documented.push({ manifest: s.manifest });
      continue;
    }
    const mod = (await import(pathToFileURL(entryPath(s, s.manifest.http.entry)).href)) as { handler?: { routes?: Record<string, RouteHandler> } };
    documented.push({ manifest: s.manifest, ...(mod.handler?.routes ? { routes: mod.handler.routes } : {}) });
  }
  const { version } = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };
  return openApiDocument(documented, { title: "Siyu API", version, ...(opts.serverUrl ? { servers: [{ url: opts.serverUrl, description: "this platform" }] } : {}) });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
  const i = process.argv.indexOf("--out");
  const out = resolve(repoRoot, i > 0 ? process.argv[i + 1]! : "docs/openapi.json");
  const doc = await buildOpenApi(repoRoot);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
  const ops = Object.values(doc.paths as Record<string, object>).reduce((n, p) => n + Object.keys(p).length, 0);
  console.log(`wrote ${out}: ${ops} operations`);
  process.exit(0);
}
