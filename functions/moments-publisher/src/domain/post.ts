/**
 * A moment post (`POST /v1/moments`, `PATCH /v1/moments/{id}`): content, who posts it and who sees it,
 * when, the publishing window and the reminders. Validated as WeCom validates `add_moment_task`
 * (wecom-reference §8, wecom-services §B1), every failing field at once with its `body.…` path.
 *
 * Modelling decisions:
 * - **Content** is text (≤ 2000 characters) and at most one kind of attachment: ≤ 9 images, or 1
 *   video, or 1 link (title ≤ 64 bytes, an image cover). Images and videos are **Siyu media keys**
 *   (files the console uploaded to the stack's bucket), never WeCom media ids: those die after 3 days,
 *   so they are made with `upload_attachment` when the post runs (media.ts).
 * - **Visibility**: senders by user and department, customers by corp tag (WeCom takes corp tags only,
 *   no rule-group tags). No sender at all means every member in the app's visible range.
 * - **Schedule**: `now`, `at` an instant, or `daily` at up to 3 corp-time clock times (a member posts
 *   ≤ 3 moments a day, seed 001) from a start date to an end date, optionally on some weekdays only.
 *   Each occurrence is a run with a stable key (its instant), so a repeated trigger finds its run.
 * - **Publishing window**: `windowHours` after a run's start, WeCom's unpublished tasks are cancelled
 *   (`cancel_moment_task`); reminders by app message (there is no remind API) `hoursBeforeEnd`.
 * - **Limits**: `onLimit` says what planning does with an occurrence that would break a member's daily
 *   limit or the corp's per-customer setting (plan.ts): `refuse` (the default — the operator decides)
 *   or `move` it to the next day that fits, at the same time.
 */
import { addDays, corpDay, corpTime, type FieldIssue, formatIssues } from "@siyu/kernel";
import { codePoints, WECOM_LIMITS as L, maxUtf8Bytes } from "@siyu/wecom";
import * as z from "zod";
import { InvalidInput, PostStarted } from "./errors.ts";

/** Siyu's own bounds (product choices, not WeCom rules). */
export const POST_LIMITS = {
  nameChars: 60,
  /** Occurrences one post may plan (a year of three a day). */
  occurrences: 3 * 366,
  /** How far ahead a post may be scheduled. */
  horizonDays: 366,
  windowHoursMax: 72,
  mediaKeyChars: 200,
} as const;

/** A member may post at most 3 moments a day (seed 001, raised from 1). */
export const POSTS_PER_MEMBER_PER_DAY = 3;

const required = (what: string) => z.string({ error: `${what} is required` }).min(1, `${what} is required`);
/** A key `POST /v1/moments/media` returned: segments of letters, digits, `.`, `_`, `-`. */
const mediaKey = required("mediaKey")
  .max(POST_LIMITS.mediaKeyChars)
  .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, "must be a media key returned by POST /v1/moments/media");
const instant = z.iso.datetime({ offset: true, error: "must be an ISO 8601 instant with a timezone offset, e.g. 2026-03-02T08:00:00+08:00" });
const date = z.iso.date({ error: "must be a date, YYYY-MM-DD (corp time)" });
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a corp-time clock time, HH:MM");

function unique<T>() {
  return (items: T[], ctx: z.RefinementCtx) => {
    items.forEach((x, i) => {
      if (items.indexOf(x) !== i) ctx.addIssue({ code: "custom", path: [i], message: `${String(x)} is listed twice` });
    });
  };
}

export const contentSchema = z
  .strictObject({
    text: z
      .string()
      .superRefine((t, ctx) => {
        const n = codePoints(t);
        if (n > L.momentTextChars) ctx.addIssue({ code: "custom", message: `at most ${L.momentTextChars} characters (got ${n})` });
      })
      .transform((t) => (t.trim() === "" ? undefined : t))
      .optional(),
    images: z.array(z.strictObject({ mediaKey })).min(1, "images needs at least one image (omit it instead)").max(L.momentImages, `at most ${L.momentImages} images`).optional(),
    video: z.strictObject({ mediaKey }).optional(),
    link: z
      .strictObject({
        title: required("title").superRefine(maxUtf8Bytes(L.momentLinkTitleBytes)),
        url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
        /** The cover: an image, uploaded like the others (WeCom requires one). */
        coverKey: mediaKey,
      })
      .optional(),
  })
  .superRefine((c, ctx) => {
    const kinds = (["images", "video", "link"] as const).filter((k) => c[k] !== undefined);
    if (kinds.length > 1) ctx.addIssue({ code: "custom", path: [kinds[1]!], message: "one kind of attachment only: images, or one video, or one link" });
    if (c.text === undefined && kinds.length === 0) ctx.addIssue({ code: "custom", path: ["text"], message: "a moment needs text or an attachment" });
  });
