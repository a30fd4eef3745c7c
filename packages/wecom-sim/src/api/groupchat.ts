import * as z from "zod";
import { ERR, limitError, WecomError } from "../errors.ts";
import type { JoinWay } from "../world/groups.ts";
import { type ApiRoute, intLike, page, pageFields, parse, post } from "./route.ts";

/** Customer groups and join ways (wecom-reference §9). */
const joinWaySchema = z.object({
  config_id: z.string().optional(),
  scene: z.union([z.literal(1), z.literal(2)]).optional(),
  remark: z.string().optional(),
  auto_create_room: z.union([z.literal(0), z.literal(1)]).optional(),
  room_base_name: z.string().optional(),
  room_base_id: intLike.optional(),
  chat_id_list: z.array(z.string()).optional(),
  state: z.string().optional(),
});

const listSchema = z.object({
  status_filter: intLike.optional(),
  owner_filter: z.object({ userid_list: z.array(z.string()).optional() }).optional(),
  ...pageFields,
});

function renderJoinWay(w: JoinWay) {
  return {
    config_id: w.configId,
    scene: w.scene,
    remark: w.remark,
    auto_create_room: w.autoCreateRoom,
    room_base_name: w.roomBaseName,
    room_base_id: w.roomBaseId,
    chat_id_list: w.chatIdList,
    ...(w.qrCode ? { qr_code: w.qrCode } : {}),
    state: w.state,
  };
}

const transferSchema = z.object({ chat_id_list: z.array(z.string()).optional(), new_owner: z.string().optional() });
const templateSchema = z.looseObject({ template_id: z.string().optional(), agentid: intLike.optional(), notify: intLike.optional() });

const transfer = (kind: "onjob" | "resigned") =>
  post(kind === "onjob" ? "externalcontact/groupchat/onjob_transfer" : "externalcontact/groupchat/transfer", ({ world, body }) => {
    const input = parse(transferSchema, body);
    // the change_owner callbacks go out in the background, as WeCom's do
    const { failed } = world.groups.transferOwnership(kind, input.chat_id_list ?? [], input.new_owner);
    return { failed_chat_list: failed };
  });

export const groupChatRoutes: ApiRoute[] = [
  transfer("resigned"),
  transfer("onjob"),

  post("externalcontact/group_welcome_template/add", ({ world, body }) => {
    const { template_id: _t, agentid: _a, notify: _n, ...content } = parse(templateSchema, body);
    return { template_id: world.groupWelcome.add(content).templateId };
  }),
  post("externalcontact/group_welcome_template/edit", ({ world, body }) => {
    const { template_id, agentid: _a, notify: _n, ...content } = parse(templateSchema, body);
    world.groupWelcome.edit(template_id, content);
    return {};
  }),
  post("externalcontact/group_welcome_template/get", ({ world, body }) => world.groupWelcome.get(parse(templateSchema, body).template_id).content),
  post("externalcontact/group_welcome_template/del", ({ world, body }) => {
    world.groupWelcome.delete(parse(templateSchema, body).template_id);
    return {};
  }),

  post("externalcontact/groupchat/add_join_way", ({ world, body }) => {
    const { config_id: _ignored, scene, ...input } = parse(joinWaySchema, body);
    if (scene === undefined) throw new WecomError(ERR.EMPTY_PARAMETER, "scene is required");
    return { config_id: world.groups.addJoinWay({ scene, ...input }).configId };
  }),

  post("externalcontact/groupchat/get_join_way", ({ world, body }) => {
    const { config_id } = parse(joinWaySchema, body);
    return { join_way: renderJoinWay(world.groups.getJoinWay(config_id)) };
  }),

  post("externalcontact/groupchat/update_join_way", ({ world, body }) => {
    const { config_id, scene, ...input } = parse(joinWaySchema, body);
    if (scene === undefined) throw new WecomError(ERR.EMPTY_PARAMETER, "scene is required (update_join_way is a full overwrite)");
    world.groups.updateJoinWay(config_id, { scene, ...input });
    return {};
  }),

  post("externalcontact/groupchat/del_join_way", ({ world, body }) => {
    world.groups.deleteJoinWay(parse(joinWaySchema, body).config_id);
    return {};
  }),

  post("externalcontact/groupchat/list", ({ world, body }) => {
    const input = parse(listSchema, body);
    const owners = input.owner_filter?.userid_list ?? [];
    if (owners.length > 100) throw limitError(ERR.INVALID_PARAMETER, "groupchat.list-max-100-owners", `${owners.length} owners (max 100)`);
    if (input.limit === undefined || input.limit < 1 || input.limit > 1000) {
      throw limitError(ERR.INVALID_PARAMETER, "groupchat.list-limit-1-1000", `limit must be 1-1000, got ${String(input.limit)}`);
    }
    if (owners.length === 0 && world.staff.all().length > 1000) {
      throw limitError(ERR.TOO_MANY_ITEMS, "groupchat.list-owner-filter", "visible range above 1000 members needs owner_filter");
    }
    const statusOf = (owner: string) => (world.staff.get(owner)?.status === "resigned" ? 1 : 0);
    const statusFilter = input.status_filter ?? 0;
    const rows = world.groups
      .all()
      .filter((g) => !g.dismissed && (owners.length === 0 || owners.includes(g.owner)))
      .filter((g) => statusFilter === 0 || statusOf(g.owner) === statusFilter)
      .sort((a, b) => a.createTime - b.createTime);
    const p = page(rows, input.cursor, input.limit);
    return { group_chat_list: p.items.map((g) => ({ chat_id: g.chatId, status: statusOf(g.owner) })), next_cursor: p.next_cursor };
  }),

  post("externalcontact/groupchat/get", ({ world, body }) => {
    const input = parse(z.object({ chat_id: z.string().optional(), need_name: intLike.optional() }), body);
    const g = world.groups.require(input.chat_id);
    if (g.dismissed) throw new WecomError(49008, "the group was dismissed");
    return {
      group_chat: {
        chat_id: g.chatId,
        name: g.name,
        owner: g.owner,
        create_time: g.createTime,
        notice: g.notice,
        member_list: [...g.members.values()].map((m) => ({
          userid: m.userid,
          type: m.type,
          ...(m.unionid ? { unionid: m.unionid } : {}),
          join_time: m.joinTime,
          join_scene: m.joinScene,
          ...(m.invitor ? { invitor: { userid: m.invitor } } : {}),
          group_nickname: m.groupNickname,
          ...(input.need_name === 1 ? { name: m.name } : {}),
          ...(m.state ? { state: m.state } : {}),
        })),
        admin_list: g.admins.map((userid) => ({ userid })),
        member_version: g.memberVersion,
      },
    };
  }),
];
