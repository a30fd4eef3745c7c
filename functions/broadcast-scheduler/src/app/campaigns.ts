/**
 * The campaign use cases behind `/v1/broadcasts`: create (with an optional Idempotency-Key), list,
 * detail with each run's funnel and per-staff progress, edit until it starts, cancel (which stops
 * every unsent task in WeCom at once), preview, and manual reminders within WeCom's budget.
 */
import { sendCommand } from "@siyu/bus";
import { AppError, deterministicId, makeEvent, newId, notFound } from "@siyu/kernel";
import * as z from "zod";
import { applyCampaignPatch, audienceSchema, type CampaignDefinition, parseCampaignCreate } from "../domain/campaign.ts";
import { InvalidInput } from "../domain/errors.ts";
import { funnelOf, type RecipientStatus } from "../domain/run.ts";
import { firstStart, planRuns, runDeadline, scheduleSchema } from "../domain/schedule.ts";
import { type CampaignStatus, nextStatus } from "../domain/status.ts";
import { type CampaignRecord, getCampaign, getRun, insertCampaign, listCampaigns, type RunRecord, replaceCampaign, runsByKey, runsOf } from "../store/campaigns.ts";
import { chunksOf } from "../store/outbox.ts";
import { type RecipientRow, staffOf } from "../store/recipients.ts";
import type { Deps } from "./deps.ts";
import { planCampaign, previewView } from "./plan.ts";
import { recipientPage } from "./recipients.ts";
import { remindChunk, trackRun } from "./track.ts";

type Stored = CampaignRecord;

/** JSON with object keys sorted: the same request re-serialized in another key order hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function requestHash(body: unknown): string {
  return deterministicId("broadcast-create", canonical(body));
}

/** A stored campaign must fit one DynamoDB item (400 KB) with room to spare. */
export const MAX_CAMPAIGN_BYTES = 300 * 1024;

function assertStorable(def: CampaignDefinition): void {
  const bytes = Buffer.byteLength(JSON.stringify(def), "utf8");
  if (bytes > MAX_CAMPAIGN_BYTES) {
    throw new InvalidInput(`the campaign is ${bytes} bytes stored; at most ${MAX_CAMPAIGN_BYTES}`, [
      { path: "body.audience.externalUserIds", message: `the campaign is too large to store (${bytes} bytes, at most ${MAX_CAMPAIGN_BYTES}): filter by tags, staff or channel instead of listing this many ids` },
    ]);
  }
}

export function campaignView(c: Stored, timeZone: string) {
  const d = c.definition;
  const start = c.nextRunAt ? new Date(c.nextRunAt) : undefined;
  return {
    campaignId: c.campaignId,
    status: c.status,
    name: d.name,
    audience: d.audience,
    content: d.content,
    schedule: d.schedule,
    deadline: d.deadline ?? (d.schedule.kind !== "recurring" && start ? runDeadline(d, { at: start }, timeZone).toISOString() : null),
    deadlineIsDefault: d.deadline === undefined,
    reminders: d.reminders,
    allowSelect: d.allowSelect,
    nextRunAt: c.nextRunAt ?? null,
    runs: c.runs,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    ...(c.cancelledAt ? { cancelledAt: c.cancelledAt } : {}),
  };
}

export function runView(r: RunRecord) {
  return {
    runKey: r.runKey,
    state: r.state,
    at: r.at,
    deadline: r.deadline,
    chatType: r.chatType,
    plan: r.plan,
    funnel: funnelOf(r.recipients),
    recipients: r.recipients,
    reminders: { planned: r.remindersPlanned, done: r.remindersDone },
    nextPollAt: r.nextPollAt ?? null,
    finishedAt: r.finishedAt ?? null,
  };
}

/** The first run of a new (or re-scheduled) campaign and its key. */
function firstRun(def: CampaignDefinition, campaignId: string, now: Date, timeZone: string) {
  return planRuns(def.schedule, { campaignId, now, timeZone, limit: 1 })[0];
}

async function queueRun(deps: Deps, campaignId: string, runKey: string, at: string): Promise<void> {
  await sendCommand(
    deps.config.queueUrl("runs"),
    makeEvent("broadcast.run_requested", { campaignId, runKey, at }, { corpId: deps.config.corpId, occurredAt: deps.now(), id: deterministicId("broadcast-run", runKey) }),
  );
}

