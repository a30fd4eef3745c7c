import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { gzipSync } from "node:zlib";

/**
 * The operator console (packages/console) on the local gateway: `ensureConsoleBuilt` runs its Vite
 * build when `dist` is missing or older than its sources, and `serveConsole` answers `/console/…`
 * from `dist` (hashed assets cached for good, every other path the SPA's index.html).
 */

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
};

export const consoleDir = (repoRoot: string) => join(repoRoot, "packages", "console");

/** Newest modification time under `dir` (node_modules and dist left out). */
function newest(dir: string): number {
  let max = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name === "dist" || e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    max = Math.max(max, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return max;
}

/** True when `dist/index.html` is newer than every source file of the console. */
export function consoleIsCurrent(repoRoot: string): boolean {
  const index = join(consoleDir(repoRoot), "dist", "index.html");
  return existsSync(index) && statSync(index).mtimeMs >= newest(consoleDir(repoRoot));
}

/**
 * Build the console once (`vite build` in packages/console) unless its dist is current.
 * Resolves with what happened; rejects with Vite's output when the build fails.
 */
export async function ensureConsoleBuilt(repoRoot: string): Promise<{ built: boolean; ms: number }> {
  const t0 = Date.now();
  const dir = consoleDir(repoRoot);
  if (!existsSync(join(dir, "package.json"))) return { built: false, ms: 0 };
  if (consoleIsCurrent(repoRoot)) return { built: false, ms: 0 };
  const vite = join(dir, "node_modules", "vite", "bin", "vite.js");
  if (!existsSync(vite)) throw new Error(`the console's dependencies are not installed (${vite} missing): run pnpm install`);
  const output: Buffer[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [vite, "build", "--logLevel", "warn"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (b: Buffer) => output.push(b));
    child.stderr.on("data", (b: Buffer) => output.push(b));
    child.on("error", reject);
    child.on("close", resolve);
  });
  if (code !== 0) throw new Error(`console build failed (vite exit ${code}):\n${Buffer.concat(output).toString("utf8")}`);
  return { built: true, ms: Date.now() - t0 };
}

/** The console's runtime configuration on the local gateway. */
export const LOCAL_CONSOLE_CONFIG = { auth: { kind: "local" } } as const;

/** Answer `GET /console/…` from the console's dist (and `/console/config.json`); false for any other path. */
export async function serveConsole(req: IncomingMessage, res: ServerResponse, url: URL, repoRoot: string): Promise<boolean> {
  const path = url.pathname;
  if (path !== "/console" && !path.startsWith("/console/")) return false;
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD" }).end();
    return true;
  }
  if (path === "/console") {
    res.writeHead(308, { location: "/console/" }).end();
    return true;
  }
  if (path === "/console/config.json") {
    // locally: same origin, signed in with the loopback dev token (in AWS the stack deploys the OIDC config)
    res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(LOCAL_CONSOLE_CONFIG));
    return true;
  }
  const dist = join(consoleDir(repoRoot), "dist");
  const rel = normalize(decodeURIComponent(path.slice("/console/".length)));
  const file = join(dist, rel);
  const inside = file.startsWith(dist + sep) && !rel.split(sep).includes("..");
  const isAsset = inside && rel.startsWith(`assets${sep}`);
  try {
    const target = inside && rel !== "." && existsSync(file) && statSync(file).isFile() ? file : join(dist, "index.html");
    if (isAsset && target !== file) throw Object.assign(new Error("no such asset"), { code: "ENOENT" });
    const raw = await readFile(target);
    const type = TYPES[extname(target)] ?? "application/octet-stream";
    // what a CDN would do: the bundle goes out gzipped (measured first-load sizes are gzip sizes)
    const gzip = /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? "")) && /^(text\/|application\/json|image\/svg)/.test(type);
    const body = gzip ? gzipSync(raw) : raw;
    res.writeHead(200, {
      "content-type": type,
      "cache-control": target === file && isAsset ? "public, max-age=31536000, immutable" : "no-cache",
      "content-length": body.length,
      vary: "accept-encoding",
      ...(gzip ? { "content-encoding": "gzip" } : {}),
    });
    res.end(req.method === "HEAD" ? undefined : body);
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
    res.writeHead(missing ? 404 : 500, { "content-type": "text/plain; charset=utf-8" });
    res.end(missing ? (isAsset ? "not found" : "The console is not built: run pnpm --filter @siyu/console build (pnpm dev does it on start).") : String(err));
  }
  return true;
}
