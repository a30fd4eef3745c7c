import { AppError } from "@siyu/kernel";
import { log, route } from "@siyu/lambda-kit";
import { WecomApiError, WecomError, wecomFor } from "@siyu/wecom";
import * as z from "zod";
import { listTags as listTagPage } from "../app/tag-list.ts";
import { createTags, reconcileTags } from "../app/tags.ts";
import { tagCreateSchema } from "../domain/tags.ts";
import { tagCreateResultSchema, tagPageSchema, tagSyncResultSchema } from "./schemas/tags.ts";

/** `GET /v1/tags`: Siyu's copy of the corp tag list, a page of groups each with its tags. */
export const listTags = route(
  {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(100).default(50),
      cursor: z.string().min(1).max(2048).optional(),
    }),
    doc: { response: { description: "A page of tag groups, each with all its tags, and the corp's tag count against WeCom's limit", schema: tagPageSchema } },
  },
  async (req) => ({ status: 200, body: (await listTagPage({ table: req.config.table }, req.query)) satisfies z.output<typeof tagPageSchema> }),
);

/**
 * `POST /v1/tags`: create corp tags in a group (by name, created when missing, or by id) through
 * add_corp_tag, after checking WeCom's limits against Siyu's copy. 201 when WeCom created tags,
 * 200 when every name already existed in the group (nothing was called).
 */
export const createTagsRoute = route(
  {
    body: tagCreateSchema,
    doc: { response: { status: 201, description: "Created in WeCom (200, the same body, when every name already existed in the group)", schema: tagCreateResultSchema } },
  },
  async (req) => {
  const wecom = wecomFor(req.config);
  const out = await createTags(
    { table: req.config.table, wecom: () => wecom.client(), now: () => req.clock.now(), log },
    req.body,
  );
  return { status: out.created ? 201 : 200, body: { group: out.group, tags: out.tags } satisfies z.output<typeof tagCreateResultSchema> };
  },
);

/**
 * `POST /v1/tags/sync`: replace Siyu's copy with WeCom's full corp tag list now (what the daily
 * `tag-reconcile` job does at 03:30), e.g. right after a first deploy. Answers what changed; a second
 * call finds nothing to change. WeCom failing leaves the copy as it was.
 */
export const syncTagsRoute = route({ doc: { response: { description: "What the pull changed in Siyu's copy", schema: tagSyncResultSchema } } }, async (req) => {
  const wecom = wecomFor(req.config);
  const counts = await reconcileTags({ table: req.config.table, wecom: () => wecom.client(), now: () => req.clock.now(), log }).catch(wecomSyncProblem);
  log.info("corp tags synced on request", { ...counts });
  return { status: 200, body: counts satisfies z.output<typeof tagSyncResultSchema> };
});

function wecomSyncProblem(error: unknown): never {
  if (error instanceof WecomApiError) {
    throw new AppError(502, "wecom-rejected", "WeCom rejected the request", `WeCom answered ${error.errcode} to ${error.api}: ${error.errmsg}; the tag copy is unchanged`, {
      extensions: { errcode: error.errcode },
      retryable: false,
    });
  }
  if (error instanceof WecomError) {
    // timeout, network, a response that is not WeCom's
    throw new AppError(503, "wecom-unavailable", "WeCom could not be reached", `${error.message}; the tag copy is unchanged, retry later`);
  }
  throw error;
}
