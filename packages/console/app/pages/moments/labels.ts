/** The 朋友圈 states and plan reasons in the operator's words. */
import type { LimitReason, PostState, RunState } from "../../api/moments";
import type { Words } from "../../i18n";

export const postStateLabel = (t: Words, s: PostState) =>
  ({ scheduled: t.stateScheduled, running: t.stateRunning, finished: t.stateFinished, cancelled: t.stateCancelled })[s] ?? s;

export const postStateColor: Record<PostState, string> = { scheduled: "blue", running: "processing", finished: "green", cancelled: "default" };

export const runStateLabel = (t: Words, s: RunState) =>
  ({
    planned: t.runPlanned,
    preparing: t.runPreparing,
    ready: t.runReady,
    claimed: t.runClaimed,
    submitted: t.runSubmitted,
    created: t.runCreated,
    closed: t.runClosed,
    failed: t.runFailed,
    expired: t.runExpired,
    missed: t.runMissed,
    cancelled: t.runCancelled,
  })[s] ?? s;

export const runStateColor = (s: RunState) =>
  s === "created" ? "processing" : s === "closed" ? "green" : ["failed", "expired", "missed"].includes(s) ? "red" : s === "cancelled" ? "default" : "blue";

/** Why a run was refused or moved, in the operator's words (the API's `detail` has the numbers, in English). */
export const reasonText = (t: Words, reason: LimitReason, customerPostsPerDay: number | undefined) =>
  reason === "member-daily-limit" ? t.reasonMember : t.reasonCustomer.replace("{n}", customerPostsPerDay === undefined ? "N" : String(customerPostsPerDay));

/** `t.x` with its `{name}` placeholders filled. */
export const fill = (text: string, values: Record<string, string | number>) => text.replace(/\{(\w+)\}/g, (_, k: string) => String(values[k] ?? ""));
