/**
 * Executing a run's steps (domain/run.ts decides them): each step is one conditional write of the run
 * row (two workers never both move a run), so a `moment.run_due` delivered twice, or the per-minute
 * job and a direct request racing, do the work once.
 */
import { newId } from "@siyu/kernel";
import { eachPage, isTransientWecomError, WecomApiError, WecomValidationError } from "@siyu/wecom";
import { LATE_MS, reserveSlot } from "../domain/limiter.ts";
import { runResults, staffResults } from "../domain/results.ts";
import { dueAt, isLostMoment, nextStep, type RunRecord, type RunStep } from "../domain/run.ts";
import { getPost, getRun, lostOf, mutatePost, type PostRecord, putRun, readLimiter, writeLimiter } from "../store/posts.ts";
import type { Deps } from "./deps.ts";
import { MediaMissing, wecomAttachments } from "./media.ts";

type StoredRun = RunRecord & { version: number; tasks?: { userid: string; publish_status: number }[]; results?: unknown };

const POLL_EVERY_MS = 10_000;
const RETRY_BUSY_MS = 60_000;
const SECOND = 1000;

export type AdvanceOutcome = RunStep["kind"] | "unknown-run" | "busy";

const remindersOn = (p: PostRecord) => p.definition.reminders.auto && p.definition.reminders.hoursBeforeEnd.length > 0;

/** Do whatever the run has to do now, step after step, until it waits or is done. */
export async function advanceRun(deps: Deps, postId: string, at: string): Promise<AdvanceOutcome[]> {
  const done: AdvanceOutcome[] = [];
  for (let i = 0; i < 12; i++) {
    const [post, run] = await Promise.all([getPost(deps.config.table, postId), getRun(deps.config.table, postId, at) as Promise<StoredRun | undefined>]);
    if (!post || !run) return [...done, "unknown-run"];
    const step = nextStep(run, deps.now(), { remindersOn: remindersOn(post) });
    if (step.kind === "wait" || step.kind === "done") {
      // keep the due index in line with the run (it may have been written by an older step)
      return [...done, step.kind];
    }
    const moved = await execute(deps, post, run, step);
    done.push(moved ? step.kind : "busy");
    if (!moved) return done;
  }
  return done;
}

/** Write the run's next state (conditional on the version read), with its next due instant. */
async function save(deps: Deps, post: PostRecord, run: StoredRun, next: Omit<StoredRun, "version">, notBefore?: number): Promise<boolean> {
  const now = deps.now();
  const { nextAt: _n, ...rest } = next;
  const stored = notBefore !== undefined && notBefore > now.getTime() ? { ...rest, nextAt: new Date(notBefore).toISOString() } : rest;
  return putRun(deps.config.table, stored, run.version, dueAt(stored, now, { remindersOn: remindersOn(post) }));
}

const without = <T extends object, K extends keyof T>(o: T, ...keys: K[]): Omit<T, K> => {
  const copy = { ...o };
  for (const k of keys) delete copy[k];
  return copy;
};

async function execute(deps: Deps, post: PostRecord, run: StoredRun, step: RunStep): Promise<boolean> {
  const now = deps.now();
  const at = now.toISOString();
  const { version: _v, ...r } = run;
  switch (step.kind) {
    case "cancel-unsent":
      return save(deps, post, run, { ...r, state: "cancelled" });
    case "miss":
      return save(deps, post, run, { ...r, state: "missed", error: { message: "the publishing window ended before the run could be sent", at } });
    case "expire":
      return save(deps, post, run, { ...r, state: "expired", error: { message: "WeCom gave no result for the task within 24 hours (its jobid expired)", at } });
    case "prepare":
      return prepare(deps, post, run);
    case "release":
      // a preparing claim that went stale: nothing reached add_moment_task
      return save(deps, post, run, { ...without(r, "claim"), state: "planned" });
    case "send":
      return send(deps, post, run);
    case "find-lost":
      return findLost(deps, post, run);
    case "poll":
      return poll(deps, post, run);
    case "cancel":
    case "close": {
      // cancel_moment_task takes the moment id, never the jobid; it stops only unpublished tasks
      await (await deps.wecom()).cancelMomentTask(run.momentId!);
      return save(deps, post, run, { ...r, state: "closed", closedAt: at });
    }
    case "remind":
      return remind(deps, post, run, step.index);
    case "track": {
      const tasks = await allTasks(deps, run.momentId!);
      return save(deps, post, run, { ...r, tasks, trackedAt: at });
    }
    case "collect":
      return collect(deps, post, run, step.final);
    default:
      return false;
  }
}

