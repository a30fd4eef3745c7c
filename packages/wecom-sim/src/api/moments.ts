import * as z from "zod";
import { ERR, limitError, WecomError } from "../errors.ts";
import type { Moment } from "../world/moments.ts";
import type { SimWorld } from "../world/world.ts";
import { type ApiRoute, get, intLike, limitOf, page, pageFields, parse, post, textSchema } from "./route.ts";

/** Customer moments (客户朋友圈), wecom-reference §8. */
const attachment = z.object({
  msgtype: z.string(),
  image: z.object({ media_id: z.string().optional() }).optional(),
  video: z.object({ media_id: z.string().optional() }).optional(),
  link: z.object({ title: z.string().optional(), url: z.string().optional(), media_id: z.string().optional() }).optional(),
});

const addSchema = z.object({
  text: textSchema,
  attachments: z.array(attachment).optional(),
  visible_range: z
    .object({
      sender_list: z.object({ user_list: z.array(z.string()).optional(), department_list: z.array(intLike).optional() }).optional(),
      external_contact_list: z.object({ tag_list: z.array(z.string()).optional() }).optional(),
    })
    .optional(),
});

const listSchema = z.object({
  start_time: intLike.optional(),
  end_time: intLike.optional(),
  creator: z.string().optional(),
  filter_type: intLike.optional(),
  ...pageFields,
});

const momentPage = z.object({ moment_id: z.string().optional(), userid: z.string().optional(), ...pageFields });

/** The member's task in a moment, or 41009 (no userid) / 41061 (the member is not one of its senders). */
function senderTask(world: SimWorld, input: z.infer<typeof momentPage>) {
  const moment = world.moments.require(input.moment_id);
  if (!input.userid) throw new WecomError(ERR.MISSING_USERID);
  const task = moment.tasks.get(input.userid);
  if (!task) throw new WecomError(41061, `moment ${moment.momentId} is not sent by ${input.userid}`);
  return { moment, task };
}

const MAX_LIST_SPAN_SECONDS = 30 * 86_400;

function renderMoment(m: Moment) {
  const images = m.attachments.filter((a) => a.msgtype === "image").map((a) => ({ media_id: a.image?.media_id ?? "" }));
  const video = m.attachments.find((a) => a.msgtype === "video");
  const link = m.attachments.find((a) => a.msgtype === "link");
  return {
    moment_id: m.momentId,
    ...(m.creator ? { creator: m.creator } : {}),
    create_time: String(m.createTime),
    create_type: m.createType,
    visible_type: m.visibleType,
    text: { content: m.text ?? "" },
    ...(images.length > 0 ? { image: images } : {}),
    ...(video ? { video: { media_id: video.video?.media_id ?? "", thumb_media_id: "" } } : {}),
    ...(link ? { link: { title: link.link?.title ?? "", url: link.link?.url ?? "" } } : {}),
  };
}

export const momentRoutes: ApiRoute[] = [
  post("externalcontact/add_moment_task", ({ world, body }) => {
    const input = parse(addSchema, body);
    return { jobid: world.moments.addTask(input) };
  }),

  get("externalcontact/get_moment_task_result", ({ world, query }) => {
    const { status, job } = world.moments.result(query.get("jobid"));
    return {
      status,
      type: "add_moment_task",
      ...(status === 3
        ? {
            result: {
              errcode: 0,
              errmsg: "ok",
              moment_id: job.momentId,
              invalid_sender_list: { user_list: job.invalidSenders, department_list: [] },
              invalid_external_contact_list: { tag_list: job.invalidTags },
            },
          }
        : {}),
    };
  }),

  post("externalcontact/get_moment_list", ({ world, body }) => {
    const input = parse(listSchema, body);
    world.moments.settle();
    if (input.start_time === undefined || input.end_time === undefined) throw new WecomError(ERR.EMPTY_PARAMETER, "start_time and end_time are required");
    if (input.end_time - input.start_time > MAX_LIST_SPAN_SECONDS) {
      throw limitError(ERR.INVALID_PARAMETER, "moment.list-span-30-days", "start_time..end_time spans more than 30 days");
    }
    const limit = limitOf(input.limit, 20, 20, "moment.list-limit-20");
    const filterType = input.filter_type ?? 2;
    const rows = world.moments
      .all()
      .filter((m) => m.createTime >= (input.start_time ?? 0) && m.createTime <= (input.end_time ?? 0))
      .filter((m) => filterType === 2 || m.createType === filterType)
      .filter((m) => !input.creator || m.creator === input.creator)
      .sort((a, b) => a.createTime - b.createTime);
    const p = page(rows, input.cursor, limit);
    return { next_cursor: p.next_cursor, moment_list: p.items.map(renderMoment) };
  }),

  post("externalcontact/get_moment_task", ({ world, body }) => {
    const input = parse(momentPage, body);
    const moment = world.moments.require(input.moment_id);
    const limit = limitOf(input.limit, 500, 1000, "moment.task-limit-1000");
    const p = page([...moment.tasks.values()], input.cursor, limit);
    return { next_cursor: p.next_cursor, task_list: p.items.map((t) => ({ userid: t.userid, publish_status: t.publishStatus })) };
  }),

  post("externalcontact/get_moment_customer_list", ({ world, body }) => {
    const input = parse(momentPage, body);
    const { task } = senderTask(world, input);
    const limit = limitOf(input.limit, 500, 1000, "moment.customer-list-limit-1000");
    const p = page(task.visibleCustomers, input.cursor, limit);
    return { next_cursor: p.next_cursor, customer_list: p.items.map((ext) => ({ userid: task.userid, external_userid: ext })) };
  }),

  post("externalcontact/get_moment_send_result", ({ world, body }) => {
    const input = parse(momentPage, body);
    const { task } = senderTask(world, input);
    if (task.publishStatus !== 1) throw new WecomError(41062, `${input.userid} has not published the moment yet`);
    const limit = limitOf(input.limit, 3000, 5000, "moment.send-result-limit-5000");
    const p = page(task.visibleCustomers, input.cursor, limit);
    return { next_cursor: p.next_cursor, customer_list: p.items.map((ext) => ({ external_userid: ext })) };
  }),

  post("externalcontact/get_moment_comments", ({ world, body }) => {
    const input = parse(momentPage, body);
    const { moment } = senderTask(world, input);
    const mine = moment.interactions.filter((i) => i.userid === input.userid);
    return {
      comment_list: mine
        .filter((i) => i.kind === "comment")
        .map((i) => ({ external_userid: i.externalUserId, create_time: i.createTime, comment_id: i.commentId })),
      like_list: mine.filter((i) => i.kind === "like").map((i) => ({ external_userid: i.externalUserId, create_time: i.createTime })),
    };
  }),

  post("externalcontact/cancel_moment_task", ({ world, body }) => {
    world.moments.cancel(parse(z.object({ moment_id: z.string().optional() }), body).moment_id);
    return {};
  }),
];
