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
import { dueReminders, emptyRecipientCounts, ledgerOutcome, nextPollAt, recipientStatusAfter, reminderBudget, type SendStatus } from "../domain/run.ts";
import { getCampaign, getRun, releasePollLease, replaceCampaign, runsOf, runsToPoll, setRunCounts, takePollLease, updateRunProgress } from "../store/campaigns.ts";
import { touchInteraction } from "../store/audience.ts";
import { recordLedgerMany } from "../store/ledger.ts";
import { type ChunkRecord, chunksOf, markChunkCancelled, recordReminder } from "../store/outbox.ts";
import { putRecipients, putStaff, type RecipientRow, recipientsOfChunk, staffOf, type StaffRow } from "../store/recipients.ts";
import { type Deps, pageLimitOf } from "./deps.ts";
import { eachPage } from "./pages.ts";
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

/** How long one poll may hold a run (the track job's timeout is 600 s; a poll of one run is far shorter). */
const POLL_LEASE_MS = 5 * 60_000;

/**
 * Poll one run (or close it, at its deadline or on cancel). One poller at a time per run (a lease), so
 * answers are never counted twice; undefined when the run is over or another poller holds it.
 */
export async function trackRun(deps: Deps, campaignId: string, runKey: string, opts: { cancel?: boolean } = {}): Promise<TrackOutcome | undefined> {
  const { table } = deps.config;
  const leased = { campaignId, runKey };
  const now = deps.now();
  if (!(await takePollLease(table, leased, now, new Date(now.getTime() + POLL_LEASE_MS)))) return undefined;
  try {
    return await pollRun(deps, campaignId, runKey, opts);
  } finally {
    await releasePollLease(table, leased);
  }
}

