import type { EventData } from "@siyu/kernel";
import { type Logger, metric } from "@siyu/lambda-kit";
import { putIfAbsent, sleep } from "@siyu/store";
import { errcodeOf, WecomApiError, type WecomClient } from "@siyu/wecom";
import { classifyWelcomeResponse, planLaneWelcome, WELCOME_SEND_TRIES, type WelcomeOutcome, welcomeChannelLookup } from "../domain/welcome.ts";
import { getChannelCached } from "../store/channels.ts";
import { putWelcomeOutcome, reserveWelcome, welcomeItem } from "../store/welcomes.ts";

interface WelcomeDeps {
  table: string;
  timeZone: string;
  wecom: () => Promise<WecomClient>;
  now: () => Date;
  log: Logger;
}

/** A short pause before the second try: WeCom's busy and frequency answers clear quickly, and the code lives 20 s. */
const WELCOME_RETRY_PAUSE_MS = 300;

/** One add's welcome, as the callback route queued it (see domain/callback.ts), with its CreateTime parsed. */
type LaneWelcome = Omit<EventData<"wecom.welcome_requested">, "createTime"> & { createTime: Date };

/**
 * The welcome lane: one add's welcome, on the shortest path there is (its code dies 20 s after the
 * add, and WeCom takes it once). Plan (pure), reserve the add's one attempt (a conditional put: a
 * redelivery never sends twice), send, record the outcome. A code already too old is recorded
 * `expired` without calling WeCom.
 */
export async function sendWelcome(deps: WelcomeDeps, req: LaneWelcome): Promise<WelcomeOutcome | undefined> {
  const { table, log } = deps;
  const channelId = welcomeChannelLookup(req);
  const channel = channelId ? await getChannelCached(table, channelId, deps.now()) : undefined;
  const { plan, record: base } = planLaneWelcome(req, channel, deps.now(), deps.timeZone);
  if (plan.action === "skip") {
    if (plan.outcome.status === "expired") log.warn("welcome code expired before sending; WeCom not called", { ageMs: plan.outcome.ageMs });
    // never over an earlier attempt's record (a late retry must not turn `sent` into `expired`)
    await putIfAbsent(table, welcomeItem(req.externalUserId, req.addKey, { ...base, ...plan.outcome, recordedAt: deps.now().toISOString() }));
    countWelcome(plan.outcome);
    return plan.outcome;
  }
  const reservedAt = deps.now().toISOString();
  if (!(await reserveWelcome(table, req.externalUserId, req.addKey, reservedAt))) {
    log.info("welcome already attempted for this add; not sending again");
    return undefined;
  }
  let outcome: WelcomeOutcome | undefined;
  for (let tries = 1; ; tries++) {
    try {
      await (await deps.wecom()).sendWelcomeMsg(plan.payload);
      outcome = classifyWelcomeResponse({ errcode: 0 }, { variant: plan.variant, createTime: req.createTime, at: deps.now() });
    } catch (error) {
      const answer = error instanceof WecomApiError ? { errcode: error.errcode, errmsg: error.errmsg } : { errcode: errcodeOf(error), errmsg: (error as Error).message };
      outcome = classifyWelcomeResponse(answer, { variant: plan.variant, createTime: req.createTime, at: deps.now() });
      log.warn("welcome failed", { outcome, tries });
    }
    if (outcome.status !== "failed" || !outcome.retryable || tries >= WELCOME_SEND_TRIES) break;
    await sleep(WELCOME_RETRY_PAUSE_MS);
  }
  await putWelcomeOutcome(table, welcomeItem(req.externalUserId, req.addKey, { ...base, ...outcome, reservedAt, recordedAt: deps.now().toISOString() }));
  countWelcome(outcome);
  return outcome;
}

/** Welcome outcomes as metrics (alarmed on failures and expiries): WelcomeSent, WelcomeFailed, WelcomeExpired, and the add-to-send latency. */
function countWelcome(outcome: WelcomeOutcome): void {
  if (outcome.status === "sent") {
    metric("WelcomeSent");
    metric("WelcomeLatency", outcome.latencyMs, "Milliseconds");
  } else if (outcome.status === "failed") metric("WelcomeFailed");
  else if (outcome.status === "expired") metric("WelcomeExpired");
}
