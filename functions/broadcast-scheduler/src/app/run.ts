/**
 * Start one run of a campaign at its scheduled instant (the runs queue): plan afresh, store the run,
 * its outbox chunks and its recipient rows, then queue one send per chunk. Idempotent per run key:
 * the run row is created conditionally, and a redelivered trigger only re-queues chunks still planned.
 */
import { sendCommands } from "@siyu/bus";
import { deterministicId, makeEvent } from "@siyu/kernel";
import { batchWrite } from "@siyu/store";
import { quietUntil, rulesFor } from "../domain/quota.ts";
import { emptyRecipientCounts } from "../domain/run.ts";
import { planRuns, reminderTimes, runDeadline } from "../domain/schedule.ts";
import { dropDue, getCampaign, getRun, insertRun, putDue, putRun, type RunRecord, replaceCampaign, takeOverPlanning } from "../store/campaigns.ts";
import { chunkItem, chunksOf, clearPartition, runPk } from "../store/outbox.ts";
import { EXCLUDED_SHARDS, partitionPk, putRecipients, putStaff, type RecipientRow, type StaffRow } from "../store/recipients.ts";
import { getReceiveSettings } from "../store/settings.ts";
import type { Deps } from "./deps.ts";
import { pullPersonalMessages } from "./personal.ts";
import { type PlanStats, planCampaign } from "./plan.ts";
import { closeCampaignIfOver } from "./track.ts";

export type StartOutcome =
  | { outcome: "started"; runKey: string; chunks: number; planned: number; stats: PlanStats }
  | { outcome: "nothing-to-send"; runKey: string; stats: PlanStats }
  | { outcome: "deferred"; runKey: string; until: string }
  | { outcome: "exists" | "cancelled" | "unknown-campaign" | "stale"; runKey: string };

export const chunkIdOf = (n: number) => String(n).padStart(5, "0");

/** A start still `planning` after this long died (the runs function's timeout is 900 s). */
export const PLAN_LEASE_MS = 16 * 60_000;

export async function startRun(deps: Deps, r: { campaignId: string; runKey: string; at: string }): Promise<StartOutcome> {
  const { table, timeZone } = deps.config;
  const campaign = await getCampaign(table, r.campaignId);
  if (!campaign) {
    await dropDue(table, r.runKey, r.at);
    return { outcome: "unknown-campaign", runKey: r.runKey };
  }
  const existing = await getRun(table, r.campaignId, r.runKey);
  // a start that died while planning is taken over once its lease is stale; a live one is left alone
  const takeover = existing?.state === "planning" && deps.now().getTime() - Date.parse(existing.updatedAt) > PLAN_LEASE_MS;
  if (existing && !takeover) {
    if (existing.state !== "planning") {
      // a start that died after its run row: the campaign still moves on (idempotent), chunks go out
      await advanceCampaign(deps, r.campaignId, r.runKey, r.at);
      await requeuePlanned(deps, existing);
      await dropDue(table, r.runKey, r.at);
    }
    return { outcome: "exists", runKey: r.runKey };
  }
  if (campaign.status === "cancelled" || campaign.status === "done") {
    await dropDue(table, r.runKey, r.at);
    return { outcome: "cancelled", runKey: r.runKey };
  }
  // a due entry the schedule no longer has (it was edited): not a run of this campaign any more
  if (campaign.nextRunKey !== r.runKey && campaign.lastRunKey !== r.runKey) {
    await dropDue(table, r.runKey, r.at);
    deps.log.warn("a due run the campaign's schedule no longer has; dropped", { runKey: r.runKey, nextRunKey: campaign.nextRunKey });
    return { outcome: "stale", runKey: r.runKey };
  }
  const def = campaign.definition;
  const now = deps.now();
  // a run pushes its tasks now (a late trigger is still due); inside quiet hours it waits for their end
  const settings = await getReceiveSettings(table);
  const quiet = quietUntil(now, rulesFor(settings, def.audience.chatType).quietHours, timeZone);
  if (quiet) {
    await putDue(table, r.campaignId, r.runKey, quiet.toISOString());
    await dropDue(table, r.runKey, r.at);
    deps.log.info("run deferred to the end of quiet hours", { runKey: r.runKey, until: quiet.toISOString() });
    return { outcome: "deferred", runKey: r.runKey, until: quiet.toISOString() };
  }
  // the campaign is running from here (no edit can reach this run) and a recurring one has its next run due
  await advanceCampaign(deps, r.campaignId, r.runKey, r.at);
  // members' own mass messages since the last pull count before anyone is planned
  await pullPersonalMessages(deps);
  const deadline = runDeadline(def, { at: now }, timeZone);
  const { plan, stats } = await planCampaign(deps, def, { at: now, deadline, runKey: r.runKey });

  const chunks = plan.tasks.flatMap((t) => t.chunks.map((ids) => ({ sender: t.sender, ids })));
  const startedAt = now.toISOString();
  const recipients = emptyRecipientCounts();
  recipients.planned = plan.counts.planned;
  const run: RunRecord = {
    runKey: r.runKey,
    campaignId: r.campaignId,
    chatType: plan.chatType,
    at: startedAt,
    deadline: deadline.toISOString(),
    state: "planning",
    startedAt,
    plan: plan.counts,
    chunks: chunks.length,
    recipients,
    remindersPlanned: reminderTimes(def.reminders, { at: now, deadline }).map((d) => d.toISOString()),
    remindersDone: [],
    content: def.content,
    allowSelect: def.allowSelect,
    updatedAt: startedAt,
  };
  // The run row first, as a planning lease (conditional: one start per run key); the outbox and the
  // rows next; nothing is sent before the run leaves `planning`. A taken-over start clears the dead
  // attempt's leftovers and plans again from scratch.
  if (takeover) {
    if (!(await takeOverPlanning(table, existing!, run))) return { outcome: "exists", runKey: r.runKey };
    await clearLeftovers(table, r.runKey);
  } else if (!(await insertRun(table, run))) {
    return { outcome: "exists", runKey: r.runKey };
  }
  const chunkIds = chunks.map((_, i) => chunkIdOf(i));
  await batchWrite(table, chunks.map((c, i) => chunkItem(r.runKey, { chunkId: chunkIds[i]!, sender: c.sender, ids: c.ids })));
  // a planned recipient's row is written when its chunk is sent (from the chunk): here only the left-out
  const rows: RecipientRow[] = [];
  for (const e of plan.excluded) {
    const id = "externalUserId" in e ? e.externalUserId : e.chatId;
    const userId = "externalUserId" in e ? e.userId : e.ownerUserId;
    rows.push({ id, status: "excluded", reason: e.reason, ...(userId ? { userId } : {}), ...(e.quota ? { quota: e.quota } : {}), updatedAt: startedAt });
  }
  await putRecipients(table, r.runKey, rows);
  const staff = new Map<string, StaffRow>();
  chunks.forEach((c, i) => {
    const s = staff.get(c.sender) ?? { userId: c.sender, task: "planned" as const, chunkIds: [], recipients: 0, updatedAt: startedAt };
    s.chunkIds.push(chunkIds[i]!);
    s.recipients += c.ids.length;
    staff.set(c.sender, s);
  });
  await putStaff(table, r.runKey, [...staff.values()]);
  await putRun(
    table,
    chunks.length === 0
      ? { ...run, state: "done", finishedAt: startedAt }
      : { ...run, state: "tracking", nextPollAt: new Date(now.getTime() + 5 * 60_000).toISOString() },
  );
  if (chunks.length > 0) await queueChunks(deps, r.runKey, chunkIds);
  if (chunks.length === 0) await closeCampaignIfOver(deps, r.campaignId);
  await dropDue(table, r.runKey, r.at);
  deps.log.info("run planned", { runKey: r.runKey, planned: plan.counts.planned, chunks: chunks.length, excluded: plan.counts.excluded, ...stats });
  return chunks.length === 0 ? { outcome: "nothing-to-send", runKey: r.runKey, stats } : { outcome: "started", runKey: r.runKey, chunks: chunks.length, planned: plan.counts.planned, stats };
}

