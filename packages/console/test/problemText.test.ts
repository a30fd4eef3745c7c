import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatIssues } from "@siyu/kernel";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { issueZh, problemZh } from "../app/api/problemText.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === "node_modules" || name === "dist" || name === "test" || name.startsWith(".")) return [];
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") && !p.endsWith(".test.ts") ? [p] : [];
  });
}

/** Every problem type slug the services raise, and every one docs/problems.md lists. */
function problemTypes(): Set<string> {
  const found = new Set<string>();
  for (const file of [...sources(join(ROOT, "functions")), ...sources(join(ROOT, "packages"))]) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/new AppError\(\s*\d+,\s*"([a-z-]+)"|unprocessable\(\s*"([a-z-]+)"/g)) found.add((m[1] ?? m[2])!);
  }
  for (const m of readFileSync(join(ROOT, "docs", "problems.md"), "utf8").matchAll(/^\| `([a-z-]+)` \|/gm)) found.add(m[1]!);
  return found;
}

// the WeCom callback's own answers, which no console request can receive
const CALLBACK_ONLY = (slug: string) => slug.startsWith("callback-");

describe("the console's Chinese problem texts", () => {
  it("cover every problem type the services raise (a new type without one fails here)", () => {
    const types = [...problemTypes()].filter((t) => !CALLBACK_ONLY(t));
    expect(types.length).toBeGreaterThan(20);
    const missing = types.filter((slug) => problemZh({ type: `https://siyu.dev/problems/${slug}`, title: "x", status: 400 }) === undefined);
    expect(missing).toEqual([]);
  });

  it("read a problem's figures where it has them", () => {
    expect(problemZh({ type: "https://siyu.dev/problems/wecom-rejected", title: "x", status: 502, errcode: 40058 } as never)).toContain("40058");
    expect(problemZh({ type: "https://siyu.dev/problems/internal", title: "x", status: 500, requestId: "r-1" })).toContain("r-1");
    expect(problemZh({ type: "https://siyu.dev/problems/something-new", title: "x", status: 400 })).toBeUndefined();
  });

  it("word the schema rules of the API's field errors, with their figures; a domain rule keeps its message", () => {
    const schema = z.object({ name: z.string().min(1).max(80), staff: z.array(z.string()).min(1).max(100), link: z.url(), when: z.iso.datetime() });
    const r = schema.safeParse({ name: "x".repeat(81), staff: [], link: "nope", when: "soon" });
    expect(r.success).toBe(false);
    const issues = formatIssues(r.error!, ["body"]);
    const byPath = Object.fromEntries(issues.map((i) => [i.path, issueZh(i)]));
    expect(byPath).toEqual({ "body.name": "不能超过 80个字符", "body.staff": "至少选择 1 项", "body.link": "不是有效的网址", "body.when": "不是有效的时间" });
    const missing = formatIssues(z.object({ name: z.string() }).safeParse({}).error!, ["body"]);
    expect(issueZh(missing[0]!)).toBe("必填，或类型不对");
    const custom = formatIssues(z.object({ to: z.string().refine(() => false, "the range is at most 366 days") }).safeParse({ to: "x" }).error!, ["query"]);
    expect(custom[0]).toEqual({ path: "query.to", message: "the range is at most 366 days" });
    expect(issueZh(custom[0]!)).toBeUndefined();
  });

  it("keep a pattern's own description (the schema's words say what is expected), not zod's", () => {
    const schema = z.object({ at: z.string().regex(/^\d\d:\d\d$/, "HH:MM, 00:00–23:59"), code: z.string().regex(/^[a-z]+$/) });
    const issues = formatIssues(schema.safeParse({ at: "25", code: "A" }).error!, ["body"]);
    expect(Object.fromEntries(issues.map((i) => [i.path, issueZh(i)]))).toEqual({ "body.at": "格式不对（HH:MM, 00:00–23:59）", "body.code": "格式不对" });
  });
});
