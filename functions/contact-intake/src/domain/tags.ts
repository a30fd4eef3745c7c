/**
 * Corp tags (企业标签, wecom-reference §6): Siyu keeps a copy of the corp's tag list so it can check
 * WeCom's limits before calling (tag and group names ≤ 30 characters, ≤ 3000 corp tags per corp,
 * errcode 40126) and show tag names without asking WeCom.
 *
 * - `tagCreateSchema` / `planTagCreate`: what `POST /v1/tags` may send to `add_corp_tag`, counted
 *   against the copy; a request that would pass the corp limit is refused before WeCom is called.
 * - `normalizeTagList`: WeCom's `tag_group[]` → plain groups, without deleted entries.
 * - `diffTagLists`: what a full pull changes in the copy (for the daily reconciliation's counts).
 * - `planTagSync`: how to refresh the copy after a `change_external_tag` callback.
 * - `relationTagsAfter`, `planTagsChanged`: a follow relation's tags after an add, and the
 *   `contact.tags_changed` a write of them announces.
 */
import { type DomainEvent, type EventData, makeEvent } from "@siyu/kernel";
import * as z from "zod";
import { keyPartSchema } from "./customers.ts";
import { CorpTagLimitReached, UnknownTagGroup } from "./errors.ts";
import { WECOM } from "./limits.ts";

const TAG_NAME_MAX_CHARS = WECOM.corpTagNameMaxChars;
const TAG_GROUP_NAME_MAX_CHARS = WECOM.corpTagGroupNameMaxChars;
export const CORP_TAGS_MAX = WECOM.corpTagsMax;
/** Siyu's own bound on one request (WeCom sets none; 64 KiB bodies hold about this many). */
const TAGS_PER_REQUEST_MAX = 1000;
const ORDER_MAX = 2 ** 32 - 1;

/** WeCom counts characters (code points), not UTF-16 units. */
const chars = (s: string) => [...s].length;

const nameSchema = (what: string, max: number) =>
  z
    .string()
    .refine((s) => s.trim().length > 0, `${what} is required`)
    .refine((s) => chars(s) <= max, `${what} is at most ${max} characters (WeCom limit)`);

const orderSchema = z
  .int("order is an integer")
  .min(0, `order is from 0 to ${ORDER_MAX}`)
  .max(ORDER_MAX, `order is from 0 to ${ORDER_MAX}`);

export const tagCreateSchema = z
  .strictObject({
    /** Add to the group of this name (created when missing, as add_corp_tag does). */
    groupName: nameSchema("groupName", TAG_GROUP_NAME_MAX_CHARS).optional(),
    /** Or add to this existing group. */
    groupId: keyPartSchema("groupId").optional(),
    /** Order of a new group (larger sorts first). */
    groupOrder: orderSchema.optional(),
    tags: z
      .array(z.strictObject({ name: nameSchema("name", TAG_NAME_MAX_CHARS), order: orderSchema.optional() }))
      .min(1, "at least one tag (WeCom has no empty groups)")
      .max(TAGS_PER_REQUEST_MAX, `at most ${TAGS_PER_REQUEST_MAX} tags per request`),
  })
  .superRefine((r, ctx) => {
    if ((r.groupName === undefined) === (r.groupId === undefined)) {
      ctx.addIssue({ code: "custom", path: ["groupName"], message: "give either groupName or groupId" });
    }
    const first = new Map<string, number>();
    r.tags.forEach((t, i) => {
      const at = first.get(t.name);
      if (at === undefined) first.set(t.name, i);
      else ctx.addIssue({ code: "custom", path: ["tags", i, "name"], message: `${t.name} is listed twice (also at ${at})` });
    });
  });
export type TagCreateRequest = z.output<typeof tagCreateSchema>;

export interface CorpTag {
  tagId: string;
  groupId: string;
  name: string;
  order: number;
  createTime?: number;
}

export interface CorpTagGroup {
  groupId: string;
  groupName: string;
  order: number;
  createTime?: number;
  tags: CorpTag[];
}

/** What the copy knows, enough to plan a create. */
interface TagCopySummary {
  /** Corp tags in the copy. */
  total: number;
  /** The target group (by id or name), if the copy has it, with its tag names. */
  group?: { groupId: string; groupName: string; tagNames: readonly string[] };
}