/** One send command per chunk; the ids are derived from the chunk, so a repeat is the same message. */
export async function queueChunks(deps: Deps, runKey: string, chunkIds: readonly string[]): Promise<void> {
  const now = deps.now();
  await sendCommands(
    deps.config.queueUrl("sends"),
    chunkIds.map((chunkId) => makeEvent("broadcast.chunk_requested", { runKey, chunkId }, { corpId: deps.config.corpId, occurredAt: now, id: deterministicId("broadcast-chunk", runKey, chunkId) })),
  );
}

async function requeuePlanned(deps: Deps, run: RunRecord): Promise<void> {
  if (run.state === "done" || run.state === "cancelled") return;
  const planned = (await chunksOf(deps.config.table, run.runKey, { withIds: false })).filter((c) => c.state === "planned").map((c) => c.chunkId);
  if (planned.length) await queueChunks(deps, run.runKey, planned);
}

/** After a run started: the campaign is running, and a recurring one has its next run due. */
async function advanceCampaign(deps: Deps, campaignId: string, runKey: string, scheduledAt: string): Promise<void> {
  const { table, timeZone } = deps.config;
  for (let attempt = 0; attempt < 5; attempt++) {
    const c = await getCampaign(table, campaignId);
    if (!c || c.status === "cancelled" || c.status === "done" || c.lastRunKey === runKey) return;
    const next =
      c.definition.schedule.kind === "recurring"
        ? planRuns(c.definition.schedule, { campaignId, now: deps.now(), timeZone, from: new Date(Date.parse(scheduledAt) + 1000), limit: 1 })[0]
        : undefined;
    const { nextRunAt: _at, nextRunKey: _key, ...rest } = c;
    const updated = {
      ...rest,
      status: c.status === "draft" || c.status === "scheduled" ? ("running" as const) : c.status,
      runs: c.runs + 1,
      updatedAt: deps.now().toISOString(),
      version: c.version + 1,
      lastRunKey: runKey,
      ...(next ? { nextRunAt: next.at.toISOString(), nextRunKey: next.key } : {}),
    };
    if (await replaceCampaign(table, updated, c.version, next ? { add: [{ runKey: next.key, at: next.at.toISOString() }] } : {})) return;
  }
  throw new Error(`campaign ${campaignId} changed five times while its run ${runKey} started`);
}

/** Everything a start that died while planning may have written: its chunks' rows, the left-out rows, the outbox and staff rows. */
async function clearLeftovers(table: string, runKey: string): Promise<void> {
  const chunks = await chunksOf(table, runKey, { withIds: false });
  for (const c of chunks) await clearPartition(table, partitionPk(runKey, { chunkId: c.chunkId }));
  for (let n = 0; n < EXCLUDED_SHARDS; n++) await clearPartition(table, partitionPk(runKey, { excludedShard: n }));
  await clearPartition(table, runPk(runKey));
}
