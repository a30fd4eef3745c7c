import * as z from "zod";
import { notFound } from "@siyu/kernel";
import { http, route } from "@siyu/lambda-kit";
import manifest from "../../service.ts";
import { getProbe, requestProbe } from "../app/probes.ts";
import { probeCreatedSchema, probeSchema } from "./schemas/probes.ts";

export const handler = http(manifest, {
  createProbe: route(
    {
      body: z.object({ message: z.string().max(1000).default("ping") }).strict().default({ message: "ping" }),
      doc: { response: { status: 202, description: "Requested: the command is on its way (poll `Location`)", schema: probeCreatedSchema } },
    },
    async (req) => {
      const { config, clock } = req;
      const created = await requestProbe(
        { table: config.table, corpId: config.corpId, now: () => clock.now(), commandsQueueUrl: config.queueUrl("commands") },
        req.body.message,
      );
      return { status: 202, body: created, headers: { location: `/v1/_probe/${created.probeId}` } };
    },
  ),
  getProbe: route({ params: z.object({ probeId: z.string().min(1).max(64) }), doc: { response: { description: "The probe and how far it got", schema: probeSchema } } }, async (req) => {
    const probe = await getProbe(req.config.table, req.params.probeId);
    if (!probe) throw notFound(`no probe ${req.params.probeId}`);
    return { status: 200, body: probe };
  }),
});
