/**
 * The 群活码 form's values ↔ the API's bodies, and the API's field errors → the form's fields. The API
 * validates (one set of rules, in group-live-code's domain); the form only shapes what was typed.
 */

import { deepestField } from "../../api/formErrors";
import type { AutoCreate, GroupCodeCreate, GroupCodeDetail, GroupCodeMode, GroupCodePatch, GroupWelcome, WelcomeAttachment } from "../../api/groupCodes";
import { describeProblem, issueText, type Problem } from "../../api/problem";

export type AttachType = "none" | WelcomeAttachment["type"];

export interface GroupRow {
  chatId?: string;
  ownerUserId?: string;
  capacity?: number | null;
  /** Already in the pool (edit): shown, removable, not editable. */
  existing?: boolean;
  name?: string | null;
}

export interface CodeFormValues {
  name?: string;
  mode: GroupCodeMode;
  capacity?: number | null;
  ownerUserId?: string;
  groups: GroupRow[];
  welcome: { text?: string; attachment: { type: AttachType } & Record<string, Record<string, string | undefined> | string | undefined> };
  autoCreate: { enabled: boolean; roomBaseName?: string; roomBaseId?: number | null };
}

const filled = (s: string | undefined) => s !== undefined && s.trim() !== "";
/** Optional fields only when typed; required ones always (an empty one is the API's field error). */
const pick = (o: Record<string, string | undefined> | undefined, required: readonly string[], optional: readonly string[] = []) => {
  const out: Record<string, string> = {};
  for (const k of required) out[k] = o?.[k] ?? "";
  for (const k of optional) if (filled(o?.[k])) out[k] = o![k]!;
  return out;
};

const FIELDS: Record<WelcomeAttachment["type"], [readonly string[], readonly string[]]> = {
  image: [[], ["mediaId", "picUrl"]],
  link: [["title", "url"], ["picUrl", "desc"]],
  miniprogram: [["title", "picMediaId", "appId", "page"], []],
  video: [["mediaId"], []],
  file: [["mediaId"], []],
};

function welcomeOf(v: CodeFormValues["welcome"]): GroupWelcome | undefined {
  const type = v.attachment.type;
  const text = filled(v.text) ? v.text : undefined;
  if (type === "none") return text === undefined ? undefined : { text };
  const [required, optional] = FIELDS[type];
  // built from the form by its type (`{ type, [type]: fields }`): TypeScript cannot relate a computed key of a union to the
  // matching member of the discriminated union, and `pick` checks the fields by name at run time, so this cast stays
  const attachment = { type, [type]: pick(v.attachment[type] as Record<string, string | undefined> | undefined, required, optional) } as unknown as WelcomeAttachment;
  return { ...(text !== undefined ? { text } : {}), attachment };
}

function autoCreateOf(v: CodeFormValues["autoCreate"]): AutoCreate {
  if (!v.enabled) return { enabled: false };
  return { enabled: true, roomBaseName: v.roomBaseName ?? "", ...(typeof v.roomBaseId === "number" ? { roomBaseId: v.roomBaseId } : {}) };
}

const groupOf = (r: GroupRow) => ({ chatId: r.chatId?.trim() ?? "", ownerUserId: r.ownerUserId?.trim() ?? "", ...(typeof r.capacity === "number" ? { capacity: r.capacity } : {}) });

