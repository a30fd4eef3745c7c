import { corpDay } from "@siyu/kernel";
import { ERR, limitError, SimError, WecomError } from "../errors.ts";
import { memberTask, Table } from "./rows.ts";
import type { SimWorld } from "./world.ts";

/**
 * Customer moments (客户朋友圈), wecom-reference §8. `add_moment_task` is asynchronous: it returns a
 * jobid; the moment exists once the job is done. Each listed sender gets a publish task and must
 * publish in the client (`POST /_sim/staff-publish-moment`).
 */
interface MomentJob {
  jobid: string;
  createdAt: number;
  polls: number;
  momentId?: string;
  invalidSenders: string[];
  invalidTags: string[];
  input: MomentInput;
}

export interface MomentTask {
  userid: string;
  publishStatus: 0 | 1;
  publishedAt?: number;
  cancelled: boolean;
  /** Customers of this sender who may see the post. */
  visibleCustomers: string[];
}

export interface MomentInteraction {
  kind: "like" | "comment";
  userid: string;
  externalUserId: string;
  createTime: number;
  commentId?: string;
  content?: string;
}

export interface Moment {
  momentId: string;
  creator?: string;
  createTime: number;
  createType: 0 | 1;
  /** 0 = partially visible (tag-filtered), 1 = public. */
  visibleType: 0 | 1;
  text?: string;
  attachments: MomentAttachment[];
  tasks: Map<string, MomentTask>;
  interactions: MomentInteraction[];
}

export interface MomentAttachment {
  msgtype: string;
  image?: { media_id?: string };
  video?: { media_id?: string };
  link?: { title?: string; url?: string; media_id?: string };
}

interface MomentInput {
  text?: { content?: string | undefined } | undefined;
  attachments?: MomentAttachment[] | undefined;
  visible_range?:
    | {
        sender_list?: { user_list?: string[] | undefined; department_list?: number[] | undefined } | undefined;
        external_contact_list?: { tag_list?: string[] | undefined } | undefined;
      }
    | undefined;
}

const MOMENT_TASKS_PER_MINUTE = 10;
/** Seed 001: a member may post ≤ 3 moments a day. */
const MOMENT_POSTS_PER_STAFF_PER_DAY = 3;
const JOB_TTL_MS = 86_400_000;

export class Moments extends Table<Moment> {
  private readonly jobs = new Map<string, MomentJob>();
  /** Creation times of add_moment_task calls, for the 10-per-minute rule. */
  private readonly taskTimes: number[] = [];
  constructor(private readonly w: SimWorld) {
    super("moment_id", "moment");
  }

  addTask(input: MomentInput): string {
    const now = this.w.clock.nowMs();
    const recent = this.taskTimes.filter((t) => now - t < 60_000);
    if (recent.length >= MOMENT_TASKS_PER_MINUTE) {
      throw limitError(ERR.API_OVER_LIMIT, "moment.tasks-10-per-minute", `${recent.length} moment tasks in the last minute (max ${MOMENT_TASKS_PER_MINUTE})`, {
        inLastMinute: recent.length,
      });
    }
    const text = input.text?.content;
    const attachments = input.attachments ?? [];
    if (!text && attachments.length === 0) throw new WecomError(ERR.EMPTY_TEXT, "text and attachments are both empty");
    if (text && Buffer.byteLength(text, "utf8") > 4000) {
      throw limitError(ERR.INVALID_PARAMETER, "moment.text-4000-bytes", `text is ${Buffer.byteLength(text, "utf8")} bytes (max 4000)`);
    }
    const types = new Set(attachments.map((a) => a.msgtype));
    for (const t of types) if (!["image", "video", "link"].includes(t)) throw new WecomError(ERR.INVALID_ATTACHMENT_TYPE, `attachment type ${t}`);
    if (types.size > 1) {
      throw limitError(ERR.INVALID_ATTACHMENT_TYPE, "moment.one-attachment-type", "attachments must be all images, one video or one link");
    }
    const kind = [...types][0];
    const max = kind === "image" ? 9 : 1;
    if (attachments.length > max) {
      throw limitError(ERR.INVALID_PARAMETER, "moment.attachment-count", `${attachments.length} ${kind} attachments (max ${max})`);
    }
    this.checkMedia(attachments);
    this.taskTimes.push(now);
    const jobid = this.w.ids.jobId();
    this.jobs.set(jobid, { jobid, createdAt: now, polls: 0, invalidSenders: [], invalidTags: [], input });
    return jobid;
  }

  /** Images, a video and a link's cover must be media uploaded for moments (`media/upload_attachment`, attachment_type 1) within 3 days. */
  private checkMedia(attachments: readonly MomentAttachment[]): void {
    for (const [i, a] of attachments.entries()) {
      const field = `attachments[${i}].${a.msgtype}.media_id`;
      if (a.msgtype === "link") {
        if (a.link?.media_id) this.w.media.forMoment(a.link.media_id, "image", field);
        continue;
      }
      const id = a.msgtype === "image" ? a.image?.media_id : a.video?.media_id;
      if (!id) throw new WecomError(ERR.INVALID_PARAMETER, `invalid msg: ${field} is empty`);
      this.w.media.forMoment(id, a.msgtype === "image" ? "image" : "video", field);
    }
  }

