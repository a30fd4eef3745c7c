/** `GET|PUT /v1/stats/settings` and `POST /v1/stats/rebuild` (admin). */
import { route } from "@siyu/lambda-kit";
import * as z from "zod";
import { readSettings, requestRebuild as queueRebuild, saveSettings } from "../app/settings.ts";
import { churnSettingsSchema, parseDayRange } from "../domain/index.ts";
import { domainRules } from "./problems.ts";
import { rebuildQueuedSchema, storedSettingsSchema } from "./schemas/settings.ts";

type StoredSettingsAnswer = z.infer<typeof storedSettingsSchema>;

export const getSettingsRoute = route(
  { doc: { summary: "The corp's churn settings (loss alerts, daily digest; all off until an admin saves some)", response: { description: "The settings", schema: storedSettingsSchema } } },
  async (req) => ({ status: 200, body: (await readSettings({ table: req.config.table })) satisfies StoredSettingsAnswer }),
);

export const putSettingsRoute = route(
  { body: churnSettingsSchema, doc: { summary: "Replace the corp's churn settings", response: { description: "The settings as stored", schema: storedSettingsSchema } } },
  async (req) => ({
    status: 200,
    body: (await saveSettings({ table: req.config.table, now: () => req.clock.now() }, req.body, req.auth?.subject)) satisfies StoredSettingsAnswer,
  }),
);

const rebuildBody = z
  .strictObject({ from: z.string(), to: z.string(), dryRun: z.boolean().default(false) })
  .superRefine(domainRules(parseDayRange));

/** Queue a rebuild of a range (the rebuild consumer does the work; the CLI does the same offline). */
export const requestRebuild = route(
  {
    body: rebuildBody,
    doc: {
      summary: "Queue a rebuild of a range's counters from the stored facts (dryRun: report the differences only)",
      response: { status: 202, description: "Queued: the rebuild consumer does the work", schema: rebuildQueuedSchema },
    },
  },
  async (req) => {
    const { rebuildId } = await queueRebuild({ corpId: req.config.corpId, rebuildQueueUrl: req.config.queueUrl("rebuild"), now: () => req.clock.now() }, req.body);
    return { status: 202, body: { rebuildId, ...req.body, status: "queued" } satisfies z.infer<typeof rebuildQueuedSchema> };
  },
);
