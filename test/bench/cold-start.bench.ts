/**
 * `pnpm bench cold-start`: every function bundled as `pnpm synth` bundles it (infra's esbuild, ESM,
 * minified, node24 target, the same banner), then per function: the bundle's size by origin (Siyu,
 * zod, the AWS SDK and its parsers, other libraries) and its module init time — the median of fresh
 * Node processes importing the bundle, next to an empty module's (issue 15's goals: non-SDK code
 * ≤ 150 KB minified; a function with no AWS client ≤ 150 KB in all; ≤ 80 ms init for the largest).
 * Init runs on this machine's Node (Lambda runs nodejs24.x on arm64: figures are comparable in ratio,
 * not in absolute terms).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { FALLBACK_FUNCTION, functionEnvironment, loadServices, resolveFallbackEntry } from "@siyu/manifest";
import { ESM_REQUIRE_BANNER } from "../../infra/lib/functions.ts";
import { REPO_ROOT } from "../support/platform.ts";
import { percentile } from "./stats.ts";

// the esbuild `pnpm synth` bundles with: infra's own (infra/lib/functions.ts ensureLocalEsbuild)
const { build } = createRequire(join(REPO_ROOT, "infra", "package.json"))("esbuild") as typeof import("../../infra/node_modules/esbuild/lib/main.js");

const RUNS = 7;
const SDK = /^(@aws-sdk\/|@smithy\/|@aws-crypto\/|@aws\/|fast-xml-parser$|fast-xml-builder$|strnum$|is-unsafe$|path-expression-matcher$|bowser$|tslib$|uuid$)/;
const GOAL_NON_SDK_KB = 150;
const GOAL_INIT_MS = 80;

interface Fn {
  name: string;
  entry: string;
  env: Record<string, string>;
}

function origin(input: string): string {
  const m = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (!m) return "siyu";
  if (m[1] === "zod") return "zod";
  return SDK.test(m[1]!) ? "sdk" : `lib:${m[1]}`;
}

/** Median ms to import `file` in a fresh Node process (the module's top level: what a cold start runs before the handler). */
function initMs(file: string, env: Record<string, string>): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { env: { ...process.env, ...env }, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`importing ${file} failed: ${r.stderr}`);
    times.push(Number(r.stdout));
  }
  return percentile(times, 50);
}

/**
 * Median ms to parse and compile `file` as an ES module without running it (vm.SourceTextModule in a
 * fresh process): the part of the init that grows with the bundle's size whatever the code does.
 */
function compileMs(file: string): number {
  const script = `import { readFileSync } from "node:fs"; import vm from "node:vm"; const src = readFileSync(${JSON.stringify(file)}, "utf8"); const t = performance.now(); new vm.SourceTextModule(src); process.stdout.write(String(performance.now() - t));`;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = spawnSync(process.execPath, ["--experimental-vm-modules", "--no-warnings", "--input-type=module", "-e", script], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`compiling ${file} failed: ${r.stderr}`);
    times.push(Number(r.stdout));
  }
  return percentile(times, 50);
}

