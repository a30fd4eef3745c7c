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

export type ProbeStatus = "requested" | "recorded" | "complete";

export function probeStatus(p: ProbeState): ProbeStatus {
  if (p.recordedAt && p.observedAt) return "complete";
  if (p.recordedAt) return "recorded";
  return "requested";
}

export const PROBE_TTL_SECONDS = 7 * 86_400;
