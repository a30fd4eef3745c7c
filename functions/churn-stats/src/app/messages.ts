/**
 * App messages to staff: loss alerts (one per counted loss fact) and the daily digest (one per day).
 *
 * Order for each message: the setting is on → not sent before (marker) → a slot under WeCom's
 * per-member limits is reserved (else the alert is deferred on its queue, never sent to be refused)
 * → the marker is claimed with a conditional put → `message/send` → the marker records the outcome.
 * At most once: a crash after the claim loses that one message rather than risk sending it twice.
 */
import { sendCommand } from "@siyu/bus";
import { corpDay, type DomainEvent, makeEvent } from "@siyu/kernel";
import type { Logger } from "@siyu/lambda-kit";
import { WecomApiError, type WecomClient } from "@siyu/wecom";
import { alertDeferral, CORP_GROUP, decideAlert, digestFigures, digestPlan, digestText, lossAlertText } from "../domain/index.ts";
import { countersOf, queryPartition } from "../store/counters.ts";
import { alertKey, dayRowKey, digestKey } from "../store/keys.ts";
import { claimMarker, markerExists, reserveAppMessage, settleMarker } from "../store/messages.ts";
import { getSettings } from "../store/settings.ts";
import { readChurnSeries } from "./query.ts";

export interface MessageDeps {
  table: string;
  timeZone: string;
  now: () => Date;
  log: Logger;
  wecom: () => Promise<{ client: WecomClient; agentId: number }>;
}

export type AlertOutcome = "sent" | "failed" | "deferred" | "duplicate" | "disabled";

async function send(deps: MessageDeps, markerKey: { pk: string; sk: string }, userId: string, content: string): Promise<"sent" | "failed"> {
  const { client, agentId } = await deps.wecom();
  try {
    const out = await client.sendAppMessage({ touser: userId, agentid: agentId, msgtype: "text", text: { content } });
    const invalid = out.invaliduser ?? "";
    await settleMarker(deps.table, markerKey, { status: "sent", sentAt: deps.now().toISOString(), msgid: out.msgid ?? null, invaliduser: invalid });
    if (invalid) deps.log.warn("WeCom did not deliver the app message to some members", { invaliduser: invalid });
    return "sent";
  } catch (error) {
    const errcode = error instanceof WecomApiError ? error.errcode : null;
    await settleMarker(deps.table, markerKey, { status: "failed", failedAt: deps.now().toISOString(), errcode, error: (error as Error).message.slice(0, 500) });
    deps.log.warn("app message failed; not retried (at most once)", { error, userId });
    return "failed";
  }
}

/** Throws `LossAlertExpired` (domain) for an alert too old to send: the consumer parks it. */
export async function handleAlertRequest(
  deps: MessageDeps & { alertsQueueUrl: string },
  event: DomainEvent<"churn.alert_requested">,
): Promise<AlertOutcome> {
  const a = event.data;
  const key = alertKey(a.factId);
  const [settings, alreadySent] = await Promise.all([getSettings(deps.table), markerExists(deps.table, key)]);
  const now = deps.now();
  const decision = decideAlert(a, { settings, alreadySent, now });
  if (!decision.send) {
    if (decision.outcome === "disabled") deps.log.info("loss alerts are off; alert dropped", { factId: a.factId });
    return decision.outcome;
  }
  const slot = await reserveAppMessage(deps.table, a.userId, now);
  if (!slot.ok) {
    const { request, delaySeconds } = alertDeferral(a, slot.retryAt, now);
    await sendCommand(deps.alertsQueueUrl, makeEvent("churn.alert_requested", request.data, { corpId: event.corpId, occurredAt: now, id: request.id }), {
      delaySeconds,
    });
    deps.log.warn("alert deferred: the member is at WeCom's app-message limit", {
      userId: a.userId,
      window: slot.reason,
      delaySeconds,
      deferrals: request.data.deferrals,
    });
    return "deferred";
  }
  if (!(await claimMarker(deps.table, key, { entity: "loss-alert", factId: a.factId, userId: a.userId, externalUserId: a.externalUserId, lostAt: a.lostAt }, now))) {
    return "duplicate";
  }
  return send(deps, key, a.userId, lossAlertText(a, deps.timeZone));
}

export type DigestOutcome = { status: "disabled" | "already-sent" | "sent" | "failed" | "deferred"; day: string; text?: string };

/** The daily digest to the lead: yesterday's corp figures and the staff with the most losses. */
export async function runDigest(deps: MessageDeps, scheduledTime: Date): Promise<DigestOutcome> {
  const { day, lead } = digestPlan(scheduledTime, await getSettings(deps.table), deps.timeZone);
  if (!lead) return { status: "disabled", day };
  const key = digestKey(day);
  if (await markerExists(deps.table, key)) return { status: "already-sent", day };

  const today = corpDay(deps.now(), deps.timeZone);
  const { series } = await readChurnSeries({ table: deps.table, today }, { from: day, to: day, groupBy: "day", limit: 1 });
  const staffRows = await queryPartition(deps.table, dayRowKey(day, "staff:x").pk, { beginsWith: "staff:" });
  const corp = series.find((s) => s.group === CORP_GROUP)?.points[0];
  const staffLosses = staffRows.map((r) => ({ userId: (r.sk as string).slice("staff:".length), lost: countersOf(r).lost }));
  const text = digestText(digestFigures(day, corp, staffLosses));

  const now = deps.now();
  const slot = await reserveAppMessage(deps.table, lead, now);
  if (!slot.ok) {
    // a scheduled job retries on failure: fail now rather than send a message WeCom would refuse
    throw new Error(`digest for ${day} deferred: ${lead} is at WeCom's app-message limit until ${new Date(slot.retryAt).toISOString()}`);
  }
  if (!(await claimMarker(deps.table, key, { entity: "digest", day, userId: lead }, now, 90))) return { status: "already-sent", day };
  const status = await send(deps, key, lead, text);
  return { status, day, text };
}
