import { deterministicId, makeEvent, newId } from "@siyu/kernel";
import { publishEvent, sendCommand } from "@siyu/bus";
import { planProbe, type ProbeState, type ProbeStatus, probeView } from "../domain/probe.ts";
import { createProbe, markProbe, readProbe } from "../store/probes.ts";

/**
 * The probe's use cases, one per hop of the path it proves: HTTP → command queue → consumer → table →
 * domain event on the topic → a subscriber's queue → table → HTTP read.
 */

export interface ProbeDeps {
  table: string;
  corpId: string;
  now: () => Date;
}

/** Create the probe's row, then send its command. */
export async function requestProbe(deps: ProbeDeps & { commandsQueueUrl: string }, message: string): Promise<{ probeId: string; status: ProbeStatus }> {
  const now = deps.now();
  const { probe, command } = planProbe(newId(), message, now);
  await createProbe(deps.table, probe, now);
  await sendCommand(deps.commandsQueueUrl, makeEvent("probe.requested", command, { corpId: deps.corpId, occurredAt: now }));
  return { probeId: probe.probeId, status: "requested" };
}

/** The command consumer's hop: record the probe, then announce it on the topic. */
export async function recordProbe(deps: ProbeDeps & { topicArn: string }, probeId: string): Promise<void> {
  const at = deps.now().toISOString();
  await markProbe(deps.table, probeId, "recordedAt", at);
  // a stable id: if this attempt dies after publishing, the retry publishes the same event id
  await publishEvent(
    deps.topicArn,
    makeEvent("probe.recorded", { probeId, recordedAt: at }, { corpId: deps.corpId, occurredAt: at, id: deterministicId("probe.recorded", probeId) }),
  );
}

/** The subscriber's hop: the event came through the topic and its filtered subscription. */
export async function observeProbe(deps: Pick<ProbeDeps, "table" | "now">, probeId: string): Promise<void> {
  await markProbe(deps.table, probeId, "observedAt", deps.now().toISOString());
}

/** A probe and how far it got, or undefined when there is none. */
export async function getProbe(table: string, probeId: string): Promise<(ProbeState & { status: ProbeStatus }) | undefined> {
  const probe = await readProbe(table, probeId);
  return probe && probeView(probe);
}