async function pollRun(deps: Deps, campaignId: string, runKey: string, opts: { cancel?: boolean }): Promise<TrackOutcome | undefined> {
  const { table } = deps.config;
  const run = await getRun(table, campaignId, runKey);
  if (!run || run.state === "done" || run.state === "cancelled") return undefined;
  const campaign = await getCampaign(table, campaignId);
  const now = deps.now();
  const closing = opts.cancel === true || campaign?.status === "cancelled" || now >= new Date(run.deadline);
  const wecom = await deps.wecom();
  // a send that died after recording its outcome left its chunk unsettled: finish it first
  let chunks = await chunksOf(table, runKey, { withIds: false });
  const unsettled = chunks.filter((c) => !c.settled && (c.state === "sent" || c.state === "failed"));
  for (const c of unsettled) await settleChunk(deps, runKey, c.chunkId);
  if (unsettled.length) chunks = await chunksOf(table, runKey, { withIds: false });
  const sent = chunks.filter((c) => c.state === "sent" && c.msgid && c.settled);
  const out: TrackOutcome = { runKey, polled: sent.length, changed: 0, delivered: 0, reminded: 0, finished: false };

  // 1. the automatic reminders that are due, to members whose task is still unsent
  const remindAt = closing ? [] : dueReminders(run.remindersPlanned, run.remindersDone, now);
  const tasks = new Map<string, Map<string, { status: number; sendTime?: number }>>();
  for (const c of sent) tasks.set(c.chunkId, await memberTasks(wecom, c.msgid!, pageLimitOf(deps)));
  if (remindAt.length > 0) {
    for (const c of sent) {
      const unsent = [...tasks.get(c.chunkId)!.values()].some((t) => t.status === 0);
      if (unsent && !c.cancelled && (await remindChunk(deps, wecom, runKey, c)).reminded) out.reminded++;
    }
  }

  // 2. at the deadline or on cancel: stop what is unsent before the last read
  if (closing) {
    for (const c of sent) {
      const unsent = [...tasks.get(c.chunkId)!.values()].some((t) => t.status === 0);
      if (unsent && !c.cancelled) {
        await wecom.cancelGroupMsgSend(c.msgid!);
        await markChunkCancelled(table, runKey, c.chunkId);
      }
      tasks.set(c.chunkId, await memberTasks(wecom, c.msgid!, pageLimitOf(deps)));
    }
  }

  // 3. per-recipient results, compared with the stored rows; the run's counts are counted afresh
  const counts = emptyRecipientCounts();
  const staff = new Map((await staffOf(table, runKey)).map((s) => [s.userId, s]));
  const delivered: { id: string; userId: string; msgid: string; at: string }[] = [];
  const ledger: { recipientId: string; entryKey: string; entry: NonNullable<ReturnType<typeof ledgerOutcome>> }[] = [];
  const at = now.toISOString();
  for (const c of sent) {
    const task = tasks.get(c.chunkId)!.get(c.sender);
    const results = await sendResults(wecom, c.msgid!, c.sender, pageLimitOf(deps));
    const rows = await recipientsOfChunk(table, runKey, c.chunkId);
    const changed: RecipientRow[] = [];
    for (const row of rows) {
      if (row.status === "excluded") continue;
      if (row.status === "failed" || row.status === "planned") {
        counts[row.status]++;
        continue;
      }
      const r = results.get(row.id);
      const status = (r?.status ?? 0) as SendStatus;
      const next = recipientStatusAfter(row.status, status, { cancelled: closing });
      counts[next]++;
      if (next === row.status) continue;
      const sendTime = r?.sendTime !== undefined ? new Date(r.sendTime * 1000).toISOString() : undefined;
      changed.push({ ...row, status: next, ...(sendTime ? { sendTime } : {}), updatedAt: at });
      const outcome = ledgerOutcome(next, { runKey, at: run.at }, sendTime);
      if (outcome) ledger.push({ recipientId: row.id, entryKey: runKey, entry: outcome });
      if (next === "delivered") delivered.push({ id: row.id, userId: c.sender, msgid: c.msgid!, at: sendTime ?? at });
    }
    if (changed.length) await putRecipients(table, runKey, changed);
    out.changed += changed.length;
    const s = staff.get(c.sender);
    if (s) {
      const task_: StaffRow["task"] = task?.status === 2 ? "sent" : closing ? "cancelled" : "waiting";
      if (s.task !== task_ || (task?.sendTime && !s.sendTime)) {
        staff.set(c.sender, { ...s, task: task_, ...(task?.sendTime ? { sendTime: new Date(task.sendTime * 1000).toISOString() } : {}), updatedAt: at });
        await putStaff(table, runKey, [staff.get(c.sender)!]);
      }
    }
  }

  // 4. chunks without a task: still to send (planned), or never tasked when the run closes (failed)
  for (const c of chunks.filter((x) => x.state === "planned" || x.state === "claimed")) {
    if (closing) {
      await settleChunk(deps, runKey, c.chunkId, { closing: true });
      counts.failed += c.count;
    } else counts.planned += c.count;
  }
  for (const c of chunks.filter((x) => x.state === "failed")) counts.failed += c.count;

  await recordLedgerMany(table, run.chatType, ledger);
  if (run.chatType === "single") await mapLimit(delivered, 16, (d) => touchInteraction(table, d.id, d.userId, d.at));
  await publishEvents(
    deps.config.topicArn,
    delivered.map((d) =>
      makeEvent(
        "broadcast.delivered",
        { campaignId, runKey, chatType: run.chatType, recipientId: d.id, userId: d.userId, msgId: d.msgid, deliveredAt: d.at },
        { corpId: deps.config.corpId, occurredAt: d.at, id: deterministicId("broadcast.delivered", runKey, d.id) },
      ),
    ),
  );
  out.delivered = delivered.length;

  // 5. the run's new state: counts, reminders done, next poll or closed
  await setRunCounts(table, campaignId, runKey, counts);
  const remindersDone = [...run.remindersDone, ...remindAt];
  if (closing) {
    await updateRunProgress(table, run, { closed: campaign?.status === "cancelled" || opts.cancel ? "cancelled" : "done", remindersDone, at });
    out.finished = true;
    await closeCampaignIfOver(deps, campaignId);
  } else {
    const poll = nextPollAt({ startedAt: new Date(run.startedAt), deadline: new Date(run.deadline) }, now);
    await updateRunProgress(table, run, { nextPollAt: (poll ?? new Date(run.deadline)).toISOString(), remindersDone, at });
  }
  return out;
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
export async function remindChunk(deps: Deps, wecom: WecomClient, runKey: string, c: ChunkRecord): Promise<{ reminded: boolean; nextAt?: Date }> {
  const now = deps.now();
  const seen = c.reminders ?? [];
  const budget = reminderBudget(seen, now);
  if (budget.remaining === 0) return { reminded: false, ...(budget.nextAt ? { nextAt: budget.nextAt } : {}) };
  if (!(await recordReminder(deps.config.table, runKey, c.chunkId, seen, now))) return { reminded: false };
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

