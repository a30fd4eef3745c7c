/**
 * The moment use cases behind `/v1/moments`: preview (the plan, with every refused or moved run and
 * why, before anything is scheduled), create (with an optional Idempotency-Key), list, detail with
 * each run's state, per-staff status and results, edit until the first run is sent, cancel, stats
 * (JSON or CSV), settings.
 */
import { sendCommands } from "@siyu/bus";
import { AppError, addDays, corpDay, deterministicId, makeEvent, notFound, shortId } from "@siyu/kernel";
import { PlanRefused } from "../domain/errors.ts";
import { audienceOf, DEFAULT_CUSTOMER_POSTS_PER_DAY, type PostPlan, planPost } from "../domain/plan.ts";
import { applyPostPatch, occurrences, type PostDefinition, type PostState, parsePostCreate } from "../domain/post.ts";
import { type RunResults, resultsCsv } from "../domain/results.ts";
import { dueAt, newRun, type RunRecord } from "../domain/run.ts";
import {
  getPost,
  indexRuns,
  listPosts,
  mutatePost,
  type PostRecord,
  putNewRuns,
  putPost,
  putRun,
  readSettings,
  runsOf,
  scheduledOn,
  unindexRuns,
  writeSettings,
} from "../store/posts.ts";
import type { Deps } from "./deps.ts";
import { checkMedia } from "./media.ts";

export async function customerPostsPerDay(deps: Pick<Deps, "config">): Promise<number> {
  return (await readSettings(deps.config.table))?.customerPostsPerDay ?? DEFAULT_CUSTOMER_POSTS_PER_DAY;
}

/** The plan of a definition against every run already scheduled (its own excluded when re-planning). */
async function planOf(deps: Deps, d: PostDefinition, postId?: string): Promise<{ plan: PostPlan; occurrences: Date[] }> {
  const { timeZone } = deps.config;
  const occ = occurrences(d.schedule, deps.now(), timeZone);
  // the days the runs fall on, and the 7 after each (a run may move there)
  const days = new Set<string>();
  for (const o of occ) for (let n = 0; n <= 7; n++) days.add(addDays(corpDay(o, timeZone), n));
  const scheduled = await scheduledOn(deps.config.table, [...days]);
  const plan = planPost(d, occ, scheduled, { timeZone, customerPostsPerDay: await customerPostsPerDay(deps), ...(postId ? { postId } : {}) });
  return { plan, occurrences: occ };
}

function planView(plan: PostPlan) {
  return {
    runs: plan.runs.length,
    firstAt: plan.runs[0]?.at ?? null,
    moved: plan.runs.filter((r) => r.movedFrom).map((r) => ({ from: r.movedFrom!, to: r.at, reason: r.movedBecause!.reason, detail: r.movedBecause!.detail })),
    refused: plan.refused,
    schedule: plan.runs.map((r) => r.at),
  };
}

/**
 * `POST /v1/moments/preview`: what creating this post would schedule, move and refuse — nothing
 * stored. With `postId` (an edit), that post's own runs are left out, as `PATCH` plans it.
 */
export async function previewPost(deps: Deps, body: unknown, postId?: string) {
  const d = parsePostCreate(body, deps.now(), deps.config.timeZone);
  await checkMedia(deps, d.content);
  if (postId !== undefined) await requirePost(deps, postId);
  return { definition: d, plan: planView((await planOf(deps, d, postId)).plan) };
}

const hashOf = (body: unknown) => deterministicId("moment-post", JSON.stringify(body));