/** Claim the run and upload its media to WeCom (no rate rule); the media ids wait with the run for a slot. */
async function prepare(deps: Deps, post: PostRecord, run: StoredRun): Promise<boolean> {
  const { version: _v, ...r } = run;
  const claimed: StoredRun = { ...r, state: "preparing", claim: { token: newId(), at: deps.now().toISOString() }, version: run.version + 1 };
  if (!(await save(deps, post, run, without(claimed, "version")))) return false;
  const back = without(claimed, "version", "claim");
  try {
    const attachments = await wecomAttachments(deps, post.definition.content);
    return save(deps, post, claimed, { ...back, state: "ready", attachments });
  } catch (error) {
    const when = deps.now().toISOString();
    if (error instanceof MediaMissing) return save(deps, post, claimed, { ...back, state: "failed", error: { message: error.message, at: when } });
    if (error instanceof WecomApiError && !isTransientWecomError(error)) {
      return save(deps, post, claimed, { ...back, state: "failed", error: { errcode: error.errcode, message: `upload_attachment refused: ${error.message}`, at: when } });
    }
    await save(deps, post, claimed, { ...back, state: "planned" }, deps.now().getTime() + RETRY_BUSY_MS);
    throw error;
  }
}

/**
 * A ready run: a slot of the corp-wide limiter (written only if unchanged since read), then the outbox
 * claim, then `add_moment_task` at once — nothing between the slot and the call. No slot: the run waits
 * for the one that opens (the 11th task of a minute is never sent to be rejected).
 */
async function send(deps: Deps, post: PostRecord, run: StoredRun): Promise<boolean> {
  const { table } = deps.config;
  const { version: _v, ...r } = run;
  // a slot reserved earlier and reached in time is the run's own; otherwise reserve the earliest free one
  const reserved = r.slotAt !== undefined && deps.now().getTime() >= Date.parse(r.slotAt) && deps.now().getTime() <= Date.parse(r.slotAt) + LATE_MS;
  if (!reserved) {
    for (let attempt = 0; ; attempt++) {
      const lim = await readLimiter(table);
      const now = deps.now().getTime();
      const slot = reserveSlot(lim.recent, now);
      if (await writeLimiter(table, slot.taken, lim.version)) {
        // a slot ahead: wait for it (the due job delays the run's message to that instant)
        if (slot.at > now) return save(deps, post, run, { ...without(r, "slotAt"), slotAt: new Date(slot.at).toISOString() }, slot.at);
        break;
      }
      if (attempt >= 30) return save(deps, post, run, r, deps.now().getTime() + SECOND);
    }
  }
  // the claim right before the call (another worker that got here first wins; this slot goes unused)
  const claimed: StoredRun = { ...r, state: "claimed", claim: { token: newId(), at: deps.now().toISOString() }, version: run.version + 1 };
  if (!(await save(deps, post, run, without(claimed, "version")))) return false;
  // a run handed to WeCom: the post's definition is frozen from here on
  if (!post.started) await mutatePost(table, post.postId, (p) => (p.started ? undefined : { ...p, started: true, state: p.state === "scheduled" ? "running" : p.state }), deps.now().toISOString());
  const c = post.definition.content;
  const v = post.definition.visibility;
  const base = without(claimed, "version", "claim", "slotAt");
  let jobid: string;
  try {
    jobid = (
      await (await deps.wecom()).addMomentTask({
        ...(c.text !== undefined ? { text: { content: c.text } } : {}),
        ...(r.attachments && r.attachments.length > 0 ? { attachments: r.attachments } : {}),
        visible_range: {
          ...(v.userIds.length > 0 || v.departmentIds.length > 0
            ? { sender_list: { ...(v.userIds.length > 0 ? { user_list: [...v.userIds] } : {}), ...(v.departmentIds.length > 0 ? { department_list: [...v.departmentIds] } : {}) } }
            : {}),
          ...(v.tagIds.length > 0 ? { external_contact_list: { tag_list: [...v.tagIds] } } : {}),
        },
      })
    ).jobid;
  } catch (error) {
    const when = deps.now().toISOString();
    if (error instanceof WecomValidationError) return save(deps, post, claimed, { ...base, state: "failed", error: { message: error.message, at: when } });
    if (error instanceof WecomApiError && !isTransientWecomError(error)) return save(deps, post, claimed, { ...base, state: "failed", error: { errcode: error.errcode, message: error.message, at: when } });
    if (error instanceof WecomApiError) {
      // busy or rate-limited: WeCom made nothing; the run is ready again after a while
      return save(deps, post, claimed, { ...base, state: "ready", error: { errcode: error.errcode, message: `retrying: ${error.message}`, at: when } }, deps.now().getTime() + RETRY_BUSY_MS);
    }
    // no answer: the task may exist — the claim stays; once stale the run looks for its moment (find-lost)
    deps.log.warn("add_moment_task answer lost; the run will look for its moment", { postId: run.postId, at: run.at, error: String(error) });
    return true;
  }
  deps.log.info("moment task created", { postId: run.postId, at: run.at, jobid });
  return save(deps, post, claimed, { ...base, state: "submitted", jobid, submittedAt: deps.now().toISOString() });
}

