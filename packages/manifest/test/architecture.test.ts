import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The layering of docs/architecture.md, checked on the source itself:
 * - domain code (`functions/<service>/src/domain/**`) is pure: no AWS SDK, no store (a path with
 *   `/store/`, `@siyu/store`), no `@siyu/bus`, no `@siyu/lambda-kit`, no `process.env`, and no
 *   relative import out of its domain folder (into app/, store/, http/ …);
 * - entry points (`functions/<service>/src/{http,consumers,jobs,cli}/**`) import no store module (a
 *   path with `/store/`): their I/O goes through a use case in src/app (the shared `@siyu/store`
 *   package stays allowed: the CLI sets its document client from it);
 * - no import cycles outside packages/wecom-sim, counting type-only and dynamic imports (a type
 *   cycle is still two files that cannot be read one after the other).
 * Imports are read with the TypeScript parser, so comments and strings never count.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

const FORBIDDEN_IN_DOMAIN: { test: (specifier: string) => boolean; why: string }[] = [
  { test: (s) => s.startsWith("@aws-sdk/"), why: "an AWS SDK" },
  { test: (s) => s === "@siyu/store" || s.startsWith("@siyu/store/") || s.includes("/store/"), why: "a store module" },
  { test: (s) => s === "@siyu/bus" || s.startsWith("@siyu/bus/"), why: "@siyu/bus" },
  { test: (s) => s === "@siyu/lambda-kit" || s.startsWith("@siyu/lambda-kit/"), why: "@siyu/lambda-kit" },
];

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules") return [];
    if (statSync(path).isDirectory()) return tsFiles(path);
    return /\.(ts|tsx|mts)$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

const subdirs = (dir: string) => readdirSync(dir).filter((n) => statSync(join(dir, n)).isDirectory() && n !== "node_modules");

/** Every module specifier a file imports or re-exports, statically, type-only or with `import()`. */
function importsOf(file: string, text = readFileSync(file, "utf8")): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** `process.env` (or `process["env"]`) anywhere in the code (not in comments or strings). */
function usesProcessEnv(file: string, text = readFileSync(file, "utf8")): boolean {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    const isProcess = (e: ts.Expression) => ts.isIdentifier(e) && e.text === "process";
    if (ts.isPropertyAccessExpression(node) && isProcess(node.expression) && node.name.text === "env") found = true;
    else if (ts.isElementAccessExpression(node) && isProcess(node.expression) && ts.isStringLiteralLike(node.argumentExpression) && node.argumentExpression.text === "env") found = true;
    else ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** What a domain file breaks (empty when it is pure). */
function domainViolations(file: string, domainDir: string, text = readFileSync(file, "utf8")): string[] {
  const out: string[] = [];
  for (const s of importsOf(file, text)) {
    for (const rule of FORBIDDEN_IN_DOMAIN) if (rule.test(s)) out.push(`imports ${rule.why} ("${s}")`);
    if (s.startsWith(".") && relative(domainDir, resolve(dirname(file), s)).startsWith("..")) out.push(`imports "${s}" from outside its domain folder`);
  }
  if (usesProcessEnv(file, text)) out.push("reads process.env (configuration comes in as arguments)");
  return out;
}

const ENTRY_POINT_DIRS = ["http", "consumers", "jobs", "cli"] as const;

/** What an entry-point file breaks (empty when it reaches the store only through src/app). */
function entryPointViolations(file: string, text = readFileSync(file, "utf8")): string[] {
  return importsOf(file, text)
    .filter((s) => s.includes("/store/"))
    .map((s) => `imports a store module ("${s}"); call a use case in src/app instead`);
}

// --- the import graph ------------------------------------------------------------------------------------

/** `@siyu/<name>[/sub]` → the file its package.json `exports` names. */
function workspaceTargets(): Map<string, string> {
  const out = new Map<string, string>();
  for (const dir of subdirs(join(ROOT, "packages"))) {
    const pkgFile = join(ROOT, "packages", dir, "package.json");
    if (!existsSync(pkgFile)) continue;
    const pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as { name: string; exports?: Record<string, string> };
    for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
      if (typeof target === "string") out.set(sub === "." ? pkg.name : `${pkg.name}/${sub.replace(/^\.\//, "")}`, join(ROOT, "packages", dir, target));
    }
  }
  return out;
}

function resolveRelative(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  const candidates = [base, base.replace(/\.js$/, ".ts"), `${base}.ts`, join(base, "index.ts")];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

/** Files of infra/, packages/*\/src and functions/* (manifests and src), each with the files it imports. */
function importGraph(): Map<string, string[]> {
  const files = [
    ...tsFiles(join(ROOT, "infra", "bin")),
    ...tsFiles(join(ROOT, "infra", "lib")),
    ...subdirs(join(ROOT, "packages")).flatMap((p) => tsFiles(join(ROOT, "packages", p, "src"))),
    ...subdirs(join(ROOT, "functions")).flatMap((f) => [...tsFiles(join(ROOT, "functions", f, "src")), join(ROOT, "functions", f, "service.ts")].filter(existsSync)),
  ];
  const workspace = workspaceTargets();
  return new Map(
    files.map((file) => [
      file,
      importsOf(file).flatMap((s) => {
        const target = s.startsWith(".") ? resolveRelative(file, s) : workspace.get(s);
        return target ? [target] : [];
      }),
    ]),
  );
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const connect = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) connect(v);
  return out;
}

