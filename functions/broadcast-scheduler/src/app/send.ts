/**
 * The sends queue: one `add_msg_template` per outbox chunk, claimed before the call. WeCom's create is
 * not idempotent, so a call whose answer was lost (timeout, network) leaves its chunk claimed; the next
 * try waits until WeCom has surely finished it, then looks for the task in `get_groupmsg_list_v2`
 * (our text, created after the claim, with the chunk's sender and recipients) before creating
 * anything — a retry never makes a second task for a member.
 */
import { sendCommand } from "@siyu/bus";
import { deterministicId, makeEvent } from "@siyu/kernel";
import { eachPage, isTransientWecomError, WecomApiError, type WecomClient, WecomValidationError } from "@siyu/wecom";
import { toWecomMessage } from "../domain/content.ts";
import { type ListedMessage, reconcileCandidates } from "../domain/run.ts";
import { getCampaign, getRun, runItemKey } from "../store/campaigns.ts";
import { abandonChunk, type ChunkRecord, type Claim, chunksOf, claimChunk, finishChunk, getChunk, markCallUnknown, reclaimChunk, recordEmptyCheck, releaseChunk, settleChunkOnce } from "../store/outbox.ts";
import { getStaff, putOneStaff, putRecipients } from "../store/recipients.ts";
import { campaignIdOf, type Deps, pageLimitOf } from "./deps.ts";

/**
 * How long after a call ended without an answer WeCom has surely finished it; a claim whose call never
 * recorded its end (the process died mid-call) counts from the claim plus the longest a call can take
 * (a token fetch and busy retries, each 5 s). Two empty checks, this far apart, before creating again.
 */
export const SETTLE_MS = 15_000;
export const CALL_MAX_MS = 30_000;

export type SendOutcome = "sent" | "reconciled" | "failed" | "unknown-outcome" | "already-done" | "retry-later" | "cancelled";