/** A stale claim: the call went out but its answer was lost. Look for the moment it made. */
async function findLost(deps: Deps, post: PostRecord, run: StoredRun): Promise<boolean> {
  const { version: _v, ...r } = run;
  const now = deps.now();
  const from = Math.floor((Date.parse(run.claim?.at ?? run.at) - 60_000) / 1000);
  const wecom = await deps.wecom();
  const text = post.definition.content.text;
  // every page of the corp's moments since just before the claim (a busy corp has more than one page)
  let found: { moment_id: string } | undefined;
  await eachPage(
    (cursor) => wecom.getMomentList({ start_time: from, end_time: Math.floor(now.getTime() / 1000), filter_type: 0, ...(cursor ? { cursor } : {}) }),
    (page) => {
      found = page.moment_list.find((m) => isLostMoment(m as never, run, text));
      return found ? "stop" : undefined;
    },
  );
  if (found) {
    deps.log.info("a lost add_moment_task answer: its moment found and adopted", { postId: run.postId, at: run.at, momentId: found.moment_id });
    return save(deps, post, run, { ...without(r, "claim", "lostCheckAt"), state: "created", momentId: found.moment_id });
  }
  if (!run.lostCheckAt) return save(deps, post, run, { ...r, lostCheckAt: now.toISOString() });
  // looked twice, a minute apart: it was never made — send again (its media ids are still valid)
  return save(deps, post, run, { ...without(r, "claim", "lostCheckAt"), state: r.attachments ? "ready" : "planned" });
}

async function poll(deps: Deps, post: PostRecord, run: StoredRun): Promise<boolean> {
  const { version: _v, ...r } = run;
  const now = deps.now();
  let out: Awaited<ReturnType<Awaited<ReturnType<Deps["wecom"]>>["getMomentTaskResult"]>>;
  try {
    out = await (await deps.wecom()).getMomentTaskResult(run.jobid!);
  } catch (error) {
    if (error instanceof WecomApiError && !isTransientWecomError(error)) return save(deps, post, run, { ...r, state: "expired", error: { errcode: error.errcode, message: error.message, at: now.toISOString() } });
    throw error;
  }
  if (out.status !== 3 || !out.result) return save(deps, post, run, r, now.getTime() + POLL_EVERY_MS);
  if (out.result.errcode && out.result.errcode !== 0) {
    return save(deps, post, run, { ...r, state: "failed", error: { errcode: out.result.errcode, message: out.result.errmsg ?? "the task failed", at: now.toISOString() } });
  }
  const created: Omit<StoredRun, "version"> = {
    ...r,
    state: "created",
    momentId: out.result.moment_id!,
    invalidSenders: { userIds: out.result.invalid_sender_list?.user_list ?? [], departmentIds: out.result.invalid_sender_list?.department_list ?? [] },
    invalidTags: out.result.invalid_external_contact_list?.tag_list ?? [],
  };
  if (created.invalidSenders!.userIds.length > 0 || created.invalidTags!.length > 0) {
    deps.log.warn("moment created with invalid senders or tags", { postId: run.postId, at: run.at, invalidSenders: created.invalidSenders, invalidTags: created.invalidTags });
  }
  return save(deps, post, run, created);
}

