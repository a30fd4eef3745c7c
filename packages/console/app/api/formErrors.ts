import type { FormInstance } from "antd";
import { describeProblem, issueText, type Problem } from "./problem";

type Name = (string | number)[];

/** `body.staff.1.dailyCap` → `["staff", 1, "dailyCap"]` (the request part dropped). */
export function formName(path: string): Name {
  const parts = path.split(".");
  if (parts[0] === "body" || parts[0] === "query") parts.shift();
  return parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

const isRegistered = (form: FormInstance, name: Name) => form.getFieldsError().some((f) => f.name.length === name.length && f.name.every((x, i) => x === name[i]));

/** Clear every field's errors (before a new submit). */
export function clearFormErrors(form: FormInstance): void {
  form.setFields(form.getFieldsError().map((f) => ({ name: f.name, errors: [] })));
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
  for (const issue of problem.errors ?? []) {
    const name = formName(issue.path);
    const top = String(name[0]);
    const text = issueText(issue);
    if (!fields.includes(top)) {
      rest.push(`${issue.path}: ${text}`);
      continue;
    }
    const target = name.length > 1 && isRegistered(form, name) ? name : [aliases[top] ?? top];
    const key = JSON.stringify(target);
    placed.set(key, { name: target, errors: [...(placed.get(key)?.errors ?? []), text] });
  }
  form.setFields([...placed.values()]);
  if (placed.size > 0 && rest.length === 0) return undefined;
  return [describeProblem(problem), ...rest].join("; ");
}