interface TagCreatePlan {
  /** Names that add_corp_tag will create (not yet in the group). */
  newNames: string[];
  /** Corp tags after the call. */
  totalAfter: number;
  /** Nothing new: every name is already in the group; WeCom need not be called. */
  nothingNew: boolean;
}

/**
 * Plan an add_corp_tag call against the copy. Throws `CorpTagLimitReached` when the corp
 * would pass 3000 tags, and `UnknownTagGroup` when `groupId` is not in the copy: WeCom
 * would reject both, so it is not called.
 */
export function planTagCreate(req: TagCreateRequest, copy: TagCopySummary): TagCreatePlan {
  if (req.groupId !== undefined && copy.group?.groupId !== req.groupId) {
    throw new UnknownTagGroup(req.groupId);
  }
  const existing = new Set(copy.group?.tagNames ?? []);
  const newNames = req.tags.map((t) => t.name).filter((n) => !existing.has(n));
  const totalAfter = copy.total + newNames.length;
  if (totalAfter > CORP_TAGS_MAX) {
    const room = Math.max(0, CORP_TAGS_MAX - copy.total);
    throw new CorpTagLimitReached({ limit: CORP_TAGS_MAX, existing: copy.total, adding: newNames.length, room });
  }
  return { newNames, totalAfter, nothingNew: newNames.length === 0 };
}

interface WecomTagGroup {
  group_id: string;
  group_name: string;
  order?: number | undefined;
  create_time?: number | undefined;
  deleted?: boolean | undefined;
  tag: { id: string; name: string; order?: number | undefined; create_time?: number | undefined; deleted?: boolean | undefined }[];
}

/** WeCom's `tag_group[]` as plain groups, without deleted groups or tags. */
export function normalizeTagList(groups: readonly WecomTagGroup[]): CorpTagGroup[] {
  return groups
    .filter((g) => !g.deleted)
    .map((g) => {
      const group: CorpTagGroup = { groupId: g.group_id, groupName: g.group_name, order: g.order ?? 0, tags: [] };
      if (g.create_time !== undefined) group.createTime = g.create_time;
      group.tags = g.tag
        .filter((t) => !t.deleted)
        .map((t) => {
          const tag: CorpTag = { tagId: t.id, groupId: g.group_id, name: t.name, order: t.order ?? 0 };
          if (t.create_time !== undefined) tag.createTime = t.create_time;
          return tag;
        });
      return group;
    });
}

export interface TagListDiff {
  /** Tags and groups to write (new or changed). */
  putGroups: CorpTagGroup[];
  putTags: CorpTag[];
  /** Ids to delete from the copy. */
  removeGroupIds: string[];
  removeTagIds: string[];
  counts: {
    added: number;
    removed: number;
    renamed: number;
    /** Order or group changed, name kept. */
    changed: number;
    groupsAdded: number;
    groupsRemoved: number;
    groupsRenamed: number;
    total: number;
  };
}

/** What replacing `current` (the copy) with `next` (WeCom's full list) changes. */
export function diffTagLists(current: readonly CorpTagGroup[], next: readonly CorpTagGroup[]): TagListDiff {
  const oldGroups = new Map(current.map((g) => [g.groupId, g]));
  const newGroups = new Map(next.map((g) => [g.groupId, g]));
  const oldTags = new Map(current.flatMap((g) => g.tags.map((t) => [t.tagId, t] as const)));
  const newTags = new Map(next.flatMap((g) => g.tags.map((t) => [t.tagId, t] as const)));
  const diff: TagListDiff = {
    putGroups: [],
    putTags: [],
    removeGroupIds: [],
    removeTagIds: [],
    counts: { added: 0, removed: 0, renamed: 0, changed: 0, groupsAdded: 0, groupsRemoved: 0, groupsRenamed: 0, total: newTags.size },
  };
  for (const g of next) {
    const old = oldGroups.get(g.groupId);
    if (!old) diff.counts.groupsAdded++;
    else if (old.groupName !== g.groupName) diff.counts.groupsRenamed++;
    if (!old || old.groupName !== g.groupName || old.order !== g.order || old.tags.length !== g.tags.length) diff.putGroups.push(g);
  }
  for (const g of current) {
    if (!newGroups.has(g.groupId)) {
      diff.removeGroupIds.push(g.groupId);
      diff.counts.groupsRemoved++;
    }
  }
  for (const [id, t] of newTags) {
    const old = oldTags.get(id);
    if (!old) {
      diff.counts.added++;
      diff.putTags.push(t);
    } else if (old.name !== t.name) {
      diff.counts.renamed++;
      diff.putTags.push(t);
    } else if (old.order !== t.order || old.groupId !== t.groupId) {
      diff.counts.changed++;
      diff.putTags.push(t);
    }
  }
  for (const id of oldTags.keys()) {
    if (!newTags.has(id)) {
      diff.removeTagIds.push(id);
      diff.counts.removed++;
    }
  }
  return diff;
}