export async function createCampaign(deps: Deps, body: unknown, idempotencyKey?: string): Promise<{ replay: boolean; campaign: ReturnType<typeof campaignView> }> {
  const { table, timeZone } = deps.config;
  const now = deps.now();
  const hash = requestHash(body);
  const campaignId = idempotencyKey ? deterministicId("broadcast-scheduler/campaign", idempotencyKey) : newId();
  if (idempotencyKey) {
    const existing = await getCampaign(table, campaignId);
    if (existing) return replay(deps, existing, hash);
  }
  const def = parseCampaignCreate(body, { now, timeZone });
  assertStorable(def);
  const first = firstRun(def, campaignId, now, timeZone)!;
  const at = now.toISOString();
  const record: Stored = {
    campaignId,
    definition: def,
    status: "scheduled",
    createdAt: at,
    updatedAt: at,
    version: 1,
    runs: 0,
    requestHash: hash,
    nextRunAt: first.at.toISOString(),
    nextRunKey: first.key,
    ...(idempotencyKey ? { idempotencyKey } : {}),
  };
  if (!(await insertCampaign(table, record, { runKey: first.key, at: first.at.toISOString() }))) {
    const existing = await getCampaign(table, campaignId);
    if (existing) return replay(deps, existing, hash);
  }
  if (def.schedule.kind === "now") await queueRun(deps, campaignId, first.key, first.at.toISOString());
  deps.log.info("campaign created", { campaignId, schedule: def.schedule.kind, chatType: def.audience.chatType });
  return { replay: false, campaign: campaignView(record, timeZone) };
}

async function replay(deps: Deps, existing: Stored, hash: string) {
  if (existing.requestHash !== hash) {
    throw new AppError(422, "idempotency-key-reused", "Idempotency-Key reused", "this Idempotency-Key was used for a different campaign", {
      extensions: { campaignId: existing.campaignId },
    });
  }
  // a create that stopped after storing: its send-now run may not be queued yet (the run is idempotent)
  if (existing.definition.schedule.kind === "now" && existing.runs === 0 && existing.nextRunKey && existing.nextRunAt) {
    await queueRun(deps, existing.campaignId, existing.nextRunKey, existing.nextRunAt);
  }
  return { replay: true, campaign: campaignView(existing, deps.config.timeZone) };
}

/**
 * One page of campaigns (newest first, optionally in one status), each with its latest run's state and
 * funnel (`latestRun`, null before the first run starts), so a list shows progress without a read per row.
 */
export async function listCampaignViews(deps: Deps, q: { limit: number; cursor?: string; status?: CampaignStatus }) {
  const { table, timeZone } = deps.config;
  const page = await listCampaigns(table, q);
  const latest = await runsByKey(table, page.items.flatMap((c) => (c.lastRunKey ? [{ campaignId: c.campaignId, runKey: c.lastRunKey }] : [])));
  const byKey = new Map(latest.map((r) => [r.runKey, r]));
  return {
    items: page.items.map((c) => {
      const run = c.lastRunKey ? byKey.get(c.lastRunKey) : undefined;
      return { ...campaignView(c, timeZone), latestRun: run ? { runKey: run.runKey, state: run.state, at: run.at, funnel: funnelOf(run.recipients) } : null };
    }),
    nextCursor: page.nextCursor ?? null,
  };
}

async function requireCampaign(deps: Deps, campaignId: string): Promise<Stored> {
  const c = await getCampaign(deps.config.table, campaignId);
  if (!c) throw notFound(`no campaign ${campaignId}`);
  return c;
}

export async function campaignDetail(deps: Deps, campaignId: string, q: { run?: string }) {
  const { table, timeZone } = deps.config;
  const c = await requireCampaign(deps, campaignId);
  const runs = (await runsOf(table, campaignId)).sort((a, b) => (a.at < b.at ? 1 : -1));
  const selected = q.run ? runs.find((r) => r.runKey === q.run) : runs[0];
  if (q.run && !selected) throw notFound(`campaign ${campaignId} has no run ${q.run}`);
  const staff = selected ? await staffOf(table, selected.runKey) : [];
  return {
    ...campaignView(c, timeZone),
    runsList: runs.map(runView),
    run: selected ? runView(selected) : null,
    staff: staff
      .sort((a, b) => (a.userId < b.userId ? -1 : 1))
      .map((s) => ({ userId: s.userId, task: s.task, recipients: s.recipients, sendTime: s.sendTime ?? null })),
  };
}