// --- the checks -------------------------------------------------------------------------------------------

describe("architecture", () => {
  it("domain code imports no AWS SDK, store, bus or lambda-kit and reads no process.env", () => {
    const found: string[] = [];
    let checked = 0;
    for (const service of subdirs(join(ROOT, "functions"))) {
      const domainDir = join(ROOT, "functions", service, "src", "domain");
      for (const file of tsFiles(domainDir)) {
        checked++;
        for (const v of domainViolations(file, domainDir)) found.push(`${relative(ROOT, file)}: ${v}`);
      }
    }
    expect(checked).toBeGreaterThan(0);
    expect(found).toEqual([]);
  });

  it("entry points (http, consumers, jobs, cli) import no store module", () => {
    const found: string[] = [];
    let checked = 0;
    for (const service of subdirs(join(ROOT, "functions"))) {
      for (const dir of ENTRY_POINT_DIRS) {
        for (const file of tsFiles(join(ROOT, "functions", service, "src", dir))) {
          checked++;
          for (const v of entryPointViolations(file)) found.push(`${relative(ROOT, file)}: ${v}`);
        }
      }
    }
    expect(checked).toBeGreaterThan(10);
    expect(found).toEqual([]);
  });

  it("has no import cycles outside packages/wecom-sim", () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(50);
    const sim = join(ROOT, "packages", "wecom-sim") + "/";
    const found = cycles(graph)
      .filter((c) => !c.every((f) => f.startsWith(sim)))
      .map((c) => c.map((f) => relative(ROOT, f)).join(" ⇄ "));
    expect(found).toEqual([]);
  });

  // the checks themselves, on planted code: each rule must be able to fail
  it("catches each kind of domain violation, and not comments or strings", () => {
    const domainDir = "/repo/functions/x/src/domain";
    const file = `${domainDir}/rules.ts`;
    const plant = (code: string) => domainViolations(file, domainDir, code);
    expect(plant('import { DynamoDBClient } from "@aws-sdk/client-dynamodb";')).toEqual(['imports an AWS SDK ("@aws-sdk/client-dynamodb")']);
    expect(plant('import { getItem } from "../store/items.ts";')[0]).toBe('imports a store module ("../store/items.ts")');
    expect(plant('import type { Item } from "@siyu/store";')).toEqual(['imports a store module ("@siyu/store")']);
    expect(plant('export { publishEvent } from "@siyu/bus";')).toEqual(['imports @siyu/bus ("@siyu/bus")']);
    expect(plant('const kit = await import("@siyu/lambda-kit");')).toEqual(['imports @siyu/lambda-kit ("@siyu/lambda-kit")']);
    expect(plant('import { run } from "../app/run.ts";')).toEqual(['imports "../app/run.ts" from outside its domain folder']);
    expect(plant("export const tz = process.env.TZ;")).toEqual(["reads process.env (configuration comes in as arguments)"]);
    expect(plant('export const tz = process["env"]["TZ"];')).toHaveLength(1);
    expect(plant('// process.env and "@aws-sdk/x" in a comment\nexport const s = "process.env";\nimport { a } from "./caps.ts";\nimport { z } from "zod";')).toEqual([]);
  });

  it("catches an entry point importing a store, and not comments, strings or use cases", () => {
    const plant = (code: string) => entryPointViolations("/repo/functions/x/src/http/items.ts", code);
    expect(plant('import { getItem } from "../store/items.ts";')).toEqual(['imports a store module ("../store/items.ts"); call a use case in src/app instead']);
    expect(plant('import type { Item } from "../../src/store/items.ts";')).toHaveLength(1);
    expect(plant('export { LedgerWriteImpossible } from "../store/ledger.ts";')).toHaveLength(1);
    expect(plant('const s = await import("../store/items.ts");')).toHaveLength(1);
    expect(plant('// "../store/items.ts" in a comment\nexport const s = "../store/x.ts";\nimport { getItem } from "../app/items.ts";\nimport { route } from "@siyu/lambda-kit";\nimport { setDocumentClient } from "@siyu/store";')).toEqual([]);
  });

  it("finds a planted cycle, a self-import, and no cycle in a chain", () => {
    expect(cycles(new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]]]))).toEqual([["a", "b", "c"]]);
    expect(cycles(new Map([["a", ["a"]]]))).toEqual([["a"]]);
    expect(cycles(new Map([["a", ["b"]], ["b", ["c"]], ["c", []]]))).toEqual([]);
  });
});
