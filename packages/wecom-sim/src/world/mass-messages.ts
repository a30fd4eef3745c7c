import { ERR, limitError, SimError, WecomError } from "../errors.ts";
import { frequencyWindow } from "./frequency.ts";
import { memberTask, Table } from "./rows.ts";
import type { SimWorld } from "./world.ts";

/**
 * Mass messages (客户群发), wecom-reference §7. `add_msg_template` sends nothing: it creates one task
 * per sender; the member confirms in the client (`POST /_sim/staff-confirm-broadcast`) and only then
 * are customers (or groups) delivered to — except those already at the receive-frequency cap, who
 * get status 3 and nothing. A member's own mass message (`create_type` 1,
 * `POST /_sim/staff-personal-broadcast`) is created already sent, under the same frequency rule.
 */
type SendStatus = 0 | 1 | 2 | 3;

interface MassTarget {
  /** external_userid (single) or chat_id (group). */
  id: string;
  status: SendStatus;
  sendTime?: number;
}

interface MassTask {
  userid: string;
  /** 0 unsent, 2 sent. */
  status: 0 | 2;
  sendTime?: number;
  cancelled: boolean;
  targets: Map<string, MassTarget>;
}

interface MassMessage {
  msgid: string;
  chatType: "single" | "group";
  createTime: number;
  /** 0 = created by the corp (API), 1 = by a member. */
  createType: 0 | 1;
  creator?: string;
  text?: string;
  attachments: unknown[];
  allowSelect: boolean;
  tasks: Map<string, MassTask>;
  reminders: number[];
}

/** What a send did to each receiver. */
interface Delivery {
  sent: string[];
  capped: string[];
  notFriend: string[];
}

interface MassMessageInput {
  chat_type?: "single" | "group" | undefined;
  external_userid?: string[] | undefined;
  chat_id_list?: string[] | undefined;
  tag_filter?: { group_list?: { tag_list?: string[] | undefined }[] | undefined } | undefined;
  sender?: string | undefined;
  allow_select?: boolean | undefined;
  text?: { content?: string | undefined } | undefined;
  attachments?: unknown[] | undefined;
}

const MAX_MASS_CUSTOMERS = 10_000;
const MAX_MASS_CHATS = 2000;
const MAX_TAGS_PER_FILTER_GROUP = 100;
const MAX_REMINDERS_PER_DAY = 3;
const DAY_MS = 86_400_000;
const API_ADD = "externalcontact/add_msg_template";

export class MassMessages extends Table<MassMessage> {
  /** Delivery times per receiver (customer or chat), for the frequency rule. */
  private readonly received = new Map<string, number[]>();
  /** (msgid, receiver) pairs already reported, so one over-cap receiver is one violation. */
  private readonly reported = new Set<string>();
  constructor(private readonly w: SimWorld) {
    super("msgid", "mass message");
  }

  /** How many mass messages the receiver got in the current period, and the cap. */
  receivedNow(receiverId: string): { count: number; cap: number; period: string } {
    const cfg = this.w.config;
    const now = frequencyWindow(cfg.receiveFrequency, this.w.clock.nowMs(), cfg.timeZone);
    const times = this.received.get(receiverId) ?? [];
    const count = times.filter((t) => frequencyWindow(cfg.receiveFrequency, t, cfg.timeZone).key === now.key).length;
    return { count, cap: now.cap, period: `${now.frequency}:${now.key}` };
  }

  private reportCap(api: string, msgid: string, receiverId: string, kind: "customer" | "group", info: { count: number; cap: number; period: string }) {
    const k = `${msgid}\u0000${receiverId}`;
    if (this.reported.has(k)) return;
    this.reported.add(k);
    this.w.violations.record(api, ERR.NO_SENDABLE_CUSTOMER, "mass.receive-frequency", {
      message: `${kind} ${receiverId} already received ${info.count} mass messages this period (cap ${info.cap} per ${this.w.config.receiveFrequency})`,
      msgid,
      [kind === "customer" ? "externalUserId" : "chatId"]: receiverId,
      received: info.count,
      cap: info.cap,
      period: info.period,
    });
  }