export async function sendChunk(deps: Deps, runKey: string, chunkId: string): Promise<SendOutcome> {
  const { table } = deps.config;
  const campaignId = campaignIdOf(runKey);
  const [campaign, run, chunk] = await Promise.all([getCampaign(table, campaignId), getRun(table, campaignId, runKey), getChunk(table, runKey, chunkId)]);
  if (!campaign || !run || !chunk) throw new Error(`no chunk ${chunkId} of run ${runKey}`);
  if (chunk.state === "sent" || chunk.state === "failed") {
    // a try that died after recording the outcome: finish what it left (repeatable)
    if (!chunk.settled) await settleChunk(deps, runKey, chunkId);
    return "already-done";
  }
  const closed = () => campaign.status === "cancelled" || run.state === "done" || run.state === "cancelled";
  // a cancelled campaign or a closed run creates nothing more (the tracker abandons its planned chunks)
  if (chunk.state === "planned" && closed()) return "cancelled";
  const wecom = await deps.wecom();
  // the content as it was when the run started (an edit cannot reach a started run)
  const content = run.content ?? campaign.definition.content;
  const allowSelect = run.allowSelect ?? campaign.definition.allowSelect;
  const message = toWecomMessage(content);

  let claim: Claim | undefined;
  if (chunk.state === "claimed") {
    const seen = { token: chunk.claimToken ?? "" };
    const since = chunk.callEndedAt ? Date.parse(chunk.callEndedAt) : Date.parse(chunk.claimedAt!) + CALL_MAX_MS;
    const wait = since + SETTLE_MS * (1 + (chunk.emptyChecks ?? 0)) - deps.now().getTime();
    if (wait > 0) {
      await checkLater(deps, runKey, chunk, wait);
      return "retry-later";
    }
    const known = new Set((await chunksOf(table, runKey, { withIds: false })).flatMap((c) => (c.msgid ? [c.msgid] : [])));
    const found = await findCreatedTask(deps, wecom, run.chatType, chunk, message, known);
    if (found) {
      await recordSent(deps, runKey, chunk, seen, found.msgid, found.failList, "reconciled");
      deps.log.info("reconciled a task whose creation answer was lost", { runKey, chunkId, msgid: found.msgid });
      // found after the run closed: stop it too (the tracker's close has passed it by)
      if (closed()) await wecom.cancelGroupMsgSend(found.msgid);
      return "reconciled";
    }
    if (closed()) {
      await abandonChunk(table, runKey, chunkId, deps.now());
      await settleChunk(deps, runKey, chunkId);
      return "cancelled";
    }
    if ((chunk.emptyChecks ?? 0) < 1) {
      // one empty check is not proof: look once more, later
      if (await recordEmptyCheck(table, runKey, chunkId, seen, deps.now())) await checkLater(deps, runKey, { ...chunk, emptyChecks: 1 }, SETTLE_MS);
      return "retry-later";
    }
    // WeCom has no such task after two checks: the lost call created nothing, so create it now
    claim = await reclaimChunk(table, runKey, chunkId, seen.token, deps.now());
  } else {
    claim = await claimChunk(table, runKey, chunkId, deps.now());
  }
  if (!claim) return "already-done";
  // the run may have closed (cancel, deadline) while this try waited: never create a task after that
  const [runNow, campaignNow] = await Promise.all([getRun(table, campaignId, runKey), getCampaign(table, campaignId)]);
  if (!runNow || runNow.state === "done" || runNow.state === "cancelled" || campaignNow?.status === "cancelled") {
    await releaseChunk(table, runKey, chunkId, claim);
    return "cancelled";
  }
  const body =
    run.chatType === "group"
      ? { chat_type: "group" as const, sender: chunk.sender, chat_id_list: chunk.ids, ...message }
      : { chat_type: "single" as const, sender: chunk.sender, external_userid: chunk.ids, allow_select: allowSelect, ...message };
  try {
    const out = await wecom.addMsgTemplate(body);
    await recordSent(deps, runKey, chunk, claim, out.msgid, out.fail_list, "answer");
    return "sent";
  } catch (error) {
    if (error instanceof WecomValidationError || (error instanceof WecomApiError && !isTransientWecomError(error))) {
      // refused before or by WeCom (e.g. 41048: none of them can receive now): nothing was created
      const errcode = error instanceof WecomApiError ? error.errcode : 0;
      await recordFailed(deps, runKey, chunk, claim, errcode, error.message);
      deps.log.warn("add_msg_template refused", { runKey, chunkId, errcode, error: error.message });
      return "failed";
    }
    if (error instanceof WecomApiError) {
      // busy or rate-limited: certainly not created; give the claim back and retry with backoff
      await releaseChunk(table, runKey, chunkId, claim);
      throw error;
    }
    // the answer was lost: WeCom may have created the task. Keep the claim and check after it settles.
    deps.log.warn("add_msg_template outcome unknown; will reconcile before any retry", { runKey, chunkId, error: String(error) });
    await markCallUnknown(table, runKey, chunkId, claim, deps.now());
    await checkLater(deps, runKey, { ...chunk, claimedAt: deps.now().toISOString() }, SETTLE_MS);
    return "unknown-outcome";
  }
}

/** A delayed command that comes back to reconcile a claimed chunk (its id is per claim: one check each). */
async function checkLater(deps: Deps, runKey: string, chunk: ChunkRecord, waitMs: number): Promise<void> {
  const now = deps.now();
  await sendCommand(
    deps.config.queueUrl("sends"),
    makeEvent("broadcast.chunk_requested", { runKey, chunkId: chunk.chunkId }, { corpId: deps.config.corpId, occurredAt: now, id: deterministicId("broadcast-chunk-check", runKey, chunk.chunkId, chunk.claimedAt ?? "", Math.ceil(waitMs / 1000)) }),
    { delaySeconds: Math.min(900, Math.max(1, Math.ceil(waitMs / 1000))) },
  );
}

/**
 * The task a lost call created, if any: a corp message listed since the claim with our content, not
 * recorded for another chunk, that is this chunk's: for customers its send list holds the chunk's
 * recipients (every target is listed, sent or not; the ones missing are WeCom's `fail_list`); for
 * groups (whose send list shows only sent rows) its task list holds the sender.
 */
