import type { FormInstance } from "antd";
import { describeProblem, issueText, type Problem } from "./problem";

type Name = (string | number)[];

/** `body.staff.1.dailyCap` → `["staff", 1, "dailyCap"]` (the request part dropped). */
export function formName(path: string): Name {
  const parts = path.split(".");
  if (parts[0] === "body" || parts[0] === "query") parts.shift();
  return parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/**
 * Of the form's registered field names, the longest that `path` starts with (segments compared as
 * text: `["groups", 2, "chatId"]` matches `groups.2.chatId.x`), or undefined.
 */
export function deepestField(registered: readonly Name[], path: readonly (string | number)[]): Name | undefined {
  const segs = path.map(String);
  let best: Name | undefined;
  for (const name of registered) {
    if (name.length <= segs.length && name.every((x, i) => String(x) === segs[i]) && name.length > (best?.length ?? 0)) best = name;
  }
  return best;
}

const registeredNames = (form: Pick<FormInstance, "getFieldsError">): Name[] => form.getFieldsError().map((f) => f.name as Name);

/** Clear every field's errors (before a new submit). */
export function clearFormErrors(form: Pick<FormInstance, "getFieldsError" | "setFields">): void {
  form.setFields(registeredNames(form).map((name) => ({ name, errors: [] })));
}

/**
 * Put a problem's field errors on an antd form, each on the most precise field the form has:
 * `body.staff.1.dailyCap` on that list item's cap when it is a form field, else on `staff`. `fields`
 * are the form's top-level API fields; `aliases` maps an API field to the form's own name for it
 * (`welcome` → `welcomeText`). Returns the text for above the form — the problem's sentence and any
 * error no field shows — or undefined when every error found its field.
 *
 * @example
 * catch (err) { if (err instanceof ProblemError) setFormError(problemOnForm(form, err.problem, ["name", "staff"])); }
 */
export function problemOnForm(form: FormInstance, problem: Problem, fields: readonly string[], aliases: Record<string, string> = {}): string | undefined {
  const placed = new Map<string, { name: Name; errors: string[] }>();
  const rest: string[] = [];
  const registered = registeredNames(form);
  for (const issue of problem.errors ?? []) {
    const name = formName(issue.path);
    const top = String(name[0]);
    const text = issueText(issue);
    if (!fields.includes(top)) {
      rest.push(`${issue.path}: ${text}`);
      continue;
    }
    const deepest = deepestField(registered, name);
    const target = deepest && deepest.length > 1 ? deepest : [aliases[top] ?? top];
    const key = JSON.stringify(target);
    placed.set(key, { name: target, errors: [...(placed.get(key)?.errors ?? []), text] });
  }
  form.setFields([...placed.values()]);
  if (placed.size > 0 && rest.length === 0) return undefined;
  return [describeProblem(problem), ...rest].join("; ");
}
