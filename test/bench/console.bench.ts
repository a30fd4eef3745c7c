/**
 * `pnpm bench console`: the console's production bundle (packages/console, built when stale), the
 * gzip bytes an operator's browser downloads to render each page the first time (issue 14's goal:
 * ≤ 400 KB gzip for the first load, i.e. opening /console/ on 首页): the shell's module graph plus
 * the page's lazy chunk and its static imports, plus the chart chunk for pages that draw one; each
 * other page as if opened straight from a link; and the English chunk the language toggle loads. Files are gzipped at level 9 as the
 * local gateway serves them (CloudFront's compression is comparable). The first render time is the
 * console e2e's "首页 figures rendered … ms" line.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { consoleDir, ensureConsoleBuilt } from "../../packages/local/src/console.ts";
import { REPO_ROOT } from "../support/platform.ts";

const GOAL_KB = 400;

export async function run(): Promise<void> {
  const built = await ensureConsoleBuilt(REPO_ROOT);
  const assets = join(consoleDir(REPO_ROOT), "dist", "assets");
  const files = readdirSync(assets);
  const text = (f: string) => readFileSync(join(assets, f), "utf8");
  const gz = new Map(files.map((f) => [f, gzipSync(readFileSync(join(assets, f)), { level: 9 }).length]));
  const staticDeps = (f: string) => [...text(f).matchAll(/(?:from|import)\s*"\.\/([^"]+\.js)"/g)].map((m) => m[1]!);
  const lazyDeps = (f: string) => [...text(f).matchAll(/import\(\s*[`"']\.\/([^`"']+\.js)[`"']\s*\)/g)].map((m) => m[1]!);
  const closure = (roots: string[]) => {
    const seen = new Set<string>();
    const walk = (f: string) => {
      if (seen.has(f)) return;
      seen.add(f);
      for (const d of staticDeps(f)) walk(d);
    };
    for (const r of roots) walk(r);
    return seen;
  };
  const html = readFileSync(join(consoleDir(REPO_ROOT), "dist", "index.html"), "utf8");
  const entry = /src="\/console\/assets\/([^"]+\.js)"/.exec(html)![1]!;
  const css = [...html.matchAll(/href="\/console\/assets\/([^"]+\.css)"/g)].map((m) => m[1]!);
  const shell = closure([entry, ...css]);
  const chart = files.find((f) => /^Chart-.*\.js$/.test(f));
  const kb = (set: Set<string>) => [...set].reduce((n, f) => n + (gz.get(f) ?? 0), 0) / 1024;

  console.log(`console build: ${built.built ? `built in ${built.ms} ms` : "current"}; ${files.length} assets, ${(files.reduce((n, f) => n + (gz.get(f) ?? 0), 0) / 1024).toFixed(0)} KB gzip in all`);
  console.log(`shell (entry ${entry} + ${shell.size - 1} static imports): ${kb(shell).toFixed(1)} KB gzip`);
  console.log("\n| page | chunk | first load, KB gzip | with chart | goal ≤ 400 |");
  console.log("|---|---|---:|---|---|");
  // the English words and antd's en_US locale: one chunk, loaded only on the language toggle
  const english = lazyDeps(entry).filter((f) => /^en-[^.]+\.js$/.test(f));
  for (const page of lazyDeps(entry).filter((f) => !english.includes(f))) {
    const load = closure([...shell, page]);
    const drawsChart = [...load].some((f) => f.startsWith("LazyChart-")) && chart !== undefined;
    if (drawsChart) for (const f of closure([chart])) load.add(f);
    const total = kb(load);
    console.log(`| ${page.replace(/-[^-]+\.js$/, "")} | ${page} | ${total.toFixed(1)} | ${drawsChart ? "yes" : "no"} | ${total <= GOAL_KB ? "met" : "missed"} |`);
  }
  const englishKb = kb(new Set([...closure(english)].filter((f) => !shell.has(f))));
  console.log(`\nopening the console (/console/ is 首页) is the first load; the other rows are a first visit straight to that page. English (on the toggle): +${englishKb.toFixed(1)} KB gzip`);
  const biggest = [...gz].sort((a, b) => b[1] - a[1]).slice(0, 5);
  console.log(`\nlargest assets (KB gzip): ${biggest.map(([f, n]) => `${f} ${(n / 1024).toFixed(1)}`).join(", ")}`);
}
