import * as z from "zod";
import { ERR, WecomError } from "../errors.ts";
import type { ContactWay } from "../world/contact-ways.ts";
import { type ApiRoute, intLike, limitOf, page, pageFields, parse, post } from "./route.ts";

/** 「联系我」 contact ways (wecom-reference §2). */
const wayFields = {
  style: intLike.optional(),
  remark: z.string().optional(),
  skip_verify: z.boolean().optional(),
  state: z.string().optional(),
  user: z.array(z.string()).optional(),
  party: z.array(intLike).optional(),
  is_temp: z.boolean().optional(),
  expires_in: intLike.optional(),
  chat_expires_in: intLike.optional(),
  unionid: z.string().optional(),
  conclusions: z.unknown().optional(),
};

const addSchema = z.object({ type: z.unknown().optional(), scene: z.unknown().optional(), ...wayFields });
const updateSchema = z.object({ config_id: z.string().optional(), ...wayFields });
const configIdSchema = z.object({ config_id: z.string().optional() });
const listSchema = z.object({
  start_time: intLike.optional(),
  end_time: intLike.optional(),
  ...pageFields,
});

function render(way: ContactWay) {
  return {
    config_id: way.configId,
    type: way.type,
    scene: way.scene,
    ...(way.style !== undefined ? { style: way.style } : {}),
    remark: way.remark,
    skip_verify: way.skipVerify,
    state: way.state,
    ...(way.qrCode ? { qr_code: way.qrCode } : {}),
    user: way.user,
    party: way.party,
    is_temp: way.isTemp,
    ...(way.isTemp ? { expires_in: way.expiresIn, chat_expires_in: way.chatExpiresIn } : {}),
    ...(way.unionid ? { unionid: way.unionid } : {}),
    ...(way.conclusions !== undefined ? { conclusions: way.conclusions } : {}),
  };
}

export const contactWayRoutes: ApiRoute[] = [
  post("externalcontact/add_contact_way", ({ world, body }) => {
    const input = parse(addSchema, body);
    if (input.type === undefined) throw new WecomError(ERR.CONTACT_WAY_MISSING_TYPE);
    if (input.scene === undefined) throw new WecomError(ERR.CONTACT_WAY_MISSING_SCENE);
    if (input.type !== 1 && input.type !== 2) throw new WecomError(ERR.CONTACT_WAY_INVALID_TYPE, `type ${String(input.type)}`);
    if (input.scene !== 1 && input.scene !== 2) throw new WecomError(ERR.CONTACT_WAY_INVALID_SCENE, `scene ${String(input.scene)}`);
    const way = world.contactWays.add({ ...input, type: input.type, scene: input.scene });
    return { config_id: way.configId, ...(way.qrCode ? { qr_code: way.qrCode } : {}) };
  }),

  post("externalcontact/get_contact_way", ({ world, body }) => {
    const { config_id } = parse(configIdSchema, body);
    return { contact_way: render(world.contactWays.require(config_id)) };
  }),

  post("externalcontact/list_contact_way", ({ world, body }) => {
    const input = parse(listSchema, body);
    const now = world.clock.nowSec();
    const start = input.start_time ?? now - 90 * 86_400;
    const end = input.end_time ?? now;
    const limit = limitOf(input.limit, 100, 1000, "contact-way.list-limit-1000");
    const ways = world.contactWays
      .all()
      .filter((w) => !w.isTemp && w.createdAt / 1000 >= start && w.createdAt / 1000 <= end)
      .sort((a, b) => a.createdAt - b.createdAt);
    const p = page(ways, input.cursor, limit);
    return { contact_way: p.items.map((w) => ({ config_id: w.configId })), next_cursor: p.next_cursor };
  }),

  post("externalcontact/update_contact_way", ({ world, body }) => {
    const { config_id, ...patch } = parse(updateSchema, body);
    world.contactWays.update(config_id, patch);
    return {};
  }),

  post("externalcontact/del_contact_way", ({ world, body }) => {
    const { config_id } = parse(configIdSchema, body);
    world.contactWays.delete(config_id);
    return {};
  }),

  post("externalcontact/close_temp_chat", ({ world, body }) => {
    const input = parse(z.object({ userid: z.string().optional(), external_userid: z.string().optional() }), body);
    world.staff.require(input.userid);
    world.customers.require(input.external_userid);
    world.customers.requireRelation(input.userid ?? "", input.external_userid ?? "");
    return {};
  }),
];