async function allTasks(deps: Deps, momentId: string): Promise<{ userid: string; publish_status: number }[]> {
  const wecom = await deps.wecom();
  const out: { userid: string; publish_status: number }[] = [];
  await eachPage(
    (cursor) => wecom.getMomentTask({ moment_id: momentId, limit: 1000, ...(cursor ? { cursor } : {}) }),
    (page) => out.push(...page.task_list.map((t) => ({ userid: t.userid, publish_status: t.publish_status }))),
  );
  return out;
}

/** There is no remind API for moments: the members who have not published get an app message. */
async function remind(deps: Deps, post: PostRecord, run: StoredRun, index: number): Promise<boolean> {
  const { version: _v, ...r } = run;
  const tasks = await allTasks(deps, run.momentId!);
  const pending = tasks.filter((t) => t.publish_status !== 1).map((t) => t.userid);
  const end = new Intl.DateTimeFormat("zh-CN", { timeZone: deps.config.timeZone, month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(run.windowEnd));
  const { client, agentId } = await deps.app();
  for (let i = 0; i < pending.length; i += 1000) {
    const to = pending.slice(i, i + 1000);
    await client.sendAppMessage({
      touser: to.join("|"),
      agentid: agentId,
      msgtype: "text",
      text: { content: `【客户朋友圈待发表】「${[...post.definition.name].slice(0, 40).join("")}」还未发表，请在企业微信「工作台 → 客户朋友圈」中确认发表，${end} 截止，逾期将自动取消。` },
    });
  }
  const reminders = r.reminders.map((x, i) => (i === index ? { ...x, sentAt: deps.now().toISOString(), to: pending.length } : x));
  return save(deps, post, run, { ...r, reminders, tasks, trackedAt: deps.now().toISOString() });
}

/** Results: per staff, published or not, customers reached, likes, comments, losses within 7 days. */
async function collect(deps: Deps, post: PostRecord, run: StoredRun, final: boolean): Promise<boolean> {
  const { version: _v, ...r } = run;
  const wecom = await deps.wecom();
  const tasks = await allTasks(deps, run.momentId!);
  const reached = new Map<string, string[]>();
  const interactions = new Map<string, { likes: number; comments: number }>();
  for (const t of tasks.filter((x) => x.publish_status === 1)) {
    const ids: string[] = [];
    await eachPage(
      (cursor) => wecom.getMomentCustomerList({ moment_id: run.momentId!, userid: t.userid, limit: 1000, ...(cursor ? { cursor } : {}) }),
      (page) => ids.push(...page.customer_list.map((c) => c.external_userid)),
    );
    reached.set(t.userid, ids);
    const c = await wecom.getMomentComments(run.momentId!, t.userid);
    const byCustomer = (l: readonly { external_userid?: string | undefined }[]) => l.filter((x) => x.external_userid).length;
    interactions.set(t.userid, { likes: byCustomer(c.like_list), comments: byCustomer(c.comment_list) });
  }
  const pairs = [...reached].flatMap(([userId, ids]) => ids.map((externalUserId) => ({ userId, externalUserId })));
  const lost = await lostOf(deps.config.table, pairs);
  const staff = staffResults({ tasks, reached, interactions, lost, runAt: run.at });
  const results = runResults(run, staff);
  const at = deps.now().toISOString();
  return save(deps, post, run, { ...r, tasks, results, resultsAt: at, ...(final ? { finalAt: at } : {}) });
}
