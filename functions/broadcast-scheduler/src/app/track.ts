/**
 * Track a run until its deadline: read every sent chunk's member task (`get_groupmsg_task`) and its
 * per-recipient results (`get_groupmsg_send_result`), each to its last `next_cursor`; move rows on,
 * feed the ledger, publish `broadcast.delivered` once per delivered recipient (a deterministic event
 * id), send the automatic reminders within WeCom's budget, and at the deadline (or on cancel) cancel
 * what is unsent, poll a last time and close the run.
 */
import { publishEvents } from "@siyu/bus";
import { deterministicId, makeEvent } from "@siyu/kernel";
import { mapLimit } from "@siyu/store";
import type { WecomClient } from "@siyu/wecom";
import { eachPage } from "@siyu/wecom";
import { dueReminders, emptyRecipientCounts, ledgerOutcome, nextPollAt, type RecipientCounts, recipientStatusAfter, reminderBudget, type SendStatus } from "../domain/run.ts";
import { getCampaign, getRun, releasePollLease, renewPollLease, replaceCampaign, runsOf, runsToPoll, setRunCounts, takePollLease, updateRunProgress } from "../store/campaigns.ts";
import { recordLedgerMany } from "../store/ledger.ts";
import { abandonChunk, type ChunkRecord, chunksOf, markChunkCancelled, recordReminder } from "../store/outbox.ts";
import { putOneStaff, putRecipients, type RecipientRow, recipientsOfChunk, type StaffRow, staffOf } from "../store/recipients.ts";
import { type Deps, pageLimitOf } from "./deps.ts";
import { settleChunk } from "./send.ts";

export interface TrackOutcome {
  runKey: string;
  polled: number;
  changed: number;
  delivered: number;
  reminded: number;
  finished: boolean;
}

/** The minute job: every run whose poll is due. */
export async function trackDueRuns(deps: Deps): Promise<{ runs: number; finished: number; delivered: number }> {
  const due = await runsToPoll(deps.config.table, deps.now());
  const out = await mapLimit(due, 2, (r) => trackRun(deps, r.campaignId, r.runKey));
  return { runs: out.length, finished: out.filter((o) => o?.finished).length, delivered: out.reduce((n, o) => n + (o?.delivered ?? 0), 0) };
}

/** How long one poll holds a run before it must renew (it renews per chunk). */
const POLL_LEASE_MS = 5 * 60_000;
/** A run whose deadline poll keeps failing is closed anyway this long after its deadline. */
export const CLOSE_GRACE_MS = 60 * 60_000;
/** After a poll with failed chunks, the next one comes this soon (not at the usual cadence). */
const RETRY_POLL_MS = 5 * 60_000;

class LeaseLost extends Error {}

/**
 * Poll one run (or close it, at its deadline or on cancel). One poller at a time per run (a lease
 * renewed per chunk), so answers are never counted twice; undefined when the run is over or another
 * poller holds it.
 */
export async function trackRun(deps: Deps, campaignId: string, runKey: string, opts: { cancel?: boolean } = {}): Promise<TrackOutcome | undefined> {
  const { table } = deps.config;
  const leased = { campaignId, runKey };
  const now = deps.now();
  const token = await takePollLease(table, leased, now, new Date(now.getTime() + POLL_LEASE_MS));
  if (!token) return undefined;
  const renew = async () => {
    if (!(await renewPollLease(table, leased, token, new Date(deps.now().getTime() + POLL_LEASE_MS)))) throw new LeaseLost();
  };
  try {
    return await pollRun(deps, campaignId, runKey, opts, renew);
  } catch (error) {
    if (error instanceof LeaseLost) {
      deps.log.warn("poll lease lost mid-poll; another poller has the run", { runKey });
      return undefined;
    }
    throw error;
  } finally {
    await releasePollLease(table, leased, token);
  }
}

interface ChunkPoll {
  counts: RecipientCounts;
  changed: number;
  delivered: number;
  reminded: boolean;
  /** The member's task: sent (2) or not, and when. */
  taskSent: boolean;
  sendTime?: string;
}

