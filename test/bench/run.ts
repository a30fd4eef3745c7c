/**
 * `pnpm bench [name…]`: runs `test/bench/<name>.bench.ts` (each exports `run(): Promise<void>` and
 * prints its own tables), or every benchmark when no name is given. Benchmarks report percentiles
 * and ratios from one run; they are not pass/fail tests.
 */
import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const dir = fileURLToPath(new URL(".", import.meta.url));
const available = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.replace(/\.bench\.ts$/, ""))
  .sort();
const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const unknown = wanted.filter((w) => !available.includes(w));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(", ")}; available: ${available.join(", ")}`);
  process.exit(2);
}
for (const name of wanted.length ? wanted : available) {
  console.log(`\n## bench ${name}  (${new Date().toISOString()}, node ${process.version})`);
  const mod = (await import(pathToFileURL(`${dir}${name}.bench.ts`).href)) as { run: () => Promise<void> };
  await mod.run();
}
process.exit(0);