  /**
   * get_moment_task_result. The job finishes once `momentJobDelayMs` of sim time has passed or on
   * the second poll, so a frozen test clock still converges.
   */
  result(jobid: string | null): { status: 1 | 2 | 3; job: MomentJob } {
    if (!jobid) throw new WecomError(ERR.EMPTY_PARAMETER, "jobid is empty");
    const job = this.jobs.get(jobid);
    const now = this.w.clock.nowMs();
    if (!job || now - job.createdAt > JOB_TTL_MS) throw new WecomError(ERR.JOBID_NOT_FOUND, `jobid ${jobid} not found or expired`);
    job.polls++;
    if (!job.momentId && (now - job.createdAt >= this.w.config.momentJobDelayMs || job.polls >= 2)) this.finish(job);
    return { status: job.momentId ? 3 : 2, job };
  }

  /**
   * WeCom finishes a job on its own, polled or not: every job whose delay has passed is done before a
   * read of the moments (get_moment_list), so a caller that lost a jobid still finds its moment.
   */
  settle(): void {
    const now = this.w.clock.nowMs();
    for (const job of this.jobs.values()) if (!job.momentId && now - job.createdAt >= this.w.config.momentJobDelayMs && now - job.createdAt <= JOB_TTL_MS) this.finish(job);
  }

  private finish(job: MomentJob): void {
    const range = job.input.visible_range;
    const userList = range?.sender_list?.user_list ?? [];
    const departments = range?.sender_list?.department_list ?? [];
    const tagList = range?.external_contact_list?.tag_list ?? [];
    job.invalidSenders = userList.filter((u) => this.w.staff.get(u)?.status !== "active");
    job.invalidTags = tagList.filter((t) => !this.w.tags.tag(t));
    const tags = tagList.filter((t) => this.w.tags.tag(t));
    const senders = new Set<string>(userList.filter((u) => !job.invalidSenders.includes(u)));
    for (const s of this.w.staff.inDepartments(departments)) senders.add(s.userid);
    const tagged = (tagIds: Set<string>) => tags.length === 0 || tags.some((t) => tagIds.has(t));
    if (userList.length === 0 && departments.length === 0) {
      if (tags.length > 0) {
        // tags only: pushed to the follow users of the tagged customers
        for (const r of this.w.customers.allRelations()) if (tagged(r.tagIds)) senders.add(r.userid);
      } else {
        for (const s of this.w.staff.active()) senders.add(s.userid);
      }
    }
    const moment: Moment = {
      momentId: this.w.ids.momentId(),
      // dated when WeCom finished the job (its delay after the call), not when someone next looked
      createTime: Math.floor(Math.min(this.w.clock.nowMs(), job.createdAt + this.w.config.momentJobDelayMs) / 1000),
      createType: 0,
      visibleType: tagList.length > 0 ? 0 : 1,
      attachments: job.input.attachments ?? [],
      tasks: new Map(),
      interactions: [],
      ...(job.input.text?.content ? { text: job.input.text.content } : {}),
    };
    for (const userid of senders) {
      const visible = this.w.customers
        .customersOf(userid)
        .filter((r) => !r.customerDeleted && tagged(r.tagIds))
        .map((r) => r.externalUserId);
      moment.tasks.set(userid, { userid, publishStatus: 0, cancelled: false, visibleCustomers: visible });
    }
    this.byId.set(moment.momentId, moment);
    job.momentId = moment.momentId;
  }

  /** The member publishes the task in the client. WeCom lets a member post ≤ 3 moments a day. */
  publish(momentId: string, userid: string): MomentTask {
    const moment = this.requireForSim(momentId);
    const task = memberTask(moment.tasks, userid, momentId, "moment task");
    if (task.publishStatus === 1) throw new SimError(409, "already published");
    const now = this.w.clock.nowMs();
    const today = corpDay(new Date(now), this.w.config.timeZone);
    const postedToday = this.all().filter((m) => {
      const t = m.tasks.get(userid);
      return t?.publishedAt !== undefined && corpDay(new Date(t.publishedAt), this.w.config.timeZone) === today;
    }).length;
    if (postedToday >= MOMENT_POSTS_PER_STAFF_PER_DAY) {
      throw limitError(ERR.API_OVER_LIMIT, "moment.posts-3-per-staff-per-day", `${userid} already posted ${postedToday} moments today`, {
        userid,
        momentId,
      });
    }
    task.publishStatus = 1;
    task.publishedAt = now;
    return task;
  }

  interact(momentId: string, userid: string, externalUserId: string, kind: "like" | "comment", content?: string): MomentInteraction {
    const moment = this.requireForSim(momentId);
    const task = moment.tasks.get(userid);
    if (task?.publishStatus !== 1) throw new SimError(409, `${userid} has not published ${momentId}`);
    if (!task.visibleCustomers.includes(externalUserId)) throw new SimError(409, `${externalUserId} cannot see ${userid}'s post`);
    const interaction: MomentInteraction = {
      kind,
      userid,
      externalUserId,
      createTime: this.w.clock.nowSec(),
      ...(kind === "comment" ? { commentId: this.w.ids.chars(16), content: content ?? "" } : {}),
    };
    moment.interactions.push(interaction);
    return interaction;
  }

  /**
   * cancel_moment_task. A jobid is no moment_id: passing one (the moment is not known yet) is the
   * bug wecom-services §B2 found in MG, so it is recorded, not only refused.
   */
  cancel(momentId: string | undefined): void {
    if (momentId && this.jobs.has(momentId)) {
      throw limitError(ERR.INVALID_MOMENT_ID, "moment.cancel-needs-moment-id", `${momentId} is a jobid, not a moment_id (get_moment_task_result gives the moment_id)`, {
        jobid: momentId,
      });
    }
    const moment = this.require(momentId);
    for (const t of moment.tasks.values()) if (t.publishStatus === 0) t.cancelled = true;
  }
}