async function pollRun(deps: Deps, campaignId: string, runKey: string, opts: { cancel?: boolean }, renew: () => Promise<void>): Promise<TrackOutcome | undefined> {
  const { table } = deps.config;
  const run = await getRun(table, campaignId, runKey);
  if (!run || run.state === "done" || run.state === "cancelled") return undefined;
  const campaign = await getCampaign(table, campaignId);
  const now = deps.now();
  const cancelling = opts.cancel === true || campaign?.status === "cancelled";
  const closing = cancelling || now >= new Date(run.deadline);
  const wecom = await deps.wecom();
  // a send that died after recording its outcome left its chunk unsettled: finish it first
  let chunks = await chunksOf(table, runKey, { withIds: false });
  const unsettled = chunks.filter((c) => !c.settled && (c.state === "sent" || c.state === "failed"));
  for (const c of unsettled) await settleChunk(deps, runKey, c.chunkId);
  if (unsettled.length) chunks = await chunksOf(table, runKey, { withIds: false });
  const out: TrackOutcome = { runKey, polled: 0, changed: 0, delivered: 0, reminded: 0, finished: false };
  const remindAt = closing ? [] : dueReminders(run.remindersPlanned, run.remindersDone, now);
  const counts = emptyRecipientCounts();
  const add = (c: RecipientCounts) => {
    for (const k of Object.keys(c) as (keyof RecipientCounts)[]) counts[k] += c[k];
  };
  const bySender = new Map<string, { sent: number; chunks: number; sendTime?: string }>();
  let failures = 0;

  for (const c of chunks) {
    if (c.state === "sent" && c.msgid && c.settled) {
      await renew();
      try {
        // each chunk on its own: one WeCom error leaves the others polled and the run moving
        const r = await pollChunk(deps, wecom, run, c, { closing, remindAt, now });
        add(r.counts);
        out.polled++;
        out.changed += r.changed;
        out.delivered += r.delivered;
        if (r.reminded) out.reminded++;
        const s = bySender.get(c.sender) ?? { sent: 0, chunks: 0 };
        s.chunks++;
        if (r.taskSent) s.sent++;
        if (r.sendTime && (!s.sendTime || r.sendTime > s.sendTime)) s.sendTime = r.sendTime;
        bySender.set(c.sender, s);
      } catch (error) {
        if (error instanceof LeaseLost) throw error;
        failures++;
        deps.log.warn("chunk poll failed; the run polls again soon", { runKey, chunkId: c.chunkId, error: String(error) });
      }
    } else if (c.state === "planned" && closing) {
      // never tasked and the run is over: no later try may claim it
      await abandonChunk(table, runKey, c.chunkId, now);
      await settleChunk(deps, runKey, c.chunkId, { closing: true });
      counts.failed += c.count;
    } else if (c.state === "failed") counts.failed += c.count;
    else counts.planned += c.count; // planned, claimed (a lost answer being checked: its check cancels a late task), or unsettled
  }

  // the members' tasks: sent once every chunk of theirs is sent; unsent at the close is cancelled
  const at = now.toISOString();
  const staff = await staffOf(table, runKey);
  for (const s of staff) {
    const seen = bySender.get(s.userId);
    if (!seen) continue;
    const task: StaffRow["task"] = seen.sent === seen.chunks ? "sent" : closing ? "cancelled" : "waiting";
    if (task !== s.task || seen.sendTime !== s.sendTime) {
      await putOneStaff(table, runKey, { ...s, task, ...(seen.sendTime ? { sendTime: seen.sendTime } : {}), updatedAt: at });
    }
  }

  // the run's new state: counts counted afresh (when every chunk answered), next poll or closed
  if (failures === 0) await setRunCounts(table, campaignId, runKey, counts);
  const remindersDone = [...run.remindersDone, ...remindAt];
  const forceClose = now.getTime() >= Date.parse(run.deadline) + CLOSE_GRACE_MS;
  if (closing && (failures === 0 || forceClose)) {
    await updateRunProgress(table, run, { closed: cancelling ? "cancelled" : "done", remindersDone, at });
    out.finished = true;
    await closeCampaignIfOver(deps, campaignId);
  } else {
    const poll = failures > 0 ? new Date(now.getTime() + RETRY_POLL_MS) : nextPollAt({ startedAt: new Date(run.startedAt), deadline: new Date(run.deadline) }, now);
    await updateRunProgress(table, run, { nextPollAt: (poll ?? new Date(run.deadline)).toISOString(), remindersDone, at });
  }
  return out;
}

/**
 * One sent chunk: its member's task, due reminders (once per planned instant), the close's cancel, and
 * per-recipient results — read only when the task was sent or the run closes (an unsent task has
 * nothing delivered). What the ledger and the topic must learn is written before the rows move on,
 * so a poll that stops part way repeats it next time instead of losing it.
 */
