/**
 * What the tag routes answer (OpenAPI response bodies; checked against every answer under
 * SIYU_CHECK_RESPONSES=1): groups of Siyu's copy of the corp tag list (domain `CorpTagGroup`), and
 * what a sync changed (domain `TagListDiff["counts"]`).
 */
import * as z from "zod";
import { CORP_TAGS_MAX } from "../../domain/tags.ts";

const count = z.int().min(0);
/** WeCom's `order`: an unsigned 32-bit integer, larger sorts first. */
const order = z.int().min(0).max(2 ** 32 - 1).meta({ description: "Larger sorts first (WeCom's order)" });

const createTime = z.int().min(0).optional().meta({ description: "WeCom's create_time (Unix seconds), when WeCom gave it" });

const corpTagSchema = z.object({
  tagId: z.string(),
  groupId: z.string(),
  name: z.string(),
  order,
  createTime,
});

/** A corp tag group with all its tags (domain `CorpTagGroup`). */
export const tagGroupSchema = z.object({
  groupId: z.string(),
  groupName: z.string(),
  order,
  createTime,
  tags: z.array(corpTagSchema),
});

/** `GET /v1/tags`: a page of groups, and the corp's tag count against WeCom's limit. */
export const tagPageSchema = z.object({
  items: z.array(tagGroupSchema),
  nextCursor: z.string().nullable().meta({ description: "Pass as `cursor` for the next page; null on the last" }),
  total: count.meta({ description: "Corp tags in Siyu's copy (all groups)" }),
  limit: z.literal(CORP_TAGS_MAX).meta({ description: "WeCom's limit of corp tags per corp" }),
});

/** `POST /v1/tags`: the group as it is now, and the requested tags in request order. */
export const tagCreateResultSchema = z.object({
  group: tagGroupSchema,
  tags: z.array(z.object({ tagId: z.string(), name: z.string() })).meta({ description: "The requested tags, in request order" }),
});

/** `POST /v1/tags/sync`: what the pull changed in the copy. */
export const tagSyncResultSchema = z.object({
  added: count,
  removed: count,
  renamed: count,
  changed: count.meta({ description: "Tags whose order or group changed, name kept" }),
  groupsAdded: count,
  groupsRemoved: count,
  groupsRenamed: count,
  total: count.meta({ description: "Corp tags after the sync" }),
});
