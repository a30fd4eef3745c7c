/**
 * The 新建/编辑 form's values ↔ the API's post body, and the API's error paths → the form's fields.
 * The API validates (as WeCom does: ≤ 9 images or 1 video or 1 link, text ≤ 2000 characters, …); the
 * form only shapes what it sends and puts every error on the field it is about.
 */
import type { MomentBody, MomentPost } from "../../api/moments";
import { corpInstant } from "./corpTime";
import { keyOf, type MediaFile, storedFiles } from "./media";

/** A picker's value (antd's dayjs), read through `format` only. */
interface Picked {
  format(f: string): string;
}

export type AttachKind = "none" | "images" | "video" | "link";

export interface MomentFormValues {
  name?: string;
  text?: string;
  attach: AttachKind;
  images?: MediaFile[];
  video?: MediaFile[];
  linkTitle?: string;
  linkUrl?: string;
  linkCover?: MediaFile[];
  userIds?: string[];
  departmentIds?: string[];
  tagIds?: string[];
  scheduleKind: "now" | "at" | "daily";
  at?: Picked | null;
  times?: string[];
  range?: [Picked | null, Picked | null] | null;
  weekdays?: number[];
  windowHours?: number | null;
  remindersAuto: boolean;
  hoursBeforeEnd?: (string | number)[];
  onLimit: "refuse" | "move";
}

export type FormField = keyof MomentFormValues;

export const NEW_POST: MomentFormValues = { attach: "none", scheduleKind: "now", windowHours: 24, remindersAuto: true, hoursBeforeEnd: [2], onLimit: "refuse" };

/** The body to preview, create or patch. In an edit, a date picker left empty keeps the stored date. */
export function toBody(v: MomentFormValues, stored?: MomentPost): MomentBody {
  const content: MomentBody["content"] = { ...(v.text ? { text: v.text } : {}) };
  if (v.attach === "images") content.images = (v.images ?? []).map((f) => ({ mediaKey: keyOf(f) }));
  if (v.attach === "video" && v.video?.[0]) content.video = { mediaKey: keyOf(v.video[0]) };
  if (v.attach === "link") content.link = { title: v.linkTitle ?? "", url: v.linkUrl ?? "", coverKey: v.linkCover?.[0] ? keyOf(v.linkCover[0]) : "" };
  return {
    name: v.name ?? "",
    content,
    visibility: { userIds: v.userIds ?? [], departmentIds: (v.departmentIds ?? []).map(Number), tagIds: v.tagIds ?? [] },
    schedule: scheduleOf(v, stored),
    ...(v.windowHours !== undefined && v.windowHours !== null ? { windowHours: v.windowHours } : {}),
    reminders: { auto: v.remindersAuto, hoursBeforeEnd: (v.hoursBeforeEnd ?? []).map(Number) },
    onLimit: v.onLimit,
  };
}

function scheduleOf(v: MomentFormValues, stored?: MomentPost): MomentBody["schedule"] {
  const was = stored?.schedule;
  if (v.scheduleKind === "now") return { kind: "now" };
  if (v.scheduleKind === "at") {
    const at = v.at ? corpInstant(v.at.format("YYYY-MM-DD"), v.at.format("HH:mm")) : was?.kind === "at" ? was.at : "";
    return { kind: "at", at };
  }
  const [from, until] = v.range ?? [null, null];
  return {
    kind: "daily",
    times: v.times ?? [],
    from: from?.format("YYYY-MM-DD") ?? (was?.kind === "daily" ? was.from : ""),
    until: until?.format("YYYY-MM-DD") ?? (was?.kind === "daily" ? was.until : ""),
    ...(v.weekdays && v.weekdays.length > 0 && v.weekdays.length < 7 ? { weekdays: v.weekdays } : {}),
  };
}

/** A stored post as form values (its date pickers empty: they keep the stored dates). */
export function fromPost(p: MomentPost): MomentFormValues {
  const c = p.content;
  const s = p.schedule;
  return {
    name: p.name,
    text: c.text ?? "",
    attach: c.images ? "images" : c.video ? "video" : c.link ? "link" : "none",
    images: storedFiles((c.images ?? []).map((i) => i.mediaKey)),
    video: storedFiles(c.video ? [c.video.mediaKey] : []),
    linkTitle: c.link?.title,
    linkUrl: c.link?.url,
    linkCover: storedFiles(c.link ? [c.link.coverKey] : []),
    userIds: p.visibility.userIds,
    departmentIds: p.visibility.departmentIds.map(String),
    tagIds: p.visibility.tagIds,
    scheduleKind: s.kind,
    times: s.kind === "daily" ? s.times : [],
    weekdays: s.kind === "daily" ? (s.weekdays ?? []) : [],
    windowHours: p.windowHours,
    remindersAuto: p.reminders.auto,
    hoursBeforeEnd: p.reminders.hoursBeforeEnd,
    onLimit: p.onLimit,
  };
}

/** The form field an API error path is about (`body.content.images.0.mediaKey` → 图片), or undefined. */
export function fieldOfPath(path: string): FormField | undefined {
  const [, group, field, sub] = path.split(".");
  switch (group) {
    case "name":
      return "name";
    case "content":
      if (field === undefined || field === "text") return "text";
      if (field === "link") return sub === "title" ? "linkTitle" : sub === "coverKey" ? "linkCover" : "linkUrl";
      return field === "images" || field === "video" ? field : "attach";
    case "visibility":
      return field === "departmentIds" || field === "tagIds" ? field : "userIds";
    case "schedule":
      if (field === "at" || field === "times" || field === "weekdays") return field;
      return field === "from" || field === "until" ? "range" : "scheduleKind";
    case "windowHours":
      return "windowHours";
    case "reminders":
      return field === "auto" ? "remindersAuto" : "hoursBeforeEnd";
    case "onLimit":
      return "onLimit";
    default:
      return undefined;
  }
}
