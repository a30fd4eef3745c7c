/** `GET|PUT /v1/stats/settings` and `POST /v1/stats/rebuild` (admin). */
import { route } from "@siyu/lambda-kit";
import { z } from "zod";
import { readSettings, requestRebuild as queueRebuild, saveSettings } from "../app/settings.ts";
import { churnSettingsSchema, parseDayRange } from "../domain/index.ts";
import { domainRules } from "./problems.ts";

export const getSettingsRoute = route({}, async (req) => ({ status: 200, body: await readSettings({ table: req.config.table }) }));

export const putSettingsRoute = route({ body: churnSettingsSchema }, async (req) => ({
  status: 200,
  body: await saveSettings({ table: req.config.table, now: () => req.clock.now() }, req.body, req.auth?.subject),
}));

const rebuildBody = z
  .strictObject({ from: z.string(), to: z.string(), dryRun: z.boolean().default(false) })
  .superRefine(domainRules(parseDayRange));

/** Queue a rebuild of a range (the rebuild consumer does the work; the CLI does the same offline). */
export const requestRebuild = route({ body: rebuildBody }, async (req) => {
  const { rebuildId } = await queueRebuild({ corpId: req.config.corpId, rebuildQueueUrl: req.config.queueUrl("rebuild"), now: () => req.clock.now() }, req.body);
  return { status: 202, body: { rebuildId, ...req.body, status: "queued" } };
});
