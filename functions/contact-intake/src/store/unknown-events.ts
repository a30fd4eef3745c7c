
import { key, putIfAbsent, } from "@siyu/store";

/** Callbacks Siyu does not understand are kept (90 days) for inspection, never rejected. */
export async function storeUnknownEvent(table: string, dedupeKey: string, raw: string, at: Date, event?: string, changeType?: string): Promise<void> {
  await putIfAbsent(table, {
    pk: key("UNKNOWN", at.toISOString().slice(0, 10)),
    sk: dedupeKey,
    raw,
    event,
    changeType,
    receivedAt: at.toISOString(),
    ttl: Math.floor(at.getTime() / 1000) + 90 * 86_400,
  });
}