async function pollChunk(
  deps: Deps,
  wecom: WecomClient,
  run: NonNullable<Awaited<ReturnType<typeof getRun>>>,
  c: ChunkRecord,
  ctx: { closing: boolean; remindAt: readonly string[]; now: Date },
): Promise<ChunkPoll> {
  const { table } = deps.config;
  const { runKey, campaignId } = run;
  const limit = pageLimitOf(deps);
  let task = (await memberTasks(wecom, c.msgid!, limit)).get(c.sender);
  let reminded = false;
  const due = ctx.remindAt.filter((p) => !(c.remindedFor ?? []).includes(p));
  if (due.length > 0 && task?.status !== 2 && !c.cancelled) reminded = (await remindChunk(deps, wecom, runKey, c, due)).reminded;
  if (ctx.closing && task?.status !== 2 && !c.cancelled) {
    await wecom.cancelGroupMsgSend(c.msgid!);
    await markChunkCancelled(table, runKey, c.chunkId);
    task = (await memberTasks(wecom, c.msgid!, limit)).get(c.sender);
  }
  const taskSent = task?.status === 2;
  const rows = await recipientsOfChunk(table, runKey, c.chunkId);
  const results = taskSent || ctx.closing ? await sendResults(wecom, c.msgid!, c.sender, limit) : new Map<string, { status: number; sendTime?: number }>();
  const counts = emptyRecipientCounts();
  const changed: RecipientRow[] = [];
  const ledger: { recipientId: string; entryKey: string; entry: NonNullable<ReturnType<typeof ledgerOutcome>> }[] = [];
  const delivered: { id: string; at: string }[] = [];
  const at = ctx.now.toISOString();
  for (const row of rows) {
    if (row.status === "excluded") continue;
    if (row.status === "failed" || row.status === "planned") {
      counts[row.status]++;
      continue;
    }
    const r = results.get(row.id);
    const next = recipientStatusAfter(row.status, (r?.status ?? 0) as SendStatus, { cancelled: ctx.closing });
    counts[next]++;
    if (next === row.status) continue;
    const sendTime = r?.sendTime !== undefined ? new Date(r.sendTime * 1000).toISOString() : undefined;
    changed.push({ ...row, status: next, ...(sendTime ? { sendTime } : {}), updatedAt: at });
    const outcome = ledgerOutcome(next, { runKey, at: run.at }, sendTime, c.sender);
    if (outcome) ledger.push({ recipientId: row.id, entryKey: runKey, entry: outcome });
    if (next === "delivered") delivered.push({ id: row.id, at: sendTime ?? at });
  }
  await recordLedgerMany(table, run.chatType, ledger);
  await publishEvents(
    deps.config.topicArn,
    delivered.map((d) =>
      makeEvent(
        "broadcast.delivered",
        { campaignId, runKey, chatType: run.chatType, recipientId: d.id, userId: c.sender, msgId: c.msgid!, deliveredAt: d.at },
        { corpId: deps.config.corpId, occurredAt: d.at, id: deterministicId("broadcast.delivered", runKey, d.id) },
      ),
    ),
  );
  if (changed.length) await putRecipients(table, runKey, changed);
  return {
    counts,
    changed: changed.length,
    delivered: delivered.length,
    reminded,
    taskSent,
    ...(task?.sendTime ? { sendTime: new Date(task.sendTime * 1000).toISOString() } : {}),
  };
}

async function memberTasks(wecom: WecomClient, msgid: string, limit: number): Promise<Map<string, { status: number; sendTime?: number }>> {
  const tasks = new Map<string, { status: number; sendTime?: number }>();
  await eachPage(
    (cursor) => wecom.getGroupMsgTask({ msgid, limit, ...(cursor ? { cursor } : {}) }),
    (p) => {
      for (const t of p.task_list) tasks.set(t.userid, { status: t.status, ...(t.send_time ? { sendTime: t.send_time } : {}) });
    },
  );
  return tasks;
}

async function sendResults(wecom: WecomClient, msgid: string, userid: string, limit: number): Promise<Map<string, { status: number; sendTime?: number }>> {
  const results = new Map<string, { status: number; sendTime?: number }>();
  await eachPage(
    (cursor) => wecom.getGroupMsgSendResult({ msgid, userid, limit, ...(cursor ? { cursor } : {}) }),
    (p) => {
      for (const s of p.send_list) {
        const id = s.external_userid ?? s.chat_id;
        if (id) results.set(id, { status: s.status, ...(s.send_time ? { sendTime: s.send_time } : {}) });
      }
    },
  );
  return results;
}

/** The reminder budget of a chunk's message is reserved (conditional write) before the call: never a 4th in 24 h. */
export async function remindChunk(deps: Deps, wecom: WecomClient, runKey: string, c: ChunkRecord, plannedFor: readonly string[] = []): Promise<{ reminded: boolean; nextAt?: Date }> {
  const now = deps.now();
  const seen = c.reminders ?? [];
  const budget = reminderBudget(seen, now);
  if (budget.remaining === 0) return { reminded: false, ...(budget.nextAt ? { nextAt: budget.nextAt } : {}) };
  if (!(await recordReminder(deps.config.table, runKey, c.chunkId, seen, now, plannedFor))) return { reminded: false };
  await wecom.remindGroupMsgSend(c.msgid!);
  return { reminded: true };
}

/** A campaign with no next run and no open run is done. */
export async function closeCampaignIfOver(deps: Deps, campaignId: string): Promise<void> {
  const { table } = deps.config;
  const c = await getCampaign(table, campaignId);
  if (!c || c.status === "cancelled" || c.status === "done" || c.nextRunAt) return;
  const runs = await runsOf(table, campaignId);
  if (runs.some((r) => r.state !== "done" && r.state !== "cancelled")) return;
  await replaceCampaign(table, { ...c, status: "done", version: c.version + 1, updatedAt: deps.now().toISOString() }, c.version);
}

