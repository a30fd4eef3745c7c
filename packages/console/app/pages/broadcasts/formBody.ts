/**
 * The campaign form's values and the API body they make, both ways, and where each of the API's
 * field errors goes: the form's field names follow the body's paths (`content.attachments.2.link.title`),
 * so an error lands on the longest field name its path starts with.
 */
import type { FormInstance } from "antd";
import type { Attachment, Audience, Campaign, CampaignBody, Schedule } from "../../api/broadcasts";
import { clearFormErrors, deepestField } from "../../api/formErrors";
import { issueText, type Problem } from "../../api/problem";

/** A picked date (antd's DatePicker value, a dayjs object: only `format` is used). */
export interface Picked {
  format(template?: string): string;
}

export type AttachmentType = Attachment["type"];

/** One attachment row of the form: its type and the fields of every type (only the type's are sent). */
export interface AttachmentValues {
  type: AttachmentType;
  image?: { picUrl?: string; mediaId?: string };
  link?: { title?: string; url?: string; picUrl?: string; desc?: string };
  miniprogram?: { title?: string; picMediaId?: string; appId?: string; page?: string };
  video?: { mediaId?: string };
  file?: { mediaId?: string };
}

export interface FormValues {
  name?: string;
  content?: { text?: string; attachments?: AttachmentValues[] };
  audience: {
    chatType: "single" | "group";
    staff?: string[];
    tags?: { allOf?: string[][]; noneOf?: string[] };
    channels?: string[];
    added?: [Picked | null, Picked | null] | null;
    externalUserIds?: string[];
    owners?: string[];
    chatIds?: string[];
  };
  schedule: { kind: Schedule["kind"]; at?: Picked | null; cron?: string; until?: Picked | null };
  deadline?: Picked | null;
  reminders: { auto: boolean; hoursBeforeDeadline?: string[] };
  allowSelect: boolean;
}

/** The dates of a stored campaign, kept while editing: a date the operator does not pick again is sent as it was. */
export interface StoredDates {
  at?: string;
  until?: string;
  deadline?: string;
  addedFrom?: string;
  addedTo?: string;
}

const some = <T>(xs: T[] | undefined): T[] | undefined => (xs && xs.length > 0 ? xs : undefined);
const trimmed = (s: string | undefined) => (s?.trim() ? s.trim() : undefined);
const instant = (p: Picked | null | undefined, kept?: string) => (p ? p.format() : kept);
const dayOf = (p: Picked | null | undefined, kept?: string) => (p ? p.format("YYYY-MM-DD") : kept);

/** Only the present fields of an object (an absent field means "no filter" to the API). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function attachmentOf(a: AttachmentValues): Attachment {
  // the row's type picks its fields; empty strings go as they are, so the API names what is missing
  switch (a.type) {
    case "image":
      return { type: "image", image: defined({ picUrl: trimmed(a.image?.picUrl), mediaId: trimmed(a.image?.mediaId) }) };
    case "link":
      return { type: "link", link: defined({ title: a.link?.title ?? "", url: a.link?.url ?? "", picUrl: trimmed(a.link?.picUrl), desc: trimmed(a.link?.desc) }) };
    case "miniprogram":
      return { type: "miniprogram", miniprogram: { title: a.miniprogram?.title ?? "", picMediaId: a.miniprogram?.picMediaId ?? "", appId: a.miniprogram?.appId ?? "", page: a.miniprogram?.page ?? "" } };
    case "video":
      return { type: "video", video: { mediaId: a.video?.mediaId ?? "" } };
    case "file":
      return { type: "file", file: { mediaId: a.file?.mediaId ?? "" } };
  }
}

export function audienceOf(v: FormValues, kept: StoredDates = {}): Audience {
  const a = v.audience;
  if (a.chatType === "group") return defined({ chatType: "group" as const, owners: some(a.owners), chatIds: some(a.chatIds) });
  const allOf = (a.tags?.allOf ?? []).filter((g) => g && g.length > 0);
  const noneOf = a.tags?.noneOf ?? [];
  return defined({
    chatType: "single" as const,
    staff: some(a.staff),
    tags: allOf.length > 0 || noneOf.length > 0 ? { allOf, noneOf } : undefined,
    channels: some(a.channels),
    addedFrom: a.added === undefined ? kept.addedFrom : dayOf(a.added?.[0]),
    addedTo: a.added === undefined ? kept.addedTo : dayOf(a.added?.[1]),
    externalUserIds: some(a.externalUserIds),
  });
}

export function scheduleOf(v: FormValues, kept: StoredDates = {}): Schedule {
  const s = v.schedule;
  if (s.kind === "at") return { kind: "at", at: instant(s.at, kept.at) ?? "" };
  if (s.kind === "recurring") return { kind: "recurring", cron: s.cron ?? "", until: instant(s.until, kept.until) ?? "" };
  return { kind: "now" };
}

/** The create (or whole-patch) body the form's values make. */
export function bodyOf(v: FormValues, kept: StoredDates = {}): CampaignBody {
  const deadline = instant(v.deadline, kept.deadline);
  return {
    name: v.name ?? "",
    audience: audienceOf(v, kept),
    content: defined({ text: v.content?.text, attachments: (v.content?.attachments ?? []).map(attachmentOf) }),
    schedule: scheduleOf(v, kept),
    ...(deadline ? { deadline } : {}),
    reminders: { auto: v.reminders.auto, hoursBeforeDeadline: (v.reminders.hoursBeforeDeadline ?? []).map(Number) },
    ...(v.audience.chatType === "single" ? { allowSelect: v.allowSelect } : {}),
  };
}