export async function updateCampaign(deps: Deps, campaignId: string, body: unknown) {
  const { table, timeZone } = deps.config;
  const c = await requireCampaign(deps, campaignId);
  const def = applyCampaignPatch(c.definition, c.status, body, { now: deps.now(), timeZone });
  assertStorable(def);
  const scheduleChanged = JSON.stringify(def.schedule) !== JSON.stringify(c.definition.schedule);
  const now = deps.now();
  let dues = {};
  let next: Partial<Stored> = {};
  if (scheduleChanged) {
    const first = firstRun(def, campaignId, now, timeZone)!;
    next = { nextRunAt: first.at.toISOString(), nextRunKey: first.key };
    dues = { drop: c.nextRunKey && c.nextRunAt ? [{ runKey: c.nextRunKey, at: c.nextRunAt }] : [], add: [{ runKey: first.key, at: first.at.toISOString() }] };
  }
  const updated: Stored = { ...c, ...next, definition: def, version: c.version + 1, updatedAt: now.toISOString() };
  if (!(await replaceCampaign(table, updated, c.version, dues))) {
    throw new AppError(409, "conflict", "Conflict with the current state", "the campaign changed (or started) while this edit was made; read it again");
  }
  if (scheduleChanged && def.schedule.kind === "now") await queueRun(deps, campaignId, next.nextRunKey!, next.nextRunAt!);
  return campaignView(updated, timeZone);
}

export async function cancelCampaign(deps: Deps, campaignId: string) {
  const { table, timeZone } = deps.config;
  for (let attempt = 0; attempt < 5; attempt++) {
    const c = await requireCampaign(deps, campaignId);
    const status = nextStatus(c.status, "cancel");
    const now = deps.now();
    if (c.status !== "cancelled") {
      const { nextRunAt: _a, nextRunKey: _b, ...rest } = c;
      const updated: Stored = { ...rest, status, version: c.version + 1, updatedAt: now.toISOString(), cancelledAt: now.toISOString() };
      const dues = c.nextRunKey && c.nextRunAt ? { drop: [{ runKey: c.nextRunKey, at: c.nextRunAt }] } : {};
      if (!(await replaceCampaign(table, updated, c.version, dues))) continue;
    }
    // stop what WeCom has not sent yet, now (the tracker would also do it on its next minute)
    const open = (await runsOf(table, campaignId)).filter((r) => r.state !== "done" && r.state !== "cancelled");
    const stopped = [];
    for (const r of open) stopped.push(await trackRun(deps, campaignId, r.runKey, { cancel: true }));
    const fresh = await requireCampaign(deps, campaignId);
    return { ...campaignView(fresh, timeZone), stoppedRuns: stopped.filter(Boolean).length };
  }
  throw new AppError(409, "conflict", "Conflict with the current state", "the campaign kept changing while it was cancelled; try again");
}

/** 同步数据: poll the campaign's open runs now instead of at their next poll (the operator's refresh). */
export async function syncCampaign(deps: Deps, campaignId: string, q: { run?: string }) {
  const { table } = deps.config;
  await requireCampaign(deps, campaignId);
  const open = (await runsOf(table, campaignId)).filter((r) => r.state === "tracking" && (!q.run || r.runKey === q.run));
  const polled = [];
  for (const r of open) polled.push(await trackRun(deps, campaignId, r.runKey));
  return { ...(await campaignDetail(deps, campaignId, q)), synced: polled.filter(Boolean).length };
}

const previewBodySchema = z.looseObject({ audience: audienceSchema, schedule: scheduleSchema.optional(), deadline: z.iso.datetime({ offset: true }).optional() });