export type MomentContent = z.output<typeof contentSchema>;

export const visibilitySchema = z.strictObject({
  userIds: z.array(required("userId").max(64)).max(L.momentSenderUsers).superRefine(unique()).default([]),
  departmentIds: z.array(z.number().int().positive()).max(1000).superRefine(unique()).default([]),
  /** Corp tags (WeCom takes no rule-group tags). */
  tagIds: z.array(required("tagId").max(64)).max(1000).superRefine(unique()).default([]),
});
export type Visibility = z.output<typeof visibilitySchema>;

export const scheduleSchema = z.discriminatedUnion(
  "kind",
  [
    z.strictObject({ kind: z.literal("now") }),
    z.strictObject({ kind: z.literal("at"), at: instant }),
    z.strictObject({
      kind: z.literal("daily"),
      times: z
        .array(clock)
        .min(1, "at least one time")
        .max(POSTS_PER_MEMBER_PER_DAY, `at most ${POSTS_PER_MEMBER_PER_DAY} times a day (a member posts at most ${POSTS_PER_MEMBER_PER_DAY} moments a day)`)
        .superRefine(unique()),
      from: date,
      until: date,
      /** ISO weekdays (1 = Monday … 7 = Sunday); all days when absent. */
      weekdays: z.array(z.number().int().min(1).max(7)).min(1).superRefine(unique()).optional(),
    }),
  ],
  { error: "kind must be one of now, at, daily" },
);
export type Schedule = z.output<typeof scheduleSchema>;

export const reminderSchema = z.strictObject({
  auto: z.boolean(),
  /** Hours before the window's end; each must fall inside the window (checked with it). */
  hoursBeforeEnd: z.array(z.number().positive("must be more than 0 hours").max(POST_LIMITS.windowHoursMax)).max(3, "at most 3 reminders").superRefine(unique()),
});
export type ReminderPolicy = z.output<typeof reminderSchema>;
export const DEFAULT_REMINDERS: ReminderPolicy = { auto: true, hoursBeforeEnd: [2] };

const fields = {
  name: z.string().trim().min(1, "name is required").max(POST_LIMITS.nameChars),
  content: contentSchema,
  visibility: visibilitySchema,
  schedule: scheduleSchema,
  windowHours: z.number().int("windowHours must be whole hours").min(1, "windowHours must be at least 1").max(POST_LIMITS.windowHoursMax),
  reminders: reminderSchema,
  onLimit: z.enum(["refuse", "move"], { error: "onLimit must be refuse or move" }),
};

export const postCreateSchema = z.strictObject({
  name: fields.name,
  content: fields.content,
  visibility: fields.visibility.default({ userIds: [], departmentIds: [], tagIds: [] }),
  schedule: fields.schedule,
  windowHours: fields.windowHours.default(24),
  reminders: fields.reminders.default(DEFAULT_REMINDERS),
  onLimit: fields.onLimit.default("refuse"),
});
export type PostDefinition = z.output<typeof postCreateSchema>;
export type PostCreateInput = z.input<typeof postCreateSchema>;

export const postPatchSchema = z
  .strictObject({
    name: fields.name.optional(),
    content: fields.content.optional(),
    visibility: fields.visibility.optional(),
    schedule: fields.schedule.optional(),
    windowHours: fields.windowHours.optional(),
    reminders: fields.reminders.optional(),
    onLimit: fields.onLimit.optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), { message: "a patch needs at least one field" });

const PREFIX = ["body"] as const;
const invalid = (issues: FieldIssue[]) => new InvalidInput(`the moment post is not valid: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`, issues);