async function findCreatedTask(
  deps: Deps,
  wecom: WecomClient,
  chatType: "single" | "group",
  chunk: ChunkRecord,
  message: ReturnType<typeof toWecomMessage>,
  known: ReadonlySet<string>,
): Promise<{ msgid: string; failList: string[] } | undefined> {
  const claimedAt = new Date(chunk.claimedAt!);
  const start = Math.floor(claimedAt.getTime() / 1000) - 300;
  const listed: ListedMessage[] = [];
  await eachPage(
    (cursor) => wecom.getGroupMsgListV2({ chat_type: chatType, start_time: start, end_time: Math.floor(deps.now().getTime() / 1000), filter_type: 0, limit: pageLimitOf(deps, 100), ...(cursor ? { cursor } : {}) }),
    (p) => {
      listed.push(...(p.group_msg_list as ListedMessage[]));
    },
  );
  const ids = new Set(chunk.ids);
  for (const candidate of reconcileCandidates(listed, message as never, claimedAt, known)) {
    if (chatType === "group") {
      let mine = false;
      await eachPage(
        (cursor) => wecom.getGroupMsgTask({ msgid: candidate.msgid, limit: pageLimitOf(deps), ...(cursor ? { cursor } : {}) }),
        (p) => {
          mine = p.task_list.some((t) => t.userid === chunk.sender);
          return mine ? "stop" : undefined;
        },
      );
      if (mine) return { msgid: candidate.msgid, failList: [] };
      continue;
    }
    const listedIds = new Set<string>();
    await eachPage(
      (cursor) => wecom.getGroupMsgSendResult({ msgid: candidate.msgid, userid: chunk.sender, limit: pageLimitOf(deps), ...(cursor ? { cursor } : {}) }),
      (p) => {
        for (const s of p.send_list) if (s.external_userid && ids.has(s.external_userid)) listedIds.add(s.external_userid);
      },
    );
    if (listedIds.size > 0) return { msgid: candidate.msgid, failList: chunk.ids.filter((id) => !listedIds.has(id)) };
  }
  return undefined;
}

/** The chunk has its task (or was refused): record the outcome, then settle its rows and counts. */
async function recordSent(deps: Deps, runKey: string, chunk: ChunkRecord, claim: Claim, msgid: string, failList: readonly string[], via: "answer" | "reconciled"): Promise<void> {
  const ids = new Set(chunk.ids);
  await finishChunk(deps.config.table, runKey, chunk.chunkId, claim, { state: "sent", msgid, failIds: failList.filter((id) => ids.has(id)), at: deps.now(), via });
  await settleChunk(deps, runKey, chunk.chunkId);
}

async function recordFailed(deps: Deps, runKey: string, chunk: ChunkRecord, claim: Claim, errcode: number, errmsg: string): Promise<void> {
  await finishChunk(deps.config.table, runKey, chunk.chunkId, claim, { state: "failed", errcode, errmsg, at: deps.now() });
  await settleChunk(deps, runKey, chunk.chunkId);
}

/**
 * Make a sent or failed chunk's rows, staff row and run counts follow its outcome — built from the
 * chunk itself (its ids and fail list), repeatable: rows are rewritten the same, and the counts are
 * added once, in the transaction that marks the chunk settled. The tracker polls only settled chunks,
 * so a repeat never overwrites a row it moved on. A chunk that never got a task (`closing`: the run
 * ends with it planned or claimed) settles as failed.
 */
export async function settleChunk(deps: Deps, runKey: string, chunkId: string, opts: { closing?: boolean } = {}): Promise<boolean> {
  const { table } = deps.config;
  const chunk = await getChunk(table, runKey, chunkId);
  if (!chunk || chunk.settled) return false;
  const neverTasked = chunk.state === "planned" || chunk.state === "claimed";
  if (neverTasked && !opts.closing) return false;
  const at = deps.now().toISOString();
  const failed = new Set(chunk.state === "sent" ? (chunk.failIds ?? []) : chunk.ids);
  const errcode = chunk.state === "failed" ? chunk.errcode : neverTasked ? undefined : 0;
  await putRecipients(
    table,
    runKey,
    chunk.ids.map((id) => ({
      id,
      userId: chunk.sender,
      chunkId,
      status: failed.has(id) ? ("failed" as const) : ("waiting" as const),
      ...(failed.has(id) && errcode !== undefined ? { errcode } : {}),
      updatedAt: at,
    })),
  );
  const f = chunk.ids.filter((id) => failed.has(id)).length;
  const settledNow = await settleChunkOnce(table, runKey, chunkId, runItemKey(campaignIdOf(runKey), runKey), { planned: -chunk.ids.length, failed: f, waiting: chunk.ids.length - f });
  const staff = await getStaff(table, runKey, chunk.sender);
  if (staff) {
    const task = chunk.state === "sent" ? (staff.task === "sent" ? "sent" : "waiting") : staff.task === "planned" ? "failed" : staff.task;
    await putOneStaff(table, runKey, { ...staff, task, ...(chunk.msgid ? { msgids: [...new Set([...(staff.msgids ?? []), chunk.msgid])] } : {}), updatedAt: at });
  }
  return settledNow;
}
