/**
 * Welcome messages (wecom-reference §4): pick the variant for the moment of the add, build the
 * `send_welcome_msg` body, and classify what happened.
 *
 * The WelcomeCode lives 20 seconds from the add and works once. Siyu measures age from the event's
 * `CreateTime` (whole seconds, so the real add happened at most 1 s later than it says) and does not
 * call WeCom with a code older than 20 s: the call would be rejected (41050) and only burn quota.
 */
import { type Attachment, type ChannelDefinition, isSiyuChannelState, UNKNOWN_CHANNEL_ID, type WelcomeMessage } from "./channel.ts";
import { WECOM } from "./limits.ts";
import { isWithinSchedule } from "./schedule.ts";

export type WelcomeVariant = "default" | "off-hours";

export interface SelectedWelcome {
  variant: WelcomeVariant;
  message: WelcomeMessage;
}

/**
 * The welcome for an add at `at` (use the event's CreateTime): the off-hours variant when the channel
 * has one and `at` is outside its schedule, else the default; undefined when the channel has no
 * welcome for that moment (an off-hours add without an off-hours variant falls back to the default).
 */
export function selectWelcome(
  channel: Pick<ChannelDefinition, "schedule" | "welcome" | "welcomeOffHours">,
  at: Date,
  timeZone: string,
): SelectedWelcome | undefined {
  if (channel.welcomeOffHours && channel.schedule && !isWithinSchedule(channel.schedule.windows, at, timeZone)) {
    return { variant: "off-hours", message: channel.welcomeOffHours };
  }
  return channel.welcome ? { variant: "default", message: channel.welcome } : undefined;
}

/** One attachment in WeCom's JSON shape. */
type WecomAttachment =
  | { msgtype: "image"; image: { media_id: string } | { pic_url: string } }
  | { msgtype: "link"; link: { title: string; url: string; picurl?: string; desc?: string } }
  | { msgtype: "miniprogram"; miniprogram: { title: string; pic_media_id: string; appid: string; page: string } }
  | { msgtype: "video"; video: { media_id: string } }
  | { msgtype: "file"; file: { media_id: string } };

/** Body of `POST /cgi-bin/externalcontact/send_welcome_msg`. */
interface SendWelcomeMsgRequest {
  welcome_code: string;
  text?: { content: string };
  attachments?: WecomAttachment[];
}

/** One validated attachment in WeCom's JSON shape (§4). */
function toWecomAttachment(a: Attachment): WecomAttachment {
  switch (a.type) {
    case "image":
      return { msgtype: "image", image: a.mediaId !== undefined ? { media_id: a.mediaId } : { pic_url: a.picUrl ?? "" } };
    case "link": {
      const link: { title: string; url: string; picurl?: string; desc?: string } = { title: a.title, url: a.url };
      if (a.picUrl !== undefined) link.picurl = a.picUrl;
      if (a.desc !== undefined) link.desc = a.desc;
      return { msgtype: "link", link };
    }
    case "miniprogram":
      return { msgtype: "miniprogram", miniprogram: { title: a.title, pic_media_id: a.picMediaId, appid: a.appId, page: a.page } };
    case "video":
      return { msgtype: "video", video: { media_id: a.mediaId } };
    case "file":
      return { msgtype: "file", file: { media_id: a.mediaId } };
  }
}

/** Build the `send_welcome_msg` body (fields left out when empty). The message is assumed validated. */
export function buildWelcomePayload(welcomeCode: string, message: WelcomeMessage): SendWelcomeMsgRequest {
  const body: SendWelcomeMsgRequest = { welcome_code: welcomeCode };
  if (message.text !== undefined && message.text !== "") body.text = { content: message.text };
  const attachments = message.attachments.map(toWecomAttachment);
  if (attachments.length > 0) body.attachments = attachments;
  return body;
}

/** The last instant a WelcomeCode from an add at `createTime` can be used. */
export function welcomeDeadline(createTime: Date): Date {
  return new Date(createTime.getTime() + WECOM.welcomeCodeTtlMs);
}

/** Age of the event at `now`, in ms (negative when the clocks disagree). */
export function eventAgeMs(createTime: Date, now: Date): number {
  return now.getTime() - createTime.getTime();
}

export type WelcomeOutcome =
  | { status: "sent"; variant: WelcomeVariant; latencyMs: number }
  | { status: "failed"; variant: WelcomeVariant; errcode: number; errmsg?: string; retryable: boolean; latencyMs: number }
  /** No WelcomeCode: a console welcome is configured, the two already chatted, or the code was used. Not a failure. */
  | { status: "no-code"; latencyMs: number }
  /** The code was older than 20 s when Siyu got to it; WeCom was not called. */
  | { status: "expired"; variant: WelcomeVariant; ageMs: number }
  /** The channel has no welcome message for this moment (or the channel is unknown). */
  | { status: "no-message"; latencyMs: number };

