
import { batchWrite, key, } from "@siyu/store";
import type { TimelineEntry } from "../domain/events.ts";
import { custPk } from "./customer-keys.ts";

/** A customer's timeline, sk `TL#<at>#<id>`. */
export const timelineItem = (e: TimelineEntry): Record<string, unknown> => ({ pk: custPk(e.externalUserId), sk: key("TL", e.at, e.id), ...e });

/** Timeline entries have deterministic keys and content: writing one again is harmless. */
export async function appendTimeline(table: string, entries: readonly TimelineEntry[]): Promise<void> {
  await batchWrite(table, entries.map(timelineItem));
}