/** The checks that need more than one field, or the clock: every schedule issue with its path. */
export function definitionIssues(d: PostDefinition, now: Date, timeZone: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const [i, h] of d.reminders.hoursBeforeEnd.entries()) {
    if (h >= d.windowHours) issues.push({ path: `body.reminders.hoursBeforeEnd.${i}`, message: `must be less than windowHours (${d.windowHours})` });
  }
  const s = d.schedule;
  const horizon = addDays(corpDay(now, timeZone), POST_LIMITS.horizonDays);
  if (s.kind === "at") {
    if (Date.parse(s.at) < now.getTime() - 60_000) issues.push({ path: "body.schedule.at", message: "is in the past (use kind now to post at once)" });
    if (corpDay(s.at, timeZone) > horizon) issues.push({ path: "body.schedule.at", message: `is more than ${POST_LIMITS.horizonDays} days ahead` });
  }
  if (s.kind === "daily") {
    if (s.until < s.from) issues.push({ path: "body.schedule.until", message: "is before from" });
    if (s.until > horizon) issues.push({ path: "body.schedule.until", message: `is more than ${POST_LIMITS.horizonDays} days ahead` });
    if (issues.length === 0 && occurrences(s, now, timeZone).length === 0) issues.push({ path: "body.schedule", message: "has no time left to post at (every occurrence is in the past)" });
  }
  return issues;
}

/**
 * Validate a create body; throws `InvalidInput` with every failing field.
 *
 * @example
 * parsePostCreate({ name: "早安", content: { text: "早安☀️" }, schedule: { kind: "daily", times: ["08:00"], from: "2026-12-03", until: "2026-12-31" } }, now, "Asia/Shanghai")
 */
export function parsePostCreate(body: unknown, now: Date, timeZone: string): PostDefinition {
  const parsed = postCreateSchema.safeParse(body);
  if (!parsed.success) throw invalid(formatIssues(parsed.error, PREFIX));
  const issues = definitionIssues(parsed.data, now, timeZone);
  if (issues.length > 0) throw invalid(issues);
  return parsed.data;
}

export type PostState = "scheduled" | "running" | "finished" | "cancelled";

/**
 * Apply a patch to a stored post: allowed until its first run is sent to WeCom (a started post is
 * `PostStarted`); the result is validated as a whole, as a create is.
 */
export function applyPostPatch(stored: PostDefinition, state: PostState, started: boolean, body: unknown, now: Date, timeZone: string, postId = "?"): PostDefinition {
  if (started || state !== "scheduled") throw new PostStarted(postId, started && state === "scheduled" ? "running" : state);
  const parsed = postPatchSchema.safeParse(body);
  if (!parsed.success) throw invalid(formatIssues(parsed.error, PREFIX));
  const p = parsed.data;
  const next: PostDefinition = {
    name: p.name ?? stored.name,
    content: p.content ?? stored.content,
    visibility: p.visibility ?? stored.visibility,
    schedule: p.schedule ?? stored.schedule,
    windowHours: p.windowHours ?? stored.windowHours,
    reminders: p.reminders ?? stored.reminders,
    onLimit: p.onLimit ?? stored.onLimit,
  };
  const issues = definitionIssues(next, now, timeZone);
  if (issues.length > 0) throw invalid(issues);
  return next;
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a corp day. */
const weekday = (day: string) => ((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7) + 1;

/**
 * The instants a schedule posts at, from `now` on (a `now` schedule: `now` itself), ascending,
 * at most `POST_LIMITS.occurrences`.
 */
export function occurrences(s: Schedule, now: Date, timeZone: string): Date[] {
  if (s.kind === "now") return [now];
  if (s.kind === "at") return [new Date(Math.max(Date.parse(s.at), now.getTime()))];
  const out: Date[] = [];
  const times = [...s.times].sort();
  for (let day = s.from; day <= s.until && out.length < POST_LIMITS.occurrences; day = addDays(day, 1)) {
    if (s.weekdays && !s.weekdays.includes(weekday(day))) continue;
    for (const t of times) {
      const at = corpTime(day, timeZone, t);
      if (at.getTime() >= now.getTime() - 60_000) out.push(at);
    }
  }
  return out.slice(0, POST_LIMITS.occurrences);
}

/** A run's stable key: its instant (ms precision, ISO). */
export const runKey = (at: Date) => at.toISOString();

/** The publishing window's end of a run. */
export const windowEnd = (runAt: Date, windowHours: number) => new Date(runAt.getTime() + windowHours * 3_600_000);