type WelcomePlan =
  | { action: "send"; variant: WelcomeVariant; payload: SendWelcomeMsgRequest; deadline: Date }
  | { action: "skip"; outcome: WelcomeOutcome };

interface WelcomeEvent {
  welcomeCode?: string | undefined;
  /** The add event's CreateTime. */
  createTime: Date;
}

/**
 * Decide whether to call `send_welcome_msg` for an add event processed at `now`. Checks, in order:
 * a code is present (else `no-code`), there is a message (else `no-message`), the code is not older
 * than 20 s (else `expired`). `marginMs` makes the expiry earlier, e.g. to leave room for the call.
 */
export function planWelcome(
  event: WelcomeEvent,
  welcome: SelectedWelcome | undefined,
  now: Date,
  opts: { marginMs?: number } = {},
): WelcomePlan {
  const age = eventAgeMs(event.createTime, now);
  if (event.welcomeCode === undefined || event.welcomeCode === "") {
    return { action: "skip", outcome: { status: "no-code", latencyMs: age } };
  }
  if (welcome === undefined) return { action: "skip", outcome: { status: "no-message", latencyMs: age } };
  if (age > WECOM.welcomeCodeTtlMs - (opts.marginMs ?? 0)) {
    return { action: "skip", outcome: { status: "expired", variant: welcome.variant, ageMs: age } };
  }
  return {
    action: "send",
    variant: welcome.variant,
    payload: buildWelcomePayload(event.welcomeCode, welcome.message),
    deadline: welcomeDeadline(event.createTime),
  };
}

/**
 * Tries of one welcome within its 20 s: a WeCom answer of busy or over frequency/concurrency means it
 * was not sent, so one more try is safe while the code lives; a timeout is never retried (it may have
 * been sent, and a code works once).
 */
export const WELCOME_SEND_TRIES = 2;

/** Errcodes worth one more try while the code is still valid: system busy, over frequency/concurrency. */
const RETRYABLE_ERRCODES = new Set([-1, 45009, 45033]);

/**
 * Classify WeCom's answer to `send_welcome_msg` (errcode 0 = sent). `retryable` is true only for
 * transient errors and only while the code is still inside its 20 s window at `at`. Notable codes:
 * 41050 invalid/expired code, 41051 already used (another app sent first) or already chatting.
 */
export function classifyWelcomeResponse(
  response: { errcode: number; errmsg?: string },
  ctx: { variant: WelcomeVariant; createTime: Date; at: Date },
): WelcomeOutcome {
  const latencyMs = eventAgeMs(ctx.createTime, ctx.at);
  if (response.errcode === 0) return { status: "sent", variant: ctx.variant, latencyMs };
  const outcome: WelcomeOutcome = {
    status: "failed",
    variant: ctx.variant,
    errcode: response.errcode,
    retryable: RETRYABLE_ERRCODES.has(response.errcode) && latencyMs < WECOM.welcomeCodeTtlMs,
    latencyMs,
  };
  if (response.errmsg !== undefined) outcome.errmsg = response.errmsg;
  return outcome;
}

/** What the intake consumer records of an add's welcome: only `no-code` (adds with a code are the welcome lane's). */
export function intakeWelcomeOutcome(welcome: { welcomeCode?: string | undefined; createTime: Date } | undefined, now: Date): WelcomeOutcome | undefined {
  if (!welcome || welcome.welcomeCode) return undefined;
  const plan = planWelcome({ createTime: welcome.createTime }, undefined, now);
  return plan.action === "skip" ? plan.outcome : undefined;
}

/** The channel a welcome lane request reads: only a State Siyu could have made. */
export function welcomeChannelLookup(req: { state?: string | undefined }): string | undefined {
  return req.state && isSiyuChannelState(req.state) ? req.state : undefined;
}

/**
 * The welcome lane's whole decision for one add: the variant of an active channel's welcome for the
 * moment of the add (none for an unknown or archived channel: `no-message`), then `planWelcome`; and
 * what the outcome is recorded under.
 */
export function planLaneWelcome(
  req: { userId: string; welcomeCode?: string | undefined; createTime: Date },
  channel: { channelId: string; status: string; definition: Pick<ChannelDefinition, "schedule" | "welcome" | "welcomeOffHours"> } | undefined,
  now: Date,
  timeZone: string,
): { plan: WelcomePlan; record: { userId: string; channelId: string; eventAt: string } } {
  const selected = channel?.status === "active" ? selectWelcome(channel.definition, req.createTime, timeZone) : undefined;
  return {
    plan: planWelcome(req, selected, now),
    record: { userId: req.userId, channelId: channel?.channelId ?? UNKNOWN_CHANNEL_ID, eventAt: req.createTime.toISOString() },
  };
}
