
import { type HttpRequest, http, idempotencyKeyOf, log, route } from "@siyu/lambda-kit";
import { blobStore } from "@siyu/store";
import { wecomFor } from "@siyu/wecom";
import * as z from "zod";
import manifest from "../../service.ts";
import type { Deps } from "../app/deps.ts";
import { createMediaUpload } from "../app/media.ts";
import { cancelPost, createPost, listPostViews, momentSettings, postDetail, postStats, postStatsCsv, previewPost, putMomentSettings, updatePost } from "../app/posts.ts";
import { postCreateSchema, postPatchSchema } from "../domain/post.ts";
import { problemOf } from "./problems.ts";
import { postStateSchema } from "./schemas/common.ts";
import { mediaKindSchema, mediaUploadSchema } from "./schemas/media.ts";
import { createdPostSchema, postDetailSchema, postPageSchema, postSchema, previewSchema } from "./schemas/post.ts";
import { momentSettingsSchema, savedMomentSettingsSchema } from "./schemas/settings.ts";
import { postStatsSchema } from "./schemas/stats.ts";

const postParam = z.object({ postId: z.string().min(1).max(32).regex(/^[0-9A-Za-z]+$/, "a moment post id") });
const pageQuery = { limit: z.coerce.number().int().min(1).max(100).default(50), cursor: z.string().min(1).max(2048).optional() };

function deps(req: HttpRequest<unknown, unknown, unknown>): Deps {
  const wecom = wecomFor(req.config);
  return { config: req.config, wecom: () => wecom.client(), app: () => wecom.app(), blobs: () => blobStore(req.config), now: () => req.clock.now(), log };
}

const wantsCsv = (accept: string | undefined) => (accept ?? "").toLowerCase().split(",").some((t) => t.trim().startsWith("text/csv"));

export const handler = http(
  manifest,
  {
    createMoment: route({ body: z.unknown(), doc: { summary: "Create a moment post (planned around the daily limits; 422 daily-limit lists what would break)", requestBody: postCreateSchema, response: { status: 201, description: "Created, with its plan (200 on an Idempotency-Key replay: the post as it is, without the plan)", schema: createdPostSchema }, problems: [422] } }, async (req) => {
      const key = idempotencyKeyOf(req.headers);
      const out = await createPost(deps(req), req.body, key);
      return { status: out.replay ? 200 : 201, headers: { location: `/v1/moments/${out.post.postId}`, ...(out.replay ? { "idempotent-replayed": "true" } : {}) }, body: out.post };
    }),
    listMoments: route({ query: z.object({ ...pageQuery, state: postStateSchema.optional() }), doc: { response: { description: "A page of posts, newest first", schema: postPageSchema } } }, async (req) => ({ status: 200, body: await listPostViews(deps(req), req.query) })),
    previewMoment: route(
      { query: z.object({ postId: postParam.shape.postId.optional() }), body: z.unknown(), doc: { summary: "Preview a post's plan: every run, the moved and the refused ones, and why (postId: an edit of that post, its own runs left out)", requestBody: postCreateSchema, response: { description: "The definition as it parsed (defaults filled in) and its plan; nothing is stored", schema: previewSchema } } },
      async (req) => ({ status: 200, body: await previewPost(deps(req), req.body, req.query.postId) }),
    ),
    createMomentMedia: route(
      {
        body: z.strictObject({ kind: mediaKindSchema, contentType: z.string().min(1).max(100), filename: z.string().max(200).optional() }),
        doc: { response: { status: 201, description: "An upload slot: the media key and where to PUT the file", schema: mediaUploadSchema } },
      },
      async (req) => ({ status: 201, body: await createMediaUpload(deps(req), req.body) }),
    ),
    getMomentSettings: route({ doc: { response: { description: "The corp's moment settings", schema: momentSettingsSchema } } }, async (req) => ({ status: 200, body: await momentSettings(req) })),
    putMomentSettings: route({ body: z.strictObject({ customerPostsPerDay: z.number().int().min(1).max(20) }), doc: { response: { description: "The settings as saved", schema: savedMomentSettingsSchema } } }, async (req) => ({
      status: 200,
      body: await putMomentSettings(deps(req), req.body),
    })),
    getMoment: route({ params: postParam, doc: { response: { description: "The post and each run: its state, per-staff status and reminders", schema: postDetailSchema } } }, async (req) => ({ status: 200, body: await postDetail(deps(req), req.params.postId) })),
    updateMoment: route({ params: postParam, body: z.unknown(), doc: { summary: "Edit a post until its first run is sent (409 post-started after)", requestBody: postPatchSchema, response: { description: "The post as edited (planned again as a whole)", schema: postSchema }, problems: [409, 422] } }, async (req) => ({ status: 200, body: await updatePost(deps(req), req.params.postId, req.body) })),
    cancelMoment: route({ params: postParam, doc: { summary: "Cancel: unsent runs stop; WeCom's tasks are cancelled by moment id", response: { description: "The post, cancelled (a finished or cancelled post as it is)", schema: postSchema } } }, async (req) => ({ status: 200, body: await cancelPost(deps(req), req.params.postId) })),
    getMomentStats: route({ params: postParam, doc: {
        summary: "A post's results per run and staff (Accept: text/csv for the CSV)",
        response: { description: "The totals and each run's results (JSON); with `Accept: text/csv`, a text/csv attachment instead: one row per run and staff member", schema: postStatsSchema },
      }, }, async (req) => {
      if (!wantsCsv(req.headers.accept)) return { status: 200, body: await postStats(deps(req), req.params.postId) };
      const { csv } = await postStatsCsv(deps(req), req.params.postId);
      return { status: 200, text: csv, contentType: "text/csv; charset=utf-8", headers: { "content-disposition": `attachment; filename="moment-${req.params.postId}.csv"` } };
    }),
  },
  { problemOf },
);
