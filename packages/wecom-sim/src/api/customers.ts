import * as z from "zod";
import { ERR, limitError, WecomError } from "../errors.ts";
import type { Customer, FollowRelation } from "../world/customers.ts";
import type { SimWorld } from "../world/world.ts";
import { type ApiRoute, get, limitOf, page, pageFields, parse, post } from "./route.ts";

/** Customer details (wecom-reference §5). */
function renderCustomer(c: Customer) {
  return {
    external_userid: c.externalUserId,
    name: c.name,
    avatar: c.avatar,
    type: c.type,
    gender: c.gender,
    ...(c.unionId ? { unionid: c.unionId } : {}),
  };
}

function relationBase(r: FollowRelation) {
  return {
    userid: r.userid,
    remark: r.remark,
    description: r.description,
    createtime: Math.floor(r.createdAt / 1000),
  };
}

function relationTail(r: FollowRelation) {
  return {
    remark_corp_name: "",
    remark_mobiles: [] as string[],
    oper_userid: r.operUserid,
    add_way: r.addWay,
    ...(r.state ? { state: r.state } : {}),
  };
}

function renderFollowUser(world: SimWorld, r: FollowRelation) {
  const tags = [...r.tagIds].flatMap((id) => {
    const tag = world.tags.tag(id);
    const group = tag ? world.tags.group(tag.groupId) : undefined;
    return tag && group ? [{ group_name: group.groupName, tag_name: tag.name, tag_id: tag.id, type: 1 }] : [];
  });
  return { ...relationBase(r), tags, ...relationTail(r) };
}

function renderFollowInfo(r: FollowRelation) {
  return { ...relationBase(r), tag_id: [...r.tagIds], ...relationTail(r) };
}

const batchSchema = z.object({
  userid_list: z.array(z.string()).optional(),
  userid: z.string().optional(),
  ...pageFields,
});

const remarkSchema = z.object({
  userid: z.string().optional(),
  external_userid: z.string().optional(),
  remark: z.string().optional(),
  description: z.string().optional(),
  remark_company: z.string().optional(),
  remark_mobiles: z.array(z.string()).optional(),
  remark_pic_mediaid: z.string().optional(),
});

export const customerRoutes: ApiRoute[] = [
  get("externalcontact/get_follow_user_list", ({ world }) => ({ follow_user: world.staff.active().map((s) => s.userid) })),

  get("externalcontact/list", ({ world, query }) => {
    const staff = world.staff.require(query.get("userid") ?? undefined);
    const ids = world.customers.customersOf(staff.userid).map((r) => r.externalUserId);
    if (ids.length === 0) throw new WecomError(ERR.NOT_EXTERNAL_CONTACT, `${staff.userid} has no external contacts`);
    return { external_userid: ids };
  }),

  get("externalcontact/get", ({ world, query }) => {
    const customer = world.customers.require(query.get("external_userid") ?? undefined);
    const relations = world.customers.relationsOf(customer.externalUserId);
    if (relations.length === 0) throw new WecomError(ERR.NOT_EXTERNAL_CONTACT, `${customer.externalUserId} has no follow user`);
    // follow_user pages at 500 (D/96315).
    const p = page(relations, query.get("cursor") ?? undefined, 500);
    return {
      external_contact: renderCustomer(customer),
      follow_user: p.items.map((r) => renderFollowUser(world, r)),
      ...(p.next_cursor ? { next_cursor: p.next_cursor } : {}),
    };
  }),

  post("externalcontact/batch/get_by_user", ({ world, body }) => {
    const input = parse(batchSchema, body);
    const users = input.userid_list ?? (input.userid ? [input.userid] : []);
    if (users.length === 0) throw new WecomError(ERR.MISSING_USERID, "userid_list is empty");
    if (users.length > 100) {
      throw limitError(ERR.INVALID_USERID_LIST_LENGTH, "batch-get-by-user.max-100-users", `${users.length} userids (max 100)`, {
        count: users.length,
      });
    }
    const limit = limitOf(input.limit, 50, 100, "batch-get-by-user.limit-100");
    for (const u of users) world.staff.require(u);
    const rows = users.flatMap((u) => world.customers.customersOf(u));
    const p = page(rows, input.cursor, limit);
    return {
      external_contact_list: p.items.map((r) => ({
        external_contact: renderCustomer(world.customers.get(r.externalUserId) as Customer),
        follow_info: renderFollowInfo(r),
      })),
      next_cursor: p.next_cursor,
    };
  }),

  post("externalcontact/remark", ({ world, body }) => {
    const input = parse(remarkSchema, body);
    world.staff.require(input.userid);
    world.customers.require(input.external_userid);
    const rel = world.customers.requireRelation(input.userid ?? "", input.external_userid ?? "");
    const limits: [string | undefined, number, string][] = [
      [input.remark, 20, "remark"],
      [input.description, 150, "description"],
      [input.remark_company, 20, "remark_company"],
    ];
    for (const [v, max, name] of limits) {
      if (v !== undefined && [...v].length > max) throw new WecomError(ERR.INVALID_PARAMETER, `${name} is longer than ${max} chars`);
    }
    if (input.remark !== undefined) rel.remark = input.remark;
    if (input.description !== undefined) rel.description = input.description;
    return {};
  }),
];