type TagSyncPlan =
  /** Fetch these tags (get_corp_tag_list tag_id) and upsert them; a tag WeCom no longer returns is deleted. */
  | { kind: "tags"; tagIds: string[] }
  /** Fetch this group (get_corp_tag_list group_id) and replace it; a group WeCom no longer returns is deleted. */
  | { kind: "group"; groupId: string }
  /** Pull the whole list and replace the copy. */
  | { kind: "full" };

/**
 * How to refresh the copy after a `change_external_tag` callback. Creates and updates of one tag or
 * group are fetched by id; deletes, `shuffle` (reordering) and callbacks without an id are answered
 * with a full pull, which is one call and needs no knowledge of what was there.
 */
export function planTagSync(e: { changeType: string; id?: string | undefined; tagType?: "tag" | "tag_group" | undefined }): TagSyncPlan {
  if ((e.changeType === "create" || e.changeType === "update") && e.id) {
    if (e.tagType === "tag_group") return { kind: "group", groupId: e.id };
    if (e.tagType === "tag") return { kind: "tags", tagIds: [e.id] };
  }
  return { kind: "full" };
}

/**
 * A relation's corp tags after an add or confirmation: WeCom's list when externalcontact/get answered
 * for this very member (it may have raced this add's own mark_tag, which only adds, so what was just
 * marked is kept too); else what Siyu knew plus what it just marked (`replace` undefined). `known`: the
 * add learnt the tags (WeCom's list, or a mark_tag that succeeded), so the result may be announced.
 */
export function relationTagsAfter(
  relationUserId: string,
  profile: { userId: string; followTags: readonly string[] | undefined } | undefined,
  marked: { userId: string; addTagIds: readonly string[] } | undefined,
): { add: string[]; replace?: string[]; known: boolean } {
  const add = marked && marked.userId === relationUserId ? [...marked.addTagIds] : [];
  const forMember = profile && profile.userId === relationUserId ? profile.followTags : undefined;
  return forMember ? { add, replace: [...new Set([...forMember, ...add])].filter((t) => t), known: true } : { add, known: add.length > 0 };
}

/** Why a relation's tags changed, as `contact.tags_changed` says. */
export type TagsChangedSource = EventData<"contact.tags_changed">["source"];

/** A change that may announce a relation's tags once they are written: who, why, when, and an id stable across its retries. */
export interface TagsAnnouncement {
  corpId: string;
  userId: string;
  externalUserId: string;
  source: TagsChangedSource;
  /** The same on every retry of the change (a redelivered callback, a follow-up received twice). */
  id: string;
  /** When the change took effect. */
  at: Date;
}

/**
 * The `contact.tags_changed` that writing a relation's tags announces: the full set as Siyu now has it.
 * `after` is undefined when the write learnt nothing about the tags (no mark_tag succeeded and WeCom's
 * list was not read): nothing to say. A known set is announced even when the write left it as it was,
 * because a retry that comes after the write but before the publish finds it already written and must
 * still publish (the same id); only a relation that had no tags and still has none announces nothing.
 */
export function planTagsChanged(
  change: TagsAnnouncement,
  tags: { before: readonly string[] | undefined; after: readonly string[] | undefined },
): DomainEvent<"contact.tags_changed"> | undefined {
  if (!tags.after) return undefined;
  const tagIds = [...new Set(tags.after.filter((t) => t))];
  if (tagIds.length === 0 && !tags.before?.length) return undefined;
  const { corpId, userId, externalUserId, source, id, at } = change;
  return makeEvent("contact.tags_changed", { userId, externalUserId, tagIds, changedAt: at.toISOString(), source }, { corpId, occurredAt: at, id });
}