  create(input: MassMessageInput): { msgid: string; failList: string[] } {
    const chatType = input.chat_type ?? "single";
    const text = input.text?.content;
    const attachments = input.attachments ?? [];
    if (!text && attachments.length === 0) throw new WecomError(ERR.EMPTY_TEXT, "text and attachments are both empty");
    if (text && Buffer.byteLength(text, "utf8") > 4000) {
      throw limitError(ERR.INVALID_PARAMETER, "mass.text-4000-bytes", `text is ${Buffer.byteLength(text, "utf8")} bytes (max 4000)`);
    }
    if (attachments.length > 9) throw limitError(ERR.INVALID_PARAMETER, "mass.max-9-attachments", `${attachments.length} attachments (max 9)`);

    const assignments = new Map<string, string[]>(); // sender → receivers
    const failList: string[] = [];
    const assign = (sender: string, receiver: string) => {
      const list = assignments.get(sender) ?? [];
      list.push(receiver);
      assignments.set(sender, list);
    };

    if (chatType === "group") {
      if (!input.sender) throw new WecomError(ERR.MISSING_USERID, "sender is required for chat_type=group");
      this.w.staff.require(input.sender);
      const ids = input.chat_id_list ?? [];
      if (ids.length > MAX_MASS_CHATS) {
        throw limitError(ERR.INVALID_PARAMETER, "mass.max-2000-chats", `${ids.length} chat ids (max ${MAX_MASS_CHATS})`);
      }
      const owned = this.w.groups.ownedBy(input.sender).map((g) => g.chatId);
      const chosen = ids.length > 0 ? ids : owned;
      for (const chatId of chosen) {
        if (owned.includes(chatId)) assign(input.sender, chatId);
        else failList.push(chatId);
      }
    } else {
      const ids = input.external_userid ?? [];
      if (ids.length > MAX_MASS_CUSTOMERS) {
        throw limitError(ERR.INVALID_PARAMETER, "mass.max-10000-customers", `${ids.length} external_userid (max ${MAX_MASS_CUSTOMERS})`);
      }
      if (ids.length === 0 && !input.sender) throw new WecomError(ERR.INVALID_PARAMETER, "external_userid and sender cannot both be empty");
      if (input.sender) this.w.staff.require(input.sender);
      const groups = (input.tag_filter?.group_list ?? []).map((g) => g.tag_list ?? []).filter((l) => l.length > 0);
      for (const l of groups) {
        if (l.length > MAX_TAGS_PER_FILTER_GROUP) {
          throw limitError(ERR.INVALID_PARAMETER, "mass.max-100-tags-per-group", `${l.length} tags in one tag_filter group (max ${MAX_TAGS_PER_FILTER_GROUP})`);
        }
        for (const id of l) if (!this.w.tags.tag(id)) throw new WecomError(ERR.INVALID_TAG_ID, `no tag ${id}`);
      }
      // OR within a group, AND across groups, on the tags of the relation that would send.
      const matches = (tagIds: Set<string>) => groups.every((l) => l.some((id) => tagIds.has(id)));
      const candidates = ids.length > 0 ? [...new Set(ids)] : this.w.customers.customersOf(input.sender ?? "").map((r) => r.externalUserId);
      for (const ext of candidates) {
        const rels = this.w.customers.relationsOf(ext).filter((r) => (input.sender ? r.userid === input.sender : true));
        // WeCom gives the task to the member who talked with the customer most recently; the
        // simulator's stand-in for that is the most recently added relation.
        const rel = rels.sort((a, b) => b.createdAt - a.createdAt)[0];
        if (!rel) {
          failList.push(ext);
          continue;
        }
        if (!matches(rel.tagIds)) continue;
        assign(rel.userid, ext);
      }
    }

    if (assignments.size === 0) throw new WecomError(ERR.NO_SENDABLE_CUSTOMER, "no receiver matches");
    const msgid = this.w.ids.msgId();
    let sendable = 0;
    for (const receivers of assignments.values()) {
      for (const r of receivers) {
        const info = this.receivedNow(r);
        if (info.count >= info.cap) this.reportCap(API_ADD, msgid, r, chatType === "group" ? "group" : "customer", info);
        else sendable++;
      }
    }
    if (sendable === 0) throw new WecomError(ERR.NO_SENDABLE_CUSTOMER, "every receiver is at the receive-frequency cap");

    const message: MassMessage = {
      msgid,
      chatType,
      createTime: this.w.clock.nowSec(),
      createType: 0,
      attachments,
      allowSelect: input.allow_select ?? false,
      tasks: new Map(),
      reminders: [],
      ...(text !== undefined ? { text } : {}),
    };
    for (const [userid, receivers] of assignments) {
      message.tasks.set(userid, {
        userid,
        status: 0,
        cancelled: false,
        targets: new Map(receivers.map((id) => [id, { id, status: 0 as SendStatus }])),
      });
    }
    this.byId.set(msgid, message);
    return { msgid, failList };
  }

  /** The member confirms the task in the client: deliver to every receiver not over the cap. */
  confirm(msgid: string, userid: string): Delivery {
    const message = this.requireForSim(msgid);
    const task = memberTask(message.tasks, userid, msgid);
    if (task.status === 2) throw new SimError(409, "the task was already sent");
    return this.deliver(message, task, (target) => {
      if (message.chatType === "single") {
        const rel = this.w.customers.relation(userid, target);
        return !!rel && !rel.customerDeleted;
      }
      const group = this.w.groups.get(target);
      return !!group && !group.dismissed;
    });
  }

