import * as z from "zod";
import { ERR, limitError, WecomError } from "../errors.ts";
import { type ApiRoute, attachmentsSchema, intLike, limitOf, page, pageFields, parse, post, textSchema } from "./route.ts";

/** Mass messages (客户群发), wecom-reference §7. */
const addSchema = z.object({
  chat_type: z.enum(["single", "group"]).optional(),
  external_userid: z.array(z.string()).optional(),
  chat_id_list: z.array(z.string()).optional(),
  tag_filter: z.object({ group_list: z.array(z.object({ tag_list: z.array(z.string()).optional() })).optional() }).optional(),
  sender: z.string().optional(),
  allow_select: z.boolean().optional(),
  text: textSchema,
  attachments: attachmentsSchema,
});

const listSchema = z.object({
  chat_type: z.enum(["single", "group"]).optional(),
  start_time: intLike.optional(),
  end_time: intLike.optional(),
  creator: z.string().optional(),
  filter_type: intLike.optional(),
  ...pageFields,
});

const taskSchema = z.object({ msgid: z.string().optional(), ...pageFields });
const resultSchema = z.object({ msgid: z.string().optional(), userid: z.string().optional(), ...pageFields });
const msgidSchema = z.object({ msgid: z.string().optional() });

/** get_groupmsg_list_v2: the range may span at most one month. */
const MAX_LIST_SPAN_SECONDS = 31 * 86_400;

export const massMessageRoutes: ApiRoute[] = [
  post("externalcontact/add_msg_template", ({ world, body }) => {
    const input = parse(addSchema, body);
    const { msgid, failList } = world.mass.create(input);
    return { fail_list: failList, msgid };
  }),

  post("externalcontact/get_groupmsg_list_v2", ({ world, body }) => {
    const input = parse(listSchema, body);
    if (!input.chat_type) throw new WecomError(ERR.EMPTY_PARAMETER, "chat_type is required");
    if (input.start_time === undefined || input.end_time === undefined) throw new WecomError(ERR.EMPTY_PARAMETER, "start_time and end_time are required");
    if (input.end_time - input.start_time > MAX_LIST_SPAN_SECONDS) {
      throw limitError(ERR.INVALID_PARAMETER, "mass.list-span-1-month", "start_time..end_time spans more than one month", {
        start_time: input.start_time,
        end_time: input.end_time,
      });
    }
    const limit = limitOf(input.limit, 50, 100, "mass.list-limit-100");
    const filterType = input.filter_type ?? 2;
    const rows = world.mass
      .all()
      .filter((m) => m.chatType === input.chat_type && m.createTime >= (input.start_time ?? 0) && m.createTime <= (input.end_time ?? 0))
      .filter((m) => filterType === 2 || m.createType === filterType)
      .filter((m) => !input.creator || m.creator === input.creator)
      .sort((a, b) => a.createTime - b.createTime);
    const p = page(rows, input.cursor, limit);
    return {
      group_msg_list: p.items.map((m) => ({
        msgid: m.msgid,
        ...(m.creator ? { creator: m.creator } : {}),
        create_time: String(m.createTime),
        create_type: m.createType,
        ...(m.text !== undefined ? { text: { content: m.text } } : {}),
        attachments: m.attachments,
      })),
      next_cursor: p.next_cursor,
    };
  }),

  post("externalcontact/get_groupmsg_task", ({ world, body }) => {
    const input = parse(taskSchema, body);
    const message = world.mass.require(input.msgid);
    const limit = limitOf(input.limit, 500, 1000, "mass.task-limit-1000");
    const p = page([...message.tasks.values()], input.cursor, limit);
    return {
      task_list: p.items.map((t) => ({
        userid: t.userid,
        status: t.status,
        ...(t.sendTime !== undefined ? { send_time: Math.floor(t.sendTime / 1000) } : {}),
      })),
      next_cursor: p.next_cursor,
    };
  }),

  post("externalcontact/get_groupmsg_send_result", ({ world, body }) => {
    const input = parse(resultSchema, body);
    const message = world.mass.require(input.msgid);
    if (!input.userid) throw new WecomError(ERR.MISSING_USERID);
    const limit = limitOf(input.limit, 500, 1000, "mass.send-result-limit-1000");
    const task = message.tasks.get(input.userid);
    let targets = task ? [...task.targets.values()] : [];
    // group sends list only the rows that were sent
    if (message.chatType === "group") targets = targets.filter((t) => t.status === 1);
    const p = page(targets, input.cursor, limit);
    return {
      send_list: p.items.map((t) => ({
        ...(message.chatType === "group" ? { chat_id: t.id } : { external_userid: t.id }),
        userid: input.userid,
        status: t.status,
        ...(t.sendTime !== undefined ? { send_time: Math.floor(t.sendTime / 1000) } : {}),
      })),
      next_cursor: p.next_cursor,
    };
  }),

  post("externalcontact/remind_groupmsg_send", ({ world, body }) => {
    world.mass.remind(parse(msgidSchema, body).msgid);
    return {};
  }),

  post("externalcontact/cancel_groupmsg_send", ({ world, body }) => {
    world.mass.cancel(parse(msgidSchema, body).msgid);
    return {};
  }),
];
