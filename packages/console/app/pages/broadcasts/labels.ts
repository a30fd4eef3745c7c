/**
 * The 群发 pages' names for the service's states and reasons, in the operator's words: a campaign's
 * status, a run's state, a staff member's task, a recipient's state, and why someone is left out
 * (WeCom's receive-frequency rule with its window, limit and count).
 */
import type { Campaign, CampaignStatus, Exclusion, RecipientStatus, Run, StaffTask } from "../../api/broadcasts";
import type { Words } from "../../i18n";

/** `{name}` placeholders of a word filled in. */
export const fill = (word: string, vars: Record<string, string | number>) => word.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ""));

export const campaignStatusLabel = (t: Words, s: CampaignStatus) =>
  ({ draft: t.bcStDraft, scheduled: t.bcStScheduled, running: t.bcStRunning, tracking: t.bcStTracking, done: t.bcStDone, cancelled: t.bcStCancelled })[s] ?? s;

export const campaignStatusColor: Record<CampaignStatus, string> = { draft: "default", scheduled: "blue", running: "processing", tracking: "orange", done: "green", cancelled: "default" };

export const runStateLabel = (t: Words, s: Run["state"]) =>
  ({ planning: t.bcRunPlanning, sending: t.bcRunSending, tracking: t.bcRunTracking, done: t.bcRunDone, cancelled: t.bcStCancelled })[s] ?? s;

export const staffTaskLabel = (t: Words, s: StaffTask) =>
  ({ planned: t.bcTaskPlanned, waiting: t.bcTaskWaiting, sent: t.bcTaskSent, cancelled: t.bcStCancelled, failed: t.bcFailed })[s] ?? s;

export const staffTaskColor: Record<StaffTask, string> = { planned: "default", waiting: "orange", sent: "green", cancelled: "default", failed: "red" };

export const RECIPIENT_STATUSES: readonly RecipientStatus[] = ["planned", "waiting", "delivered", "not-a-friend", "quota-hit", "failed", "cancelled", "excluded"];

export const recipientStatusLabel = (t: Words, s: RecipientStatus) =>
  ({
    planned: t.bcTaskPlanned,
    waiting: t.bcRcWaiting,
    delivered: t.bcRcDelivered,
    "not-a-friend": t.bcRcNotAFriend,
    "quota-hit": t.bcRcQuotaHit,
    failed: t.bcFailed,
    cancelled: t.bcStCancelled,
    excluded: t.bcRcExcluded,
  })[s] ?? s;

export const recipientStatusColor: Record<RecipientStatus, string> = {
  planned: "default",
  waiting: "orange",
  delivered: "green",
  "not-a-friend": "red",
  "quota-hit": "volcano",
  failed: "red",
  cancelled: "default",
  excluded: "purple",
};

const day = (iso: string) => new Date(iso).toLocaleDateString();

/** The quota window as the operator reads it: 今天 / 本周 / 本月 when it holds now, else its days. */
function windowText(t: Words, q: NonNullable<Exclusion["quota"]>): string {
  const start = new Date(q.start).getTime();
  const end = new Date(q.end).getTime();
  const now = Date.now();
  if (now >= start && now < end) return { day: t.bcToday, week: t.bcThisWeek, month: t.bcThisMonth }[q.kind];
  return q.kind === "day" ? day(q.start) : `${day(q.start)}–${new Date(end - 1).toLocaleDateString()}`;
}

/** Why a recipient gets nothing, with the binding window of a quota exclusion (WeCom's receive rule or an operator cap). */
export function reasonText(t: Words, e: Pick<Exclusion, "reason" | "quota"> | { reason: "duplicate"; quota?: undefined }): string {
  switch (e.reason) {
    case "quota": {
      if (!e.quota) return t.bcReasonQuota;
      const per = { day: t.bcPerDay, week: t.bcPerWeek, month: t.bcPerMonth }[e.quota.kind];
      return fill(t.bcReasonQuotaWindow, { per, limit: e.quota.limit, window: windowText(t, e.quota), count: e.quota.count });
    }
    case "not-a-follower":
      return t.bcReasonNotFollower;
    case "quiet-hours":
      return t.bcReasonQuiet;
    case "excluded-tag":
      return t.bcReasonTag;
    case "duplicate":
      return t.bcReasonDuplicate;
  }
}

/** A campaign's audience in one line: its filters, or 全部客户. */
export function audienceSummary(t: Words, a: Campaign["audience"]): string {
  const parts: string[] = [];
  if (a.chatType === "group") {
    if (a.owners) parts.push(`${t.bcOwners}：${a.owners.join("、")}`);
    if (a.chatIds) parts.push(fill(t.bcNChats, { n: a.chatIds.length }));
    return `${t.bcChatGroup} · ${parts.join("；")}`;
  }
  if (a.staff) parts.push(`${t.bcStaffFilter}：${a.staff.join("、")}`);
  if (a.tags?.allOf?.length) parts.push(fill(t.bcNTagGroups, { n: a.tags.allOf.length }));
  if (a.tags?.noneOf?.length) parts.push(fill(t.bcNExcludedTags, { n: a.tags.noneOf.length }));
  if (a.channels) parts.push(fill(t.bcNChannels, { n: a.channels.length }));
  if (a.addedFrom || a.addedTo) parts.push(`${t.addedDate} ${a.addedFrom ?? "…"}~${a.addedTo ?? "…"}`);
  if (a.externalUserIds) parts.push(fill(t.bcNCustomers, { n: a.externalUserIds.length }));
  return parts.length ? parts.join("；") : t.bcAllCustomers;
}

/** When a campaign goes: 立即, its instant, or its cron with the next run. */
export function scheduleSummary(t: Words, c: Pick<Campaign, "schedule" | "nextRunAt" | "createdAt">): string {
  const s = c.schedule;
  if (s.kind === "now") return `${t.bcNow} · ${new Date(c.createdAt).toLocaleString()}`;
  if (s.kind === "at") return new Date(s.at).toLocaleString();
  return `${t.bcRecurring} ${s.cron}${c.nextRunAt ? ` · ${t.bcNextRun} ${new Date(c.nextRunAt).toLocaleString()}` : ""}`;
}

/** Whether the campaign may still be edited (before its start) or cancelled (before its end). */
export const editable = (s: CampaignStatus) => s === "draft" || s === "scheduled";
export const cancellable = (s: CampaignStatus) => s !== "done" && s !== "cancelled";