  /**
   * A member's own mass message (个人群发, `create_type` 1), sent from the client at once: to the
   * given customers (default: all of the member's customers) or, with `chatIds`, to the given groups
   * (empty: all the member owns). Same frequency rule as `confirm`, but a capped receiver is no
   * violation: the member sent it, not Siyu.
   */
  personalSend(input: { userid: string; externalUserIds?: string[] | undefined; chatIds?: string[] | undefined; text?: string | undefined }): Delivery & {
    msgid: string;
  } {
    const { userid } = input;
    const staff = this.w.staff.requireForSim(userid);
    if (staff.status === "resigned") throw new SimError(409, `${userid} has resigned`);
    if (input.externalUserIds && input.chatIds) throw new SimError(400, "give externalUserIds or chatIds, not both");
    const chatType = input.chatIds ? "group" : "single";
    let receivers: string[];
    let reachable: (target: string) => boolean;
    if (chatType === "group") {
      const owned = new Set(this.w.groups.ownedBy(userid).map((g) => g.chatId));
      receivers = input.chatIds?.length ? [...new Set(input.chatIds)] : [...owned];
      reachable = (chatId) => owned.has(chatId);
    } else {
      receivers = input.externalUserIds?.length ? [...new Set(input.externalUserIds)] : this.w.customers.customersOf(userid).map((r) => r.externalUserId);
      reachable = (ext) => {
        const rel = this.w.customers.relation(userid, ext);
        return !!rel && !rel.customerDeleted;
      };
    }
    if (receivers.length === 0) throw new SimError(409, `${userid} has no ${chatType === "group" ? "groups" : "customers"} to send to`);

    const msgid = this.w.ids.msgId();
    const message: MassMessage = {
      msgid,
      chatType,
      createTime: this.w.clock.nowSec(),
      createType: 1,
      creator: userid,
      attachments: [],
      allowSelect: false,
      tasks: new Map(),
      reminders: [],
      ...(input.text !== undefined ? { text: input.text } : {}),
    };
    const task: MassTask = {
      userid,
      status: 0,
      cancelled: false,
      targets: new Map(receivers.map((id) => [id, { id, status: 0 as SendStatus }])),
    };
    message.tasks.set(userid, task);
    this.byId.set(msgid, message);
    const out = this.deliver(message, task, reachable, { reportCapped: false });
    return { msgid, ...out };
  }

  /**
   * Send the member's task now: receivers `reachable` rejects get 2 (not a friend / not the owner's
   * group), those at the receive-frequency cap 3 (a violation when `reportCapped`), the rest 1 — and
   * each delivery counts toward the receiver's quota.
   */
  private deliver(message: MassMessage, task: MassTask, reachable: (target: string) => boolean, opts: { reportCapped: boolean } = { reportCapped: true }): Delivery {
    const userid = task.userid;
    const now = this.w.clock.nowMs();
    const out: Delivery = { sent: [], capped: [], notFriend: [] };
    task.status = 2;
    task.sendTime = now;
    for (const target of task.targets.values()) {
      if (!reachable(target.id)) {
        target.status = 2;
        out.notFriend.push(target.id);
        continue;
      }
      const info = this.receivedNow(target.id);
      if (info.count >= info.cap) {
        target.status = 3;
        out.capped.push(target.id);
        if (opts.reportCapped) {
          this.reportCap("client:confirm-mass-message", message.msgid, target.id, message.chatType === "group" ? "group" : "customer", info);
        }
        continue;
      }
      target.status = 1;
      target.sendTime = now;
      const times = this.received.get(target.id) ?? [];
      times.push(now);
      this.received.set(target.id, times);
      out.sent.push(target.id);
      if (message.chatType === "single") {
        const rel = this.w.customers.relation(userid, target.id);
        if (rel) rel.chatted = true;
        this.w.activity.record({ at: now, kind: "message_sent", userid, externalUserId: target.id });
      } else {
        this.w.activity.record({ at: now, kind: "group_message", userid, chatId: target.id, owner: userid });
      }
    }
    return out;
  }

  /** remind_groupmsg_send: ≤ 3 reminders per message per 24 h. */
  remind(msgid: string | undefined): void {
    const message = this.require(msgid);
    const now = this.w.clock.nowMs();
    const recent = message.reminders.filter((t) => now - t < DAY_MS);
    if (recent.length >= MAX_REMINDERS_PER_DAY) {
      throw limitError(ERR.API_OVER_LIMIT, "mass.remind-3-per-24h", `msgid ${message.msgid} was already reminded ${recent.length} times in 24 h`, {
        msgid: message.msgid,
        reminders: recent.map((t) => new Date(t).toISOString()),
      });
    }
    message.reminders.push(now);
  }

  /** cancel_groupmsg_send: stops every unsent task. */
  cancel(msgid: string | undefined): void {
    const message = this.require(msgid);
    for (const task of message.tasks.values()) if (task.status === 0) task.cancelled = true;
  }
}