export async function run(): Promise<void> {
  const services = await loadServices(REPO_ROOT);
  const fns: Fn[] = [];
  const fake = (name: string) => functionEnvironment(
    services.find((s) => s.manifest.name === name)!.manifest,
    {
      client: "bench",
      corpId: "wwbench",
      timeZone: "Asia/Shanghai",
      tableName: `siyu-bench-${name}`,
      topicArn: "arn:aws:sns:ap-east-1:123456789012:bench",
      queueUrls: Object.fromEntries(services.find((s) => s.manifest.name === name)!.manifest.queues.map((q) => [q.name, `https://sqs.ap-east-1.amazonaws.com/123456789012/${q.name}`])),
      wecomSecretArn: "arn:aws:secretsmanager:ap-east-1:123456789012:secret:wecom-AbCdEf",
      publicBaseUrl: "https://api.example.com",
      blobs: { bucket: "bench-blobs" },
    },
  );
  for (const { manifest: m, dir } of services) {
    const env = fake(m.name);
    if (m.http) fns.push({ name: `${m.name}/http`, entry: join(dir, m.http.entry), env });
    for (const q of m.queues) fns.push({ name: `${m.name}/${q.name}`, entry: join(dir, q.consumer), env });
    for (const s of m.schedules) fns.push({ name: `${m.name}/job ${s.name}`, entry: join(dir, s.handler), env });
  }
  const fallback = resolveFallbackEntry(REPO_ROOT, undefined);
  if (fallback) fns.push({ name: `fallback (${FALLBACK_FUNCTION.description.slice(0, 20)}…)`, entry: fallback, env: {} });

  const out = mkdtempSync(join(tmpdir(), "siyu-cold-start-"));
  const lambdaEnv = { AWS_REGION: "ap-east-1", AWS_ACCESS_KEY_ID: "bench", AWS_SECRET_ACCESS_KEY: "bench", AWS_LAMBDA_FUNCTION_NAME: "bench", NODE_ENV: "production" };
  try {
    writeFileSync(join(out, "empty.mjs"), "export const handler = async () => {};\n");
    const empty = initMs(join(out, "empty.mjs"), lambdaEnv);
    console.log(`${fns.length} functions, each bundled as pnpm synth does; init = median of ${RUNS} fresh processes (empty module: ${empty.toFixed(1)} ms)\n`);
    console.log("| function | KB min | Siyu | zod | AWS SDK | other | non-SDK ≤ 150 | init ms | − empty | of it: compile | run |");
    console.log("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|");
    const rows: { name: string; total: number; sdk: number; init: number; compile: number }[] = [];
    for (const [i, fn] of fns.entries()) {
      const dir = join(out, String(i));
      mkdirSync(dir);
      const file = join(dir, "index.mjs");
      const r = await build({
        entryPoints: [fn.entry],
        outfile: file,
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node24",
        minify: true,
        mainFields: ["module", "main"],
        banner: { js: ESM_REQUIRE_BANNER },
        metafile: true,
        logLevel: "error",
        absWorkingDir: REPO_ROOT,
      });
      const output = Object.values(r.metafile.outputs)[0]!;
      const by = new Map<string, number>();
      for (const [input, v] of Object.entries(output.inputs)) {
        const o = origin(input);
        const k = o.startsWith("lib:") ? "other" : o;
        by.set(k, (by.get(k) ?? 0) + v.bytesInOutput);
      }
      const kb = (k: string) => (by.get(k) ?? 0) / 1024;
      const total = output.bytes / 1024;
      const nonSdk = total - kb("sdk");
      const goal = kb("sdk") === 0 ? total <= GOAL_NON_SDK_KB : nonSdk <= GOAL_NON_SDK_KB;
      const init = initMs(file, { ...lambdaEnv, ...fn.env });
      const compile = compileMs(file);
      rows.push({ name: fn.name, total, sdk: kb("sdk"), init, compile });
      console.log(
        `| ${fn.name} | ${total.toFixed(0)} | ${kb("siyu").toFixed(0)} | ${kb("zod").toFixed(0)} | ${kb("sdk").toFixed(0)} | ${kb("other").toFixed(0)} | ${goal ? "met" : `missed (${nonSdk.toFixed(0)})`} | ${init.toFixed(1)} | ${(init - empty).toFixed(1)} | ${compile.toFixed(1)} | ${Math.max(0, init - empty - compile).toFixed(1)} |`,
      );
    }
    const largest = rows.reduce((a, b) => (b.total > a.total ? b : a));
    const slowest = rows.reduce((a, b) => (b.init > a.init ? b : a));
    // what bounds the init: compiling grows with the bytes; the rest is the modules' top level (zod building schemas, the SDK's clients)
    const perKb = rows.reduce((n, r) => n + r.compile, 0) / rows.reduce((n, r) => n + r.total, 0);
    const sdkShare = rows.reduce((n, r) => n + r.sdk, 0) / rows.reduce((n, r) => n + r.total, 0);
    console.log(
      `\nwhat bounds the init: compiling the bundle, ${(perKb * 100).toFixed(1)} ms per 100 KB here (the AWS SDK is ${(sdkShare * 100).toFixed(0)} % of the bytes), then running the modules' top level (the 'run' column: zod building the schemas, the SDK's clients)`,
    );
    console.log(`\nlargest: ${largest.name} ${largest.total.toFixed(0)} KB, init ${largest.init.toFixed(1)} ms (goal ≤ ${GOAL_INIT_MS}: ${largest.init <= GOAL_INIT_MS ? "met" : "missed"}); slowest init: ${slowest.name} ${slowest.init.toFixed(1)} ms`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