export function postView(p: PostRecord) {
  return {
    postId: p.postId,
    name: p.definition.name,
    state: p.state,
    started: p.started,
    content: p.definition.content,
    visibility: p.definition.visibility,
    schedule: p.definition.schedule,
    windowHours: p.definition.windowHours,
    reminders: p.definition.reminders,
    onLimit: p.definition.onLimit,
    runs: p.runs,
    refused: p.refused,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}

/** Store a planned post: its runs and day-index entries first (a retry rewrites them), the post last. */
async function schedule(deps: Deps, post: PostRecord, plan: PostPlan, expectedVersion?: number): Promise<boolean> {
  const { table, timeZone } = deps.config;
  const d = post.definition;
  const runs = plan.runs.map((o) => newRun(post.postId, o.at, d.windowHours, d.reminders.auto ? d.reminders.hoursBeforeEnd : []));
  const remindersOn = d.reminders.auto;
  await putNewRuns(table, runs, (r) => dueAt(r, deps.now(), { remindersOn }));
  await indexRuns(table, runs.map((r) => ({ day: corpDay(r.at, timeZone), at: r.at, postId: post.postId, audience: audienceOf(d) })));
  return putPost(table, post, expectedVersion);
}

/** Ask the runs queue to look at these runs now (the per-minute job would, a minute later). */
async function kick(deps: Deps, postId: string, ats: readonly string[]): Promise<void> {
  const now = deps.now();
  await sendCommands(
    deps.config.queueUrl("runs"),
    ats.map((at) => makeEvent("moment.run_due", { postId, at }, { corpId: deps.config.corpId, occurredAt: now, id: deterministicId("moment-run", postId, at, now.toISOString()) })),
  );
}

const dueNow = (deps: Deps, runs: readonly Pick<RunRecord, "at">[]) => runs.filter((r) => Date.parse(r.at) <= deps.now().getTime()).map((r) => r.at);

export async function createPost(deps: Deps, body: unknown, idempotencyKey?: string) {
  const { table } = deps.config;
  const postId = idempotencyKey ? deterministicId("moment-post", idempotencyKey).slice(0, 12) : shortId();
  if (idempotencyKey) {
    const existing = await getPost(table, postId);
    if (existing) {
      if (existing.requestHash !== hashOf(body)) throw new AppError(422, "idempotency-key-reused", "Idempotency-Key reused", "this Idempotency-Key was used for a different moment post", { extensions: { postId } });
      return { replay: true, post: postView(existing) };
    }
  }
  const definition = parsePostCreate(body, deps.now(), deps.config.timeZone);
  await checkMedia(deps, definition.content);
  const { plan } = await planOf(deps, definition);
  if (plan.refused.length > 0) throw new PlanRefused(plan.refused);
  const now = deps.now().toISOString();
  const post: PostRecord = {
    postId,
    definition,
    state: "scheduled",
    started: false,
    runs: plan.runs.length,
    refused: [],
    version: 1,
    createdAt: now,
    updatedAt: now,
    requestHash: hashOf(body),
    ...(idempotencyKey ? { idempotencyKey } : {}),
  };
  if (!(await schedule(deps, post, plan))) {
    const existing = await getPost(table, postId);
    if (existing) return { replay: true, post: postView(existing) };
  }
  await kick(deps, postId, dueNow(deps, plan.runs));
  return { replay: false, post: { ...postView(post), plan: planView(plan) } };
}

/** `GET /v1/moments`: newest first, by cursor; with `state`, only the posts in that state. */
export async function listPostViews(deps: Deps, q: { limit: number; cursor?: string | undefined; state?: PostState | undefined }) {
  const page = await listPosts(deps.config.table, q);
  return { items: page.items.map(postView), nextCursor: page.nextCursor ?? null };
}

async function requirePost(deps: Deps, postId: string): Promise<PostRecord> {
  const p = await getPost(deps.config.table, postId);
  if (!p) throw notFound(`no moment post ${postId}`);
  return p;
}

type StoredRun = RunRecord & { version: number; tasks?: { userid: string; publish_status: number }[]; results?: RunResults };

function runView(r: StoredRun) {
  const tasks = r.tasks ?? [];
  return {
    at: r.at,
    windowEnd: r.windowEnd,
    state: r.state,
    jobid: r.jobid ?? null,
    momentId: r.momentId ?? null,
    staff: { published: tasks.filter((t) => t.publish_status === 1).length, total: tasks.length, trackedAt: r.trackedAt ?? null },
    staffStatus: tasks.map((t) => ({ userId: t.userid, published: t.publish_status === 1 })),
    invalidSenders: r.invalidSenders ?? null,
    invalidTags: r.invalidTags ?? [],
    reminders: r.reminders,
    cancelRequestedAt: r.cancelRequestedAt ?? null,
    closedAt: r.closedAt ?? null,
    error: r.error ?? null,
  };
}

export async function postDetail(deps: Deps, postId: string) {
  const p = await requirePost(deps, postId);
  const runs = (await runsOf(deps.config.table, postId)) as StoredRun[];
  return { ...postView(p), runDetails: runs.map(runView) };
}

/** `PATCH /v1/moments/{id}`: until the first run is sent; the new definition is planned again as a whole. */
export async function updatePost(deps: Deps, postId: string, body: unknown) {
  const { table, timeZone } = deps.config;
  const p = await requirePost(deps, postId);
  const definition = applyPostPatch(p.definition, p.state, p.started, body, deps.now(), timeZone, postId);
  await checkMedia(deps, definition.content);
  const { plan } = await planOf(deps, definition, postId);
  if (plan.refused.length > 0) throw new PlanRefused(plan.refused);
  // the old runs go (none was sent: the post has not started), the new ones come
  const old = (await runsOf(table, postId)) as StoredRun[];
  // runs being prepared or waiting for their slot have not reached WeCom either: they go too; one that
  // moved meanwhile (it may be sending) makes the edit a conflict rather than a second post
  for (const r of old) {
    if (!["planned", "preparing", "ready"].includes(r.state)) continue;
    if (!(await putRun(table, { ...withoutVersion(r), state: "cancelled" }, r.version, undefined))) {
      throw new AppError(409, "conflict", "Conflict with the current state", "a run of this post started while it was edited; read it again");
    }
  }
  await unindexRuns(table, old.map((r) => ({ day: corpDay(r.at, timeZone), at: r.at, postId })));
  const next: PostRecord = { ...p, definition, runs: plan.runs.length, version: p.version + 1, updatedAt: deps.now().toISOString() };
  if (!(await schedule(deps, next, plan, p.version))) throw new AppError(409, "conflict", "Conflict with the current state", "the post changed while this edit was made; read it again");
  await kick(deps, postId, dueNow(deps, plan.runs));
  return postView(next);
}

const withoutVersion = ({ version: _v, ...r }: StoredRun): RunRecord => r;

/**
 * `POST /v1/moments/{id}/cancel`: unsent runs are cancelled; a run WeCom has is cancelled there by its
 * moment id (once known — a cancel before the task's result waits for it; published posts stay).
 */
export async function cancelPost(deps: Deps, postId: string) {
  const { table, timeZone } = deps.config;
  const p = await requirePost(deps, postId);
  if (p.state === "cancelled" || p.state === "finished") return postView(p);
  const now = deps.now().toISOString();
  const runs = (await runsOf(table, postId)) as StoredRun[];
  const open = runs.filter((r) => ["planned", "claimed", "submitted", "created"].includes(r.state) && !r.cancelRequestedAt);
  for (const r of open) {
    // due now: the runs queue acts on the request at once
    await putRun(table, { ...withoutVersion(r), cancelRequestedAt: now }, r.version, now);
  }
  await unindexRuns(table, runs.filter((r) => r.state === "planned").map((r) => ({ day: corpDay(r.at, timeZone), at: r.at, postId })));
  const saved = await mutatePost(table, postId, (x) => ({ ...x, state: "cancelled" }), now);
  await kick(deps, postId, open.map((r) => r.at));
  return postView(saved ?? p);
}

/** `GET /v1/moments/{id}/stats`: per run and staff, what the post achieved (CSV on request). */
export async function postStats(deps: Deps, postId: string) {
  const p = await requirePost(deps, postId);
  const runs = (await runsOf(deps.config.table, postId)) as StoredRun[];
  const withResults = runs.filter((r) => r.results).map((r) => r.results!);
  const sum = (f: (r: RunResults) => number) => withResults.reduce((n, r) => n + f(r), 0);
  const reached = sum((r) => r.reached);
  const rate = (n: number) => (reached === 0 ? 0 : Math.round((n / reached) * 10_000) / 10_000);
  return {
    postId,
    name: p.definition.name,
    totals: {
      runs: runs.length,
      runsWithResults: withResults.length,
      staffPublished: sum((r) => r.staffPublished),
      staffTotal: sum((r) => r.staffTotal),
      reached,
      likes: sum((r) => r.likes),
      comments: sum((r) => r.comments),
      losses: sum((r) => r.losses),
      interactionRate: rate(sum((r) => r.likes + r.comments)),
      lossRate: rate(sum((r) => r.losses)),
    },
    runs: withResults,
  };
}

export async function postStatsCsv(deps: Deps, postId: string): Promise<{ name: string; csv: string }> {
  const s = await postStats(deps, postId);
  return { name: s.name, csv: resultsCsv(s.name, s.runs) };
}

export async function momentSettings(deps: Pick<Deps, "config">) {
  const s = await readSettings(deps.config.table);
  return { customerPostsPerDay: s?.customerPostsPerDay ?? DEFAULT_CUSTOMER_POSTS_PER_DAY, updatedAt: s?.updatedAt ?? null };
}

export async function putMomentSettings(deps: Deps, s: { customerPostsPerDay: number }) {
  const updatedAt = deps.now().toISOString();
  await writeSettings(deps.config.table, { customerPostsPerDay: s.customerPostsPerDay, updatedAt });
  return { ...s, updatedAt };
}