/** A new campaign's form. */
export const EMPTY_FORM: FormValues = {
  audience: { chatType: "single" },
  schedule: { kind: "now" },
  reminders: { auto: true, hoursBeforeDeadline: ["4"] },
  allowSelect: false,
  content: { attachments: [] },
};

/** A stored campaign as form values (its dates kept aside: see `StoredDates`). */
export function formOf(c: Campaign): { values: FormValues; kept: StoredDates } {
  const a = c.audience;
  const s = c.schedule;
  return {
    values: {
      name: c.name,
      content: { text: c.content.text, attachments: c.content.attachments.map((x) => ({ ...x }) as AttachmentValues) },
      audience:
        a.chatType === "group"
          ? { chatType: "group", owners: a.owners, chatIds: a.chatIds }
          : { chatType: "single", staff: a.staff, tags: a.tags, channels: a.channels, externalUserIds: a.externalUserIds },
      schedule: { kind: s.kind, ...(s.kind === "recurring" ? { cron: s.cron } : {}) },
      reminders: { auto: c.reminders.auto, hoursBeforeDeadline: c.reminders.hoursBeforeDeadline.map(String) },
      allowSelect: c.allowSelect,
    },
    kept: {
      ...(s.kind === "at" ? { at: s.at } : {}),
      ...(s.kind === "recurring" ? { until: s.until } : {}),
      ...(!c.deadlineIsDefault && c.deadline ? { deadline: c.deadline } : {}),
      ...(a.chatType === "single" ? { addedFrom: a.addedFrom, addedTo: a.addedTo } : {}),
    },
  };
}

/** What error placement needs of any antd form. */
type FieldsForm = Pick<FormInstance, "getFieldsError" | "setFields">;

// the API checks the add-date range as two fields; the form has one range picker
const ALIASES: Record<string, string> = { "audience.addedFrom": "audience.added", "audience.addedTo": "audience.added" };

/**
 * Put a problem's field errors on the form's fields (the longest field name each path starts with)
 * and return the messages no field took, as `path: message`.
 */
export function applyProblem(form: FieldsForm, problem: Problem): string[] {
  clearFormErrors(form);
  const registered = form.getFieldsError().map((f) => f.name as (string | number)[]);
  const byField = new Map<string, { name: (string | number)[]; errors: string[] }>();
  const rest: string[] = [];
  for (const e of problem.errors ?? []) {
    let segs = e.path.split(".").slice(e.path.startsWith("body.") ? 1 : 0);
    const alias = ALIASES[segs.slice(0, 2).join(".")];
    if (alias) segs = alias.split(".");
    const best = deepestField(registered, segs);
    if (!best) {
      rest.push(`${segs.join(".")}: ${issueText(e)}`);
      continue;
    }
    const key = best.join(".");
    const entry = byField.get(key) ?? { name: best, errors: [] };
    entry.errors.push(best.length < segs.length ? `${segs.slice(best.length).join(".")}: ${issueText(e)}` : issueText(e));
    byField.set(key, entry);
  }
  form.setFields([...byField.values()]);
  return rest;
}
