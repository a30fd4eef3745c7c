
import { type HttpRequest, idempotencyKeyOf, log, route } from "@siyu/lambda-kit";
import { wecomFor } from "@siyu/wecom";
import * as z from "zod";
import {
  campaignDetail,
  cancelCampaign,
  createCampaign,
  listCampaignViews,
  previewDraft,
  previewStored,
  recipientsOf,
  remindCampaign,
  syncCampaign,
  updateCampaign,
} from "../app/campaigns.ts";
import type { Deps } from "../app/deps.ts";
import { receiveSettings, replaceReceiveSettings } from "../app/settings.ts";
import { campaignCreateSchema, campaignPatchSchema } from "../domain/campaign.ts";
import { receiveSettingsSchema } from "../domain/quota.ts";
import { RECIPIENT_STATUSES } from "../domain/run.ts";
import { CAMPAIGN_STATUSES } from "../domain/status.ts";
import { campaignDetailSchema, campaignPageSchema, campaignSchema, cancelledCampaignSchema, remindSchema, syncedCampaignSchema } from "./schemas/campaigns.ts";
import { previewSchema, storedPreviewSchema } from "./schemas/preview.ts";
import { recipientPageSchema } from "./schemas/recipients.ts";
import { broadcastSettingsSchema } from "./schemas/settings.ts";

const campaignParam = z.object({ campaignId: z.string().min(1).max(64).regex(/^[0-9A-Za-z]+$/, "a campaign id") });
const page = { limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().min(1).max(2048).optional() };
const runQuery = z.string().min(1).max(128).optional();

function deps(req: HttpRequest<unknown, unknown, unknown>): Deps {
  const wecom = wecomFor(req.config);
  return { config: req.config, wecom: () => wecom.client(), now: () => req.clock.now(), log };
}

/** `POST /v1/broadcasts`: validate (every failing field at once), store, and queue a send-now run → 201. */
export const createBroadcast = route({ body: z.unknown(), doc: { summary: "Create a broadcast campaign (客户群发)", requestBody: campaignCreateSchema, response: { status: 201, description: "Created (200 on an Idempotency-Key replay)", schema: campaignSchema }, problems: [422] } }, async (req) => {
  const key = idempotencyKeyOf(req.headers);
  const out = await createCampaign(deps(req), req.body, key);
  return {
    status: out.replay ? 200 : 201,
    headers: { location: `/v1/broadcasts/${out.campaign.campaignId}`, ...(out.replay ? { "idempotent-replayed": "true" } : {}) },
    body: out.campaign,
  };
});

/** `GET /v1/broadcasts`: newest first, by cursor, optionally one status; each item with its latest run's funnel. */
export const listBroadcasts = route({ query: z.object({ ...page, status: z.enum(CAMPAIGN_STATUSES).optional() }), doc: { response: { schema: campaignPageSchema } } }, async (req) => ({ status: 200, body: await listCampaignViews(deps(req), req.query) }));

export const getBroadcast = route({ params: campaignParam, query: z.object({ run: runQuery }), doc: { response: { schema: campaignDetailSchema } } }, async (req) => ({
  status: 200,
  body: await campaignDetail(deps(req), req.params.campaignId, req.query),
}));

export const updateBroadcast = route({ params: campaignParam, body: z.unknown(), doc: { summary: "Edit a campaign until it starts", requestBody: campaignPatchSchema, response: { schema: campaignSchema }, problems: [409] } }, async (req) => ({
  status: 200,
  body: await updateCampaign(deps(req), req.params.campaignId, req.body),
}));

export const cancelBroadcast = route({ params: campaignParam, doc: { response: { schema: cancelledCampaignSchema } } }, async (req) => ({ status: 200, body: await cancelCampaign(deps(req), req.params.campaignId) }));

export const syncBroadcast = route({ params: campaignParam, query: z.object({ run: runQuery }), doc: { response: { schema: syncedCampaignSchema } } }, async (req) => ({
  status: 200,
  body: await syncCampaign(deps(req), req.params.campaignId, req.query),
}));

export const previewBroadcast = route({ body: z.unknown(), doc: { response: { schema: previewSchema } } }, async (req) => ({ status: 200, body: await previewDraft(deps(req), req.body) }));

export const previewCampaign = route({ params: campaignParam, doc: { response: { schema: storedPreviewSchema } } }, async (req) => ({ status: 200, body: await previewStored(deps(req), req.params.campaignId) }));

export const remindBroadcast = route({ params: campaignParam, doc: { response: { schema: remindSchema } } }, async (req) => ({ status: 200, body: await remindCampaign(deps(req), req.params.campaignId) }));

export const listRecipients = route(
  { params: campaignParam, query: z.object({ ...page, run: runQuery, status: z.enum([...RECIPIENT_STATUSES, "excluded"]).optional() }), doc: { response: { schema: recipientPageSchema } } },
  async (req) => ({ status: 200, body: await recipientsOf(deps(req), req.params.campaignId, req.query) }),
);

export const getBroadcastSettings = route({ doc: { response: { schema: broadcastSettingsSchema } } }, async (req) => ({ status: 200, body: await receiveSettings(req) }));

/** `PUT /v1/broadcasts/settings`: the corp's receive rule (as set in 群发助手), stricter caps and quiet hours, per audience kind. */
export const putBroadcastSettings = route({ body: receiveSettingsSchema, doc: { response: { schema: broadcastSettingsSchema } } }, async (req) => {
  return { status: 200, body: await replaceReceiveSettings(deps(req), req.body) };
});
