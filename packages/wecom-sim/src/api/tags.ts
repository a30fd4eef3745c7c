import * as z from "zod";
import { ERR, limitError, WecomError } from "../errors.ts";
import type { CorpTag, TagGroup } from "../world/tags.ts";
import { type ApiRoute, intLike, parse, post } from "./route.ts";

/** Corp tags and mark_tag (wecom-reference §6). */
function renderTag(t: CorpTag) {
  return { id: t.id, name: t.name, create_time: t.createTime, order: t.order, deleted: false };
}

function renderGroup(g: TagGroup, tags: CorpTag[] = g.tags) {
  return {
    group_id: g.groupId,
    group_name: g.groupName,
    create_time: g.createTime,
    order: g.order,
    deleted: false,
    tag: [...tags].sort((a, b) => b.order - a.order || a.createTime - b.createTime).map(renderTag),
  };
}

const listSchema = z.object({ tag_id: z.array(z.string()).optional(), group_id: z.array(z.string()).optional() });
const addSchema = z.object({
  group_id: z.string().optional(),
  group_name: z.string().optional(),
  order: intLike.optional(),
  tag: z.array(z.object({ name: z.string(), order: intLike.optional() })).optional(),
  agentid: intLike.optional(),
});
const editSchema = z.object({ id: z.string().optional(), name: z.string().optional(), order: intLike.optional(), agentid: intLike.optional() });
const delSchema = z.object({ tag_id: z.array(z.string()).optional(), group_id: z.array(z.string()).optional(), agentid: intLike.optional() });
const markSchema = z.object({
  userid: z.string().optional(),
  external_userid: z.string().optional(),
  add_tag: z.array(z.string()).optional(),
  remove_tag: z.array(z.string()).optional(),
});

/** Each member can put ≤ 3000 tags on one customer (D/92697). */
const MAX_TAGS_PER_CUSTOMER = 3000;

export const tagRoutes: ApiRoute[] = [
  post("externalcontact/get_corp_tag_list", ({ world, body }) => {
    const input = parse(listSchema, body);
    const groups = world.tags.allGroups();
    const groupIds = input.group_id ?? [];
    const tagIds = input.tag_id ?? [];
    if (groupIds.length > 0) return { tag_group: groups.filter((g) => groupIds.includes(g.groupId)).map((g) => renderGroup(g)) };
    if (tagIds.length > 0) {
      return {
        tag_group: groups
          .map((g) => ({ g, tags: g.tags.filter((t) => tagIds.includes(t.id)) }))
          .filter((x) => x.tags.length > 0)
          .map((x) => renderGroup(x.g, x.tags)),
      };
    }
    return { tag_group: groups.map((g) => renderGroup(g)) };
  }),

  post("externalcontact/add_corp_tag", ({ world, body }) => {
    const input = parse(addSchema, body);
    if (!input.group_id && !input.group_name) throw new WecomError(ERR.INVALID_PARAMETER, "group_id or group_name is required");
    const { group, tags } = world.tags.add({
      tags: input.tag ?? [],
      ...(input.group_id ? { groupId: input.group_id } : {}),
      ...(input.group_name ? { groupName: input.group_name } : {}),
      ...(input.order !== undefined ? { order: input.order } : {}),
    });
    return { tag_group: renderGroup(group, tags) };
  }),

  post("externalcontact/edit_corp_tag", ({ world, body }) => {
    const input = parse(editSchema, body);
    if (!input.id) throw new WecomError(ERR.INVALID_TAG_ID, "id is required");
    world.tags.edit(input.id, {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.order !== undefined ? { order: input.order } : {}),
    });
    return {};
  }),

  post("externalcontact/del_corp_tag", ({ world, body }) => {
    const input = parse(delSchema, body);
    world.tags.delete(input.tag_id ?? [], input.group_id ?? []);
    return {};
  }),

  post("externalcontact/mark_tag", ({ world, body }) => {
    const input = parse(markSchema, body);
    world.staff.require(input.userid);
    world.customers.require(input.external_userid);
    const rel = world.customers.requireRelation(input.userid ?? "", input.external_userid ?? "");
    const add = input.add_tag ?? [];
    const remove = input.remove_tag ?? [];
    if (add.length === 0 && remove.length === 0) throw new WecomError(ERR.EMPTY_PARAMETER, "add_tag and remove_tag are both empty");
    for (const id of [...add, ...remove]) if (!world.tags.tag(id)) throw new WecomError(ERR.INVALID_TAG_ID, `no corp tag ${id}`);
    const next = new Set(rel.tagIds);
    for (const id of add) next.add(id);
    for (const id of remove) next.delete(id);
    if (next.size > MAX_TAGS_PER_CUSTOMER) {
      throw limitError(ERR.INVALID_PARAMETER, "tags.per-customer-3000", `${next.size} tags on one customer (max ${MAX_TAGS_PER_CUSTOMER})`);
    }
    rel.tagIds = next;
    return {};
  }),
];