/** Preview a draft body (its audience, and when given its schedule and deadline): who would get it now, and who not, with why. */
export async function previewDraft(deps: Deps, body: unknown) {
  const { timeZone } = deps.config;
  const parsed = previewBodySchema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: ["body", ...i.path].join("."), message: i.message }));
    throw new InvalidInput(`the preview is not valid: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`, issues);
  }
  const now = deps.now();
  const schedule = parsed.data.schedule ?? { kind: "now" as const };
  const at = firstStart(schedule, now, timeZone) ?? now;
  const run = { at: new Date(Math.max(at.getTime(), now.getTime())), deadline: new Date(0) };
  run.deadline = runDeadline({ schedule, deadline: parsed.data.deadline }, { at: run.at }, timeZone);
  const { plan } = await planCampaign(deps, { audience: parsed.data.audience }, run);
  return previewView(plan, run);
}

/** Preview a stored campaign at its next run (or now). */
export async function previewStored(deps: Deps, campaignId: string) {
  const c = await requireCampaign(deps, campaignId);
  const now = deps.now();
  const next = c.nextRunAt ? new Date(c.nextRunAt) : now;
  const at = new Date(Math.max(next.getTime(), now.getTime()));
  const run = { at, deadline: runDeadline(c.definition, { at }, deps.config.timeZone) };
  const { plan } = await planCampaign(deps, c.definition, run);
  return { campaignId, ...previewView(plan, run) };
}

/**
 * Remind the members whose task of the campaign's latest open run is still unsent. Each message's
 * budget (3 per 24 h) is reserved before the call; a reminder past it is refused with when the next may go.
 */
export async function remindCampaign(deps: Deps, campaignId: string) {
  const { table } = deps.config;
  await requireCampaign(deps, campaignId);
  const open = (await runsOf(table, campaignId)).filter((r) => r.state === "tracking").sort((a, b) => (a.at < b.at ? 1 : -1));
  const run = open[0];
  if (!run) throw new AppError(409, "nothing-to-remind", "Nothing to remind", "the campaign has no run waiting for its members (not started, or over)");
  const staff = new Map((await staffOf(table, run.runKey)).map((s) => [s.userId, s]));
  const chunks = (await chunksOf(table, run.runKey, { withIds: false })).filter((c) => c.state === "sent" && !c.cancelled && staff.get(c.sender)?.task !== "sent");
  if (chunks.length === 0) throw new AppError(409, "nothing-to-remind", "Nothing to remind", "every member of this run has sent the task (or it has none yet)");
  const wecom = await deps.wecom();
  const reminded: string[] = [];
  const exhausted: { userId: string; nextAt: string | null }[] = [];
  for (const c of chunks) {
    const r = await remindChunk(deps, wecom, run.runKey, c);
    if (r.reminded) reminded.push(c.sender);
    else exhausted.push({ userId: c.sender, nextAt: r.nextAt?.toISOString() ?? null });
  }
  if (reminded.length === 0) {
    const nextAt = exhausted.map((e) => e.nextAt).filter((x): x is string => x !== null).sort()[0];
    throw new AppError(429, "remind-budget-exhausted", "Reminder budget used up", "WeCom allows 3 reminders per message per 24 h; every unsent task of this run has had 3 in the last 24 h", {
      extensions: { runKey: run.runKey, nextAt: nextAt ?? null, exhausted },
    });
  }
  return { runKey: run.runKey, reminded: [...new Set(reminded)], exhausted };
}

export async function recipientsOf(deps: Deps, campaignId: string, q: { run?: string; status?: RecipientStatus | "excluded"; limit: number; cursor?: string }) {
  const { table } = deps.config;
  await requireCampaign(deps, campaignId);
  const runKey = q.run ?? (await runsOf(table, campaignId)).sort((a, b) => (a.at < b.at ? 1 : -1))[0]?.runKey;
  if (!runKey) return { items: [] as RecipientRow[], nextCursor: null, runKey: null };
  if (q.run && !(await getRun(table, campaignId, q.run))) throw notFound(`campaign ${campaignId} has no run ${q.run}`);
  const page = await recipientPage(table, runKey, q);
  return { runKey, items: page.items.map(({ chunkId: _c, updatedAt, ...r }) => ({ ...r, ...(updatedAt ? { updatedAt } : {}) })), nextCursor: page.nextCursor ?? null };
}
