/** An RFC 9457 problem as the API answers it (`components.schemas.Problem`). */
import { issueZh, problemZh } from "./problemText";
import type { components } from "./schema";

export type Problem = components["schemas"]["Problem"];

/** A thrown problem, so pages can show its `detail` and forms its `errors`. */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
}

const isProblem = (e: unknown): e is Problem => typeof e === "object" && e !== null && "status" in e && "title" in e;

/**
 * The data of an openapi-fetch answer, or a thrown `ProblemError`.
 *
 * @example
 * const channels = unwrap(await api.GET("/v1/channels", { params: { query: { limit: 20 } } }));
 */
export function unwrap<T>(r: { data?: T; error?: unknown; response: Response }): T {
  if (r.error !== undefined) {
    throw new ProblemError(isProblem(r.error) ? r.error : { type: "about:blank", title: r.response.statusText || "Error", status: r.response.status, detail: String(r.error) });
  }
  return r.data as T;
}

/** `body.staff.0.userId` → the form field `staff` (the first segment after the request part). */
export function fieldOf(path: string): string {
  const parts = path.split(".");
  return (parts[0] === "body" || parts[0] === "query" ? parts[1] : parts[0]) ?? path;
}

/** One field error's words: Chinese where the schema rule is known and the console is in Chinese, else the API's message. */
export function issueText(issue: NonNullable<Problem["errors"]>[number], lang: "zh" | "en" = currentLang()): string {
  return (lang === "zh" ? issueZh(issue) : undefined) ?? issue.message;
}

/** A problem's sentence: Chinese for a known type in Chinese mode, else its own `detail` (or title). */
export function describeProblem(problem: Problem, lang: "zh" | "en" = currentLang()): string {
  return (lang === "zh" ? problemZh(problem) : undefined) ?? problem.detail ?? problem.title;
}

/** Problem field errors grouped by form field, worded by `issueText`. */
export function fieldErrors(problem: Problem, lang: "zh" | "en" = currentLang()): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of problem.errors ?? []) {
    const f = fieldOf(e.path);
    out.set(f, [...(out.get(f) ?? []), issueText(e, lang)]);
  }
  return out;
}

/** The console's language as the toggle left it (i18n.tsx keeps it in localStorage). */
export function currentLang(): "zh" | "en" {
  const storage = (globalThis as { localStorage?: { getItem(key: string): string | null } }).localStorage;
  return storage?.getItem("siyu.lang") === "en" ? "en" : "zh";
}
