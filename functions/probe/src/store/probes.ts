import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { documentClient, getItem, key, putIfAbsent, ttlAfter } from "@siyu/store";
import { PROBE_TTL_SECONDS, type ProbeState } from "../domain/probe.ts";

const probeKey = (probeId: string) => ({ pk: key("PROBE", probeId), sk: "PROBE" });

export async function createProbe(table: string, p: ProbeState, now: Date): Promise<boolean> {
  return putIfAbsent(table, { ...probeKey(p.probeId), ...p, ttl: ttlAfter(now, PROBE_TTL_SECONDS) });
}

/** Set an effect's timestamp once; a redelivery keeps the first value. */
export async function markProbe(table: string, probeId: string, field: "recordedAt" | "observedAt", at: string): Promise<void> {
  await documentClient()
    .send(
      new UpdateCommand({
        TableName: table,
        Key: probeKey(probeId),
        UpdateExpression: "SET #f = if_not_exists(#f, :at)",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: { "#f": field },
        ExpressionAttributeValues: { ":at": at },
      }),
    );
}

export async function readProbe(table: string, probeId: string): Promise<ProbeState | undefined> {
  const item = await getItem<ProbeState & { ttl?: number }>(table, probeKey(probeId), { consistent: true });
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, ttl: _ttl, ...state } = item;
  return state;
}
