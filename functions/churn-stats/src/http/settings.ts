/** `GET|PUT /v1/stats/settings` and `POST /v1/stats/rebuild` (admin). */
import { sendCommand } from "@siyu/bus";
import { makeEvent, newId } from "@siyu/kernel";
import { route } from "@siyu/lambda-kit";
import { z } from "zod";
import { churnSettingsSchema, parseDayRange } from "../domain/index.ts";
import { getSettings, putSettings } from "../store/settings.ts";
import { domainRules } from "./problems.ts";

export const getSettingsRoute = route({}, async (req) => ({ status: 200, body: await getSettings(req.config.table) }));

export const putSettingsRoute = route({ body: churnSettingsSchema }, async (req) => {
  const stored = await putSettings(req.config.table, req.body, { at: req.clock.now(), by: req.auth?.subject });
  return { status: 200, body: stored };
});

const rebuildBody = z
  .strictObject({ from: z.string(), to: z.string(), dryRun: z.boolean().default(false) })
  .superRefine(domainRules(parseDayRange));

/** Queue a rebuild of a range (the rebuild consumer does the work; the CLI does the same offline). */
export const requestRebuild = route({ body: rebuildBody }, async (req) => {
  const id = newId();
  await sendCommand(
    req.config.queueUrl("rebuild"),
    makeEvent("churn.rebuild_requested", req.body, { corpId: req.config.corpId, occurredAt: req.clock.now(), id }),
  );
  return { status: 202, body: { rebuildId: id, ...req.body, status: "queued" } };
});
