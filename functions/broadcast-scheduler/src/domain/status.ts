/**
 * A campaign's life cycle: draft / scheduled → running (creating tasks) → tracking (until the deadline)
 * → done; cancelled at any time before done. Edits are allowed only before the campaign starts: once
 * running, tasks may already exist in WeCom and an edit would not reach them.
 */
import { CampaignFinished, CampaignStarted, InvalidTransition } from "./errors.ts";

export const CAMPAIGN_STATUSES = ["draft", "scheduled", "running", "tracking", "done", "cancelled"] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export type CampaignEvent = "schedule" | "start" | "track" | "finish" | "cancel";

const NEXT: Record<Exclude<CampaignEvent, "cancel">, { from: readonly CampaignStatus[]; to: CampaignStatus }> = {
  schedule: { from: ["draft"], to: "scheduled" },
  start: { from: ["draft", "scheduled"], to: "running" },
  track: { from: ["running"], to: "tracking" },
  finish: { from: ["tracking"], to: "done" },
};

/**
 * The status after an event. Cancelling a cancelled campaign is a no-op (a retried cancel);
 * cancelling a done one is `CampaignFinished`; any other unlisted move is `InvalidTransition`.
 */
export function nextStatus(from: CampaignStatus, event: CampaignEvent): CampaignStatus {
  if (event === "cancel") {
    if (from === "done") throw new CampaignFinished(from);
    return "cancelled";
  }
  const rule = NEXT[event];
  if (!rule.from.includes(from)) throw new InvalidTransition(from, event);
  return rule.to;
}

/** Throws unless the campaign may still be edited (draft or scheduled). */
export function assertEditable(status: CampaignStatus): void {
  if (status === "running" || status === "tracking") throw new CampaignStarted(status);
  if (status === "done" || status === "cancelled") throw new CampaignFinished(status);
}
