import { z } from "zod";
import { makeEvent, newId, notFound } from "@siyu/kernel";
import { http, route } from "@siyu/lambda-kit";
import { sendCommand } from "@siyu/bus";
import manifest from "../../service.ts";
import { probeStatus } from "../domain/probe.ts";
import { createProbe, readProbe } from "../store/probes.ts";

export const handler = http(manifest, {
  createProbe: route({ body: z.object({ message: z.string().max(1000).default("ping") }).strict().default({ message: "ping" }) }, async (req) => {
    const now = req.clock.now();
    const probeId = newId();
    await createProbe(req.config.table, { probeId, message: req.body.message, requestedAt: now.toISOString() }, now);
    await sendCommand(
      req.config.queueUrl("commands"),
      makeEvent("probe.requested", { probeId, message: req.body.message }, { corpId: req.config.corpId, occurredAt: now }),
    );
    return { status: 202, body: { probeId, status: "requested" }, headers: { location: `/v1/_probe/${probeId}` } };
  }),
  getProbe: route({ params: z.object({ probeId: z.string().min(1).max(64) }) }, async (req) => {
    const probe = await readProbe(req.config.table, req.params.probeId);
    if (!probe) throw notFound(`no probe ${req.params.probeId}`);
    return { status: 200, body: { ...probe, status: probeStatus(probe) } };
  }),
});