export function createBody(v: CodeFormValues): GroupCodeCreate {
  const welcome = welcomeOf(v.welcome);
  return {
    name: v.name ?? "",
    mode: v.mode,
    groups: v.groups.map(groupOf),
    ...(typeof v.capacity === "number" ? { capacity: v.capacity } : {}),
    ...(filled(v.ownerUserId) ? { ownerUserId: v.ownerUserId!.trim() } : {}),
    ...(welcome ? { welcome } : {}),
    ...(v.autoCreate.enabled ? { autoCreate: autoCreateOf(v.autoCreate) } : {}),
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const withBaseId = (a: AutoCreate) => (a.enabled ? { ...a, roomBaseId: a.roomBaseId ?? 1 } : a);

/** What changed against the stored code (only that is sent), and which form row each added group is. */
export function patchBody(v: CodeFormValues, code: GroupCodeDetail): { body: GroupCodePatch; addedRows: number[] } {
  const body: GroupCodePatch = {};
  if ((v.name ?? "") !== code.name) body.name = v.name ?? "";
  if (typeof v.capacity === "number" && v.capacity !== code.capacity) body.capacity = v.capacity;
  const owner = filled(v.ownerUserId) ? v.ownerUserId!.trim() : null;
  if (owner !== code.ownerUserId) body.ownerUserId = owner;
  const welcome = welcomeOf(v.welcome) ?? null;
  if (!same(welcome, code.welcome)) body.welcome = welcome;
  const autoCreate = autoCreateOf(v.autoCreate);
  if (!same(withBaseId(autoCreate), withBaseId(code.autoCreate))) body.autoCreate = autoCreate;
  const addedRows = v.groups.flatMap((r, i) => (r.existing ? [] : [i]));
  if (addedRows.length) body.addGroups = addedRows.map((i) => groupOf(v.groups[i]!));
  const kept = new Set(v.groups.filter((r) => r.existing).map((r) => r.chatId));
  const removed = code.groups.filter((g) => !kept.has(g.chatId)).map((g) => g.chatId);
  if (removed.length) body.removeChatIds = removed;
  return { body, addedRows };
}

/** The stored code as form values (edit). */
export function valuesOf(code: GroupCodeDetail): CodeFormValues {
  const a = code.welcome?.attachment;
  return {
    name: code.name,
    mode: code.mode,
    capacity: code.capacity,
    ownerUserId: code.ownerUserId ?? "",
    groups: code.groups.map((g) => ({ chatId: g.chatId, ownerUserId: g.ownerUserId ?? "", capacity: g.capacity, existing: true, name: g.name })),
    welcome: { text: code.welcome?.text ?? "", attachment: a ? ({ ...a } as CodeFormValues["welcome"]["attachment"]) : { type: "none" } },
    autoCreate: code.autoCreate.enabled ? { enabled: true, roomBaseName: code.autoCreate.roomBaseName, roomBaseId: code.autoCreate.roomBaseId ?? 1 } : { enabled: false },
  };
}

export const emptyValues: CodeFormValues = { mode: "native", capacity: 200, groups: [{}], welcome: { text: "", attachment: { type: "none" } }, autoCreate: { enabled: false } };

/**
 * Each field error of a problem on the deepest form field its path names (`body.groups.2.chatId` →
 * the row's 群聊 ID; an edit's `body.addGroups.0.chatId` → the first added row); the rest (a path the
 * form has no field for, or none) comes back for the alert above the form.
 */
export function placeErrors(problem: Problem, registered: readonly (string | number)[][], addedRows: readonly number[] = []): { fields: Map<string, { name: (string | number)[]; errors: string[] }>; rest: string[] } {
  const fields = new Map<string, { name: (string | number)[]; errors: string[] }>();
  const rest: string[] = [];
  for (const e of problem.errors ?? []) {
    const parts = e.path.split(".");
    if (parts[0] === "body") parts.shift();
    if (parts[0] === "addGroups" && parts[1] !== undefined && addedRows[Number(parts[1])] !== undefined) parts.splice(0, 2, "groups", String(addedRows[Number(parts[1])]));
    const hit = deepestField(registered, parts);
    if (!hit) {
      rest.push(`${e.path}: ${issueText(e)}`);
      continue;
    }
    const key = hit.join(".");
    const f = fields.get(key) ?? { name: hit, errors: [] };
    f.errors.push(issueText(e));
    fields.set(key, f);
  }
  if (!problem.errors?.length) rest.push(describeProblem(problem));
  return { fields, rest };
}
