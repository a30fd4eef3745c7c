/**
 * The probe routes' answers. With `SIYU_CHECK_RESPONSES=1` every answer is checked against these, so
 * docs/openapi.json cannot drift from the code.
 */
import * as z from "zod";
import { PROBE_STATUSES } from "../../domain/probe.ts";

const probeStatusSchema = z.enum(PROBE_STATUSES).meta({
  description: "requested: row created, command sent; recorded: the command consumer ran; complete: the event's subscriber ran too",
});

const instant = (what: string) => z.string().meta({ description: `${what} (ISO 8601 instant)` });

/** `POST /v1/_probe`: the new probe's id (poll `Location`). */
export const probeCreatedSchema = z.object({ probeId: z.string(), status: probeStatusSchema });

/** `GET /v1/_probe/{probeId}`: the probe and how far it got (`probeView`). */
export const probeSchema = z.object({
  probeId: z.string(),
  message: z.string(),
  requestedAt: instant("When it was requested"),
  recordedAt: instant("Set by the command consumer (queue → table)").optional(),
  observedAt: instant("Set by the event subscriber (topic → subscriber queue → table)").optional(),
  status: probeStatusSchema,
});
