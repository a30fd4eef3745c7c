/**
 * The admin settings use cases (`GET|PUT /v1/stats/settings`) and the rebuild request
 * (`POST /v1/stats/rebuild`: queued for the rebuild consumer; the CLI does the same work offline).
 */
import { sendCommand } from "@siyu/bus";
import { makeEvent, newId } from "@siyu/kernel";
import type { ChurnSettings } from "../domain/index.ts";
import { getSettings, putSettings, type StoredSettings } from "../store/settings.ts";

export function readSettings(deps: { table: string }): Promise<StoredSettings> {
  return getSettings(deps.table);
}

export function saveSettings(deps: { table: string; now: () => Date }, settings: ChurnSettings, by: string | undefined): Promise<StoredSettings> {
  return putSettings(deps.table, settings, { at: deps.now(), by });
}

export interface RebuildRequest {
  from: string;
  to: string;
  dryRun: boolean;
}

/** Queue a rebuild of a range; answers the id the rebuild consumer will report under. */
export async function requestRebuild(deps: { corpId: string; rebuildQueueUrl: string; now: () => Date }, range: RebuildRequest): Promise<{ rebuildId: string }> {
  const id = newId();
  await sendCommand(deps.rebuildQueueUrl, makeEvent("churn.rebuild_requested", range, { corpId: deps.corpId, occurredAt: deps.now(), id }));
  return { rebuildId: id };
}
