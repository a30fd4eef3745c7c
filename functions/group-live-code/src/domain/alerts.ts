/**
 * Whether a live code can route, why not, and when to tell someone (wecom-services §C3: operators
 * expect an alert when the code cannot route — every group full with auto-create off, or the
 * permission or paid add-on missing; §C4: a missing permission is an operator-visible alert, not a
 * silent failure).
 *
 * Modelling decisions:
 * - a code is `routing` or `blocked` with one reason; the reason is recomputed from the pool and the
 *   last WeCom answer on every change, so the status always says why *now*;
 * - an **episode** is a stretch of `blocked`: it starts when the code stops routing and ends when it
 *   routes again. Each episode sends one app message (to the code's owner), whatever happens inside
 *   it (more full groups, a change of reason, a redelivered event): operators asked for an alert,
 *   not a stream. The episode id is deterministic (code + start instant), so a redelivered trigger
 *   cannot alert twice;
 * - with auto-create on, a pool with no room is not blocked: WeCom creates the next group on a scan
 *   (pool.ts, seats.ts);
 * - a WeCom refusal blocks until a later call to the same join way succeeds (the app reports that as
 *   `wecomRefusal: undefined`): the pool cannot show it.
 */
import type { AutoCreate } from "./code.ts";
import { hasRoom, type GroupState } from "./pool.ts";

/**
 * Errcodes that mean the app may not manage join ways, from WeCom's global errcode page (D/90313, as
 * the SDK tables transcribe it; not in wecom-reference): 48001 api unauthorized, 48002 api forbidden
 * (the app is not in 「客户联系 可调用接口的应用」, or a 代开发 app lacks the paid 「加入群聊」 add-on,
 * wecom-reference §9), 60011 no privilege (outside the app's visible range), 60020 the caller's IP is
 * not in 企业可信IP.
 */
export const PERMISSION_ERRCODES: ReadonlySet<number> = new Set([48001, 48002, 60011, 60020]);

export type BlockedReason =
  /** Every group is at capacity (or gone) and auto-create is off. */
  | "pool-full"
  /** The pool has no live group at all (empty, or every group dismissed or removed). */
  | "no-groups"
  /** WeCom refused the join-way call with a permission error. */
  | "permission";

export type CodeRouting = { state: "routing" } | { state: "blocked"; reason: BlockedReason; since: string; episodeId: string; alertedAt?: string };

export interface RoutingInput {
  codeId: string;
  groups: readonly GroupState[];
  autoCreate: AutoCreate;
  /** The last join-way call's errcode when WeCom refused it; undefined once a call succeeds. */
  wecomRefusal?: { errcode: number; at: string };
}

export interface Alert {
  episodeId: string;
  reason: BlockedReason;
  /** The app message text (zh-CN). */
  text: string;
}

export interface RoutingDecision {
  status: CodeRouting;
  /** Send this app message (then record `alertedAt` on the status); absent when nothing is to be sent. */
  alert?: Alert;
}

/** Why the code cannot route now, or undefined when it can. */
export function blockedReason(input: RoutingInput): BlockedReason | undefined {
  if (input.wecomRefusal && PERMISSION_ERRCODES.has(input.wecomRefusal.errcode)) return "permission";
  const live = input.groups.filter((g) => !g.removed && !g.dismissed);
  if (live.length === 0) return "no-groups";
  if (live.some(hasRoom) || input.autoCreate.enabled) return undefined;
  return "pool-full";
}

const TEXTS: Record<BlockedReason, (name: string) => string> = {
  "pool-full": (n) => `群活码「${n}」的所有群已满员，且未开启自动建群：新客户暂时无法入群。请添加新群或开启自动建群。`,
  "no-groups": (n) => `群活码「${n}」没有可用的群（群已解散或已移出）：新客户无法入群。请添加群。`,
  permission: (n) =>
    `群活码「${n}」调用企业微信「加入群聊」接口被拒绝（权限不足）：请检查应用是否在「客户联系 → 可调用接口的应用」中、可见范围及企业可信IP。`,
};

/**
 * The code's routing status after a change, and the alert to send if an episode starts (or started
 * without its alert having been recorded).
 *
 * @example
 * const d = decideRouting({ codeId, groups, autoCreate }, stored.routing, "新品体验群", new Date());
 * if (d.alert) await sendAppMessage(owner, d.alert.text); // then store d.status with alertedAt
 */
export function decideRouting(input: RoutingInput, previous: CodeRouting, name: string, now: Date): RoutingDecision {
  const reason = blockedReason(input);
  if (reason === undefined) return { status: { state: "routing" } };
  if (previous.state === "blocked") {
    const status: CodeRouting = { ...previous, reason };
    return previous.alertedAt ? { status } : { status, alert: { episodeId: previous.episodeId, reason, text: TEXTS[reason](name) } };
  }
  const since = now.toISOString();
  const episodeId = `${input.codeId}#${since}`;
  return { status: { state: "blocked", reason, since, episodeId }, alert: { episodeId, reason, text: TEXTS[reason](name) } };
}

/** The status once the episode's alert went out. */
export function alerted(status: CodeRouting, at: Date): CodeRouting {
  return status.state === "blocked" ? { ...status, alertedAt: at.toISOString() } : status;
}

/** Who gets the alert: the code's owner, else the owner of its first group with a known owner. */
export function alertRecipient(code: { ownerUserId?: string }, groups: readonly GroupState[]): string | undefined {
  return code.ownerUserId ?? groups.find((g) => g.ownerUserId !== undefined)?.ownerUserId;
}
