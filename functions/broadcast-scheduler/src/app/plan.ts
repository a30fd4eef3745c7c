/**
 * Plan a campaign at an instant: read the audience (Siyu's read model), the corp's receive rules and
 * the ledger (stored outcomes plus open runs' planned recipients), then let the domain decide. The
 * preview and the run call this same function, so what the operator sees is what is sent.
 */
import { mapLimit } from "@siyu/store";
import { type CustomerAudiencePlan, planAudience } from "../domain/audience.ts";
import type { CampaignDefinition } from "../domain/campaign.ts";
import { type GroupAudiencePlan, planGroupAudience } from "../domain/group-audience.ts";
import { type OpenRun, withInteractions, withOpenRuns } from "../domain/ledger.ts";
import { rulesFor } from "../domain/quota.ts";
import { allGroups, allRelations, relationsOf } from "../store/audience.ts";
import { getRun, openRuns } from "../store/campaigns.ts";
import { readLedger, readLedgerOf } from "../store/ledger.ts";
import { chunksOf } from "../store/outbox.ts";
import { getReceiveSettings } from "../store/settings.ts";
import type { Deps } from "./deps.ts";

export type AudiencePlan = CustomerAudiencePlan | GroupAudiencePlan;

export interface PlanStats {
  candidates: number;
  ledgerRecipients: number;
  openRuns: number;
  readMs: number;
  planMs: number;
}

/** The planned recipients of every run not finished yet (a failed chunk was never tasked). */
async function openRunsOf(table: string, chatType: "single" | "group"): Promise<OpenRun[]> {
  const keys = await openRuns(table, chatType);
  const runs = await mapLimit(keys, 4, async (k): Promise<OpenRun | undefined> => {
    const run = await getRun(table, k.campaignId, k.runKey);
    if (!run) return undefined;
    const chunks = await chunksOf(table, k.runKey);
    return { runKey: run.runKey, at: run.at, deadline: run.deadline, recipients: chunks.filter((c) => c.state !== "failed").flatMap((c) => c.ids) };
  });
  return runs.filter((r): r is OpenRun => r !== undefined);
}

export async function planCampaign(
  deps: Deps,
  def: Pick<CampaignDefinition, "audience">,
  run: { at: Date; deadline: Date; runKey?: string },
): Promise<{ plan: AudiencePlan; stats: PlanStats }> {
  const { table, timeZone } = deps.config;
  const started = performance.now();
  const chatType = def.audience.chatType;
  const settings = await getReceiveSettings(table);
  const [candidates, stored, open] = await Promise.all([
    def.audience.chatType === "group"
      ? allGroups(table)
      : def.audience.externalUserIds
        ? relationsOf(table, def.audience.externalUserIds)
        : allRelations(table),
    def.audience.chatType === "single" && def.audience.externalUserIds ? readLedgerOf(table, "single", def.audience.externalUserIds) : def.audience.chatType === "group" && def.audience.chatIds ? readLedgerOf(table, "group", def.audience.chatIds) : readLedger(table, chatType),
    openRunsOf(table, chatType),
  ]);
  const ledger = withOpenRuns(stored, open);
  const read = performance.now();
  const input = {
    ledger,
    rules: rulesFor(settings, chatType),
    at: run.at,
    deadline: run.deadline,
    timeZone,
    ...(run.runKey ? { runId: run.runKey } : {}),
  };
  const plan =
    def.audience.chatType === "group"
      ? planGroupAudience({ ...input, filter: def.audience, candidates: candidates as Awaited<ReturnType<typeof allGroups>> })
      : planAudience({ ...input, filter: def.audience, candidates: withInteractions(candidates as Awaited<ReturnType<typeof allRelations>>, ledger) });
  return {
    plan,
    stats: {
      candidates: candidates.length,
      ledgerRecipients: stored.size,
      openRuns: open.length,
      readMs: Math.round(read - started),
      planMs: Math.round(performance.now() - read),
    },
  };
}

/** A preview's left-out list is capped; the counts are always whole. */
export const EXCLUDED_SHOWN = 200;

export function previewView(plan: AudiencePlan, run: { at: Date; deadline: Date }) {
  const excluded = plan.excluded.slice(0, EXCLUDED_SHOWN);
  return {
    chatType: plan.chatType,
    at: run.at.toISOString(),
    deadline: run.deadline.toISOString(),
    audience: plan.counts.audience,
    planned: plan.counts.planned,
    perSender: plan.counts.perSender,
    senders: plan.tasks.length,
    calls: plan.tasks.reduce((n, t) => n + t.chunks.length, 0),
    excludedCounts: plan.counts.excluded,
    excluded,
    excludedTruncated: plan.excluded.length > excluded.length,
    duplicates: plan.duplicates.slice(0, EXCLUDED_SHOWN),
    ...(plan.quietUntil ? { quietUntil: plan.quietUntil } : {}),
  };
}
