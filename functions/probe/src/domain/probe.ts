import type { EventData } from "@siyu/kernel";

/** The probe's rules: tiny on purpose. A probe is complete when both of its effects are recorded. */
export interface ProbeState {
  probeId: string;
  message: string;
  requestedAt: string;
  /** Set by the command consumer (queue → table). */
  recordedAt?: string;
  /** Set by the event subscriber (topic → subscriber queue → table). */
  observedAt?: string;
}

/** How far a probe got: requested (row created, command sent), recorded (the consumer ran), complete (the subscriber saw the event too). */
export const PROBE_STATUSES = ["requested", "recorded", "complete"] as const;
export type ProbeStatus = (typeof PROBE_STATUSES)[number];

/** Probes are test traffic: the table forgets them after a week. */
export const PROBE_TTL_SECONDS = 7 * 86_400;

export function probeStatus(p: ProbeState): ProbeStatus {
  if (p.recordedAt && p.observedAt) return "complete";
  if (p.recordedAt) return "recorded";
  return "requested";
}

/** A new probe: the row to create and the command that travels the queue. */
export function planProbe(probeId: string, message: string, now: Date): { probe: ProbeState; command: EventData<"probe.requested"> } {
  return { probe: { probeId, message, requestedAt: now.toISOString() }, command: { probeId, message } };
}

/** What a reader sees: the probe and how far it got. */
export function probeView(p: ProbeState): ProbeState & { status: ProbeStatus } {
  return { ...p, status: probeStatus(p) };
}
