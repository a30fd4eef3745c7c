import type { CallbackRecord } from "../callbacks.ts";
import { corpDay } from "@siyu/kernel";
import { ERR, limitError, SimError, WecomError } from "../errors.ts";
import { qrImageUrl } from "../qr.ts";
import { API_CODE_QUOTA, MAX_STATE_CHARS } from "./contact-ways.ts";
import { requireRow, requireSimRow, Table } from "./rows.ts";
import type { SimWorld } from "./world.ts";

/** Customer groups (客户群) and group join ways (「加入群聊」 / 群活码), wecom-reference §9. */
interface GroupMember {
  userid: string;
  /** 1 = member (staff), 2 = external contact. */
  type: 1 | 2;
  unionid?: string;
  joinTime: number;
  /** groupchat/get: 1 direct invite, 2 link, 3 QR scan. */
  joinScene: 1 | 2 | 3;
  invitor?: string;
  groupNickname: string;
  name: string;
  state?: string;
}

interface GroupChat {
  chatId: string;
  name: string;
  owner: string;
  createTime: number;
  notice: string;
  members: Map<string, GroupMember>;
  admins: string[];
  memberVersion: string;
  dismissed: boolean;
  /** The join way that auto-created it, if any. */
  createdByJoinWay?: string;
}

export interface JoinWay {
  configId: string;
  scene: 1 | 2;
  remark: string;
  autoCreateRoom: 0 | 1;
  roomBaseName: string;
  roomBaseId: number;
  /** Serial of the next auto-created group. */
  nextSerial: number;
  chatIdList: string[];
  state: string;
  qrCode?: string;
  createdAt: number;
}

interface JoinWayInput {
  scene: 1 | 2;
  remark?: string | undefined;
  auto_create_room?: 0 | 1 | undefined;
  room_base_name?: string | undefined;
  room_base_id?: number | undefined;
  chat_id_list?: string[] | undefined;
  state?: string | undefined;
}

/** QR-scan joining stops at 200 members (wecom-reference §9, treated as the routing limit). */
export const QR_JOIN_CAPACITY = 200;
/** groupchat/transfer & onjob_transfer (§9): ≤ 100 chats per call, ≤ 300 groups per person per day, on-job ≤ 2 per group per 90 days. */
const MAX_GROUP_TRANSFER_BATCH = 100;
const MAX_GROUP_TRANSFERS_PER_DAY = 300;
const MAX_ONJOB_GROUP_TRANSFERS_PER_90_DAYS = 2;
const MAX_JOIN_WAY_CHATS = 5;
const MAX_ROOM_BASE_NAME_CHARS = 40;

export class GroupChats extends Table<GroupChat> {
  private readonly joinWays = new Map<string, JoinWay>();
  joinWaysCreated = 0;
  /** Ownership transfers: when, which chat, to whom, on-job or resigned. */
  readonly ownerTransfers: { at: number; chatId: string; from: string; to: string; kind: "onjob" | "resigned" }[] = [];
  constructor(private readonly w: SimWorld) {
    super("chat_id", "group");
  }

  override requireForSim(chatId: string): GroupChat {
    const g = super.requireForSim(chatId);
    if (g.dismissed) throw new SimError(409, `group ${chatId} was dismissed`);
    return g;
  }

  ownedBy(userid: string): GroupChat[] {
    return this.all().filter((g) => g.owner === userid && !g.dismissed);
  }

  private bumpVersion(group: GroupChat): { last: string; cur: string } {
    const last = group.memberVersion;
    group.memberVersion = this.w.ids.hex(32);
    return { last, cur: group.memberVersion };
  }

  /** A group created by a member in the client; members join by direct invite. */
  create(input: { owner: string; name: string; externalUserIds?: string[]; createdByJoinWay?: string }): {
    group: GroupChat;
    delivery: Promise<CallbackRecord>;
  } {
    const owner = this.w.staff.requireForSim(input.owner);
    const now = this.w.clock.nowMs();
    const group: GroupChat = {
      chatId: this.w.ids.chatId(),
      name: input.name,
      owner: owner.userid,
      createTime: Math.floor(now / 1000),
      notice: "",
      members: new Map(),
      admins: [],
      memberVersion: this.w.ids.hex(32),
      dismissed: false,
      ...(input.createdByJoinWay ? { createdByJoinWay: input.createdByJoinWay } : {}),
    };
    group.members.set(owner.userid, {
      userid: owner.userid,
      type: 1,
      joinTime: group.createTime,
      joinScene: 1,
      groupNickname: "",
      name: owner.name,
    });
    for (const ext of input.externalUserIds ?? []) {
      const c = this.w.customers.requireForSim(ext);
      group.members.set(ext, {
        userid: ext,
        type: 2,
        joinTime: group.createTime,
        joinScene: 1,
        invitor: owner.userid,
        groupNickname: "",
        name: c.name,
        ...(c.unionId ? { unionid: c.unionId } : {}),
      });
    }
    this.byId.set(group.chatId, group);
    this.w.activity.record({ at: now, kind: "group_created", chatId: group.chatId, owner: group.owner, count: group.members.size });
    const delivery = this.w.emitChat("create", group.chatId, []);
    return { group, delivery };
  }

  dismiss(chatId: string): Promise<CallbackRecord> {
    const group = this.requireForSim(chatId);
    group.dismissed = true;
    this.w.activity.record({ at: this.w.clock.nowMs(), kind: "group_dismissed", chatId, owner: group.owner, count: group.members.size });
    return this.w.emitChat("dismiss", chatId, []);
  }

  /**
   * groupchat/transfer (owner resigned) and groupchat/onjob_transfer: ownership moves at once and
   * `change_external_chat update change_owner` is sent. Per-chat failures go in failed_chat_list.
   */
  transferOwnership(kind: "onjob" | "resigned", chatIds: string[], newOwner: string | undefined) {
    if (chatIds.length === 0) throw new WecomError(ERR.EMPTY_PARAMETER, "chat_id_list is empty");
    if (chatIds.length > MAX_GROUP_TRANSFER_BATCH) {
      throw limitError(ERR.INVALID_PARAMETER, "groupchat.transfer-max-100", `${chatIds.length} chats in one call (max ${MAX_GROUP_TRANSFER_BATCH})`);
    }
    const taker = this.w.staff.require(newOwner);
    const now = this.w.clock.nowMs();
    const today = corpDay(new Date(now), this.w.config.timeZone);
    const api = kind === "onjob" ? "externalcontact/groupchat/onjob_transfer" : "externalcontact/groupchat/transfer";
    const failed: { chat_id: string; errcode: number; errmsg: string }[] = [];
    const deliveries: Promise<CallbackRecord>[] = [];
    for (const chatId of chatIds) {
      const fail = (errcode: number, errmsg: string) => failed.push({ chat_id: chatId, errcode, errmsg });
      const g = this.byId.get(chatId);
      if (!g || g.dismissed) {
        fail(ERR.CHATID_NOT_FOUND, "chat_id not found");
        continue;
      }
      const ownerResigned = this.w.staff.get(g.owner)?.status === "resigned";
      if (kind === "resigned" && !ownerResigned) {
        fail(90500, "the group owner has not resigned");
        continue;
      }
      if (g.owner === taker.userid) {
        fail(ERR.INVALID_PARAMETER, "new_owner already owns the group");
        continue;
      }
      const todayCount = this.ownerTransfers.filter((t) => t.to === taker.userid && corpDay(new Date(t.at), this.w.config.timeZone) === today).length;
      if (todayCount >= MAX_GROUP_TRANSFERS_PER_DAY) {
        this.w.violations.record(api, ERR.API_OVER_LIMIT, "groupchat.transfer-300-per-day", {
          message: `${taker.userid} already took over ${todayCount} groups today`,
          chatId,
        });
        fail(ERR.API_OVER_LIMIT, "over 300 group transfers per person per day");
        continue;
      }
      if (kind === "onjob") {
        const recent = this.ownerTransfers.filter((t) => t.kind === "onjob" && t.chatId === chatId && now - t.at < 90 * 86_400_000).length;
        if (recent >= MAX_ONJOB_GROUP_TRANSFERS_PER_90_DAYS) {
          this.w.violations.record(api, ERR.API_OVER_LIMIT, "groupchat.onjob-transfer-2-per-90-days", {
            message: `group ${chatId} was transferred ${recent} times in 90 days`,
            chatId,
          });
          fail(ERR.API_OVER_LIMIT, "a group may be transferred at most twice in 90 days");
          continue;
        }
      }
      this.ownerTransfers.push({ at: now, chatId, from: g.owner, to: taker.userid, kind });
      g.owner = taker.userid;
      if (!g.members.has(taker.userid)) {
        g.members.set(taker.userid, { userid: taker.userid, type: 1, joinTime: Math.floor(now / 1000), joinScene: 1, groupNickname: "", name: taker.name });
      }
      deliveries.push(this.w.emitChat("update", chatId, [["UpdateDetail", "change_owner"]]));
    }
    return { failed, deliveries };
  }

  // ---- join ways -------------------------------------------------------------------------

  getJoinWay(configId: string | undefined): JoinWay {
    return requireRow(this.joinWays, "config_id", configId);
  }

  allJoinWays(): JoinWay[] {
    return [...this.joinWays.values()];
  }

  private validateJoinWay(input: JoinWayInput): void {
    const list = input.chat_id_list ?? [];
    if (list.length === 0) throw new WecomError(ERR.EMPTY_PARAMETER, "chat_id_list is required");
    if (list.length > MAX_JOIN_WAY_CHATS) {
      throw limitError(ERR.INVALID_PARAMETER, "join-way.max-5-chats", `${list.length} chat ids (a join way routes to at most ${MAX_JOIN_WAY_CHATS})`, {
        chats: list.length,
      });
    }
    for (const id of list) {
      const g = this.require(id);
      if (g.dismissed) throw new WecomError(ERR.CHATID_NOT_FOUND, `chat ${id} was dismissed`);
    }
    const state = input.state ?? "";
    if ([...state].length > MAX_STATE_CHARS) {
      throw limitError(ERR.INVALID_PARAMETER, "join-way.state-30-chars", `state is ${[...state].length} chars (max ${MAX_STATE_CHARS})`, { state });
    }
    if ([...(input.room_base_name ?? "")].length > MAX_ROOM_BASE_NAME_CHARS) {
      throw limitError(ERR.INVALID_PARAMETER, "join-way.room-base-name-40-chars", `room_base_name is longer than ${MAX_ROOM_BASE_NAME_CHARS} chars`);
    }
  }

  addJoinWay(input: JoinWayInput): JoinWay {
    this.validateJoinWay(input);
    if (this.w.contactWays.created + this.joinWaysCreated >= API_CODE_QUOTA) {
      throw limitError(ERR.CONTACT_WAY_QUOTA, "contact-way.quota-500000", "the corp reached 500,000 API-created contact ways and join ways");
    }
    const configId = this.w.ids.configId();
    const roomBaseId = input.room_base_id ?? 1;
    const way: JoinWay = {
      configId,
      scene: input.scene,
      remark: [...(input.remark ?? "")].slice(0, 30).join(""),
      autoCreateRoom: input.auto_create_room ?? 1,
      roomBaseName: input.room_base_name ?? "",
      roomBaseId,
      nextSerial: roomBaseId,
      chatIdList: [...(input.chat_id_list ?? [])],
      state: input.state ?? "",
      createdAt: this.w.clock.nowMs(),
      ...(input.scene === 2 ? { qrCode: qrImageUrl(this.w.config.baseUrl, configId) } : {}),
    };
    this.joinWays.set(configId, way);
    this.joinWaysCreated++;
    return way;
  }

  /** update_join_way is a full overwrite. */
  updateJoinWay(configId: string | undefined, input: JoinWayInput): JoinWay {
    const way = this.getJoinWay(configId);
    this.validateJoinWay(input);
    const roomBaseId = input.room_base_id ?? 1;
    way.scene = input.scene;
    way.remark = [...(input.remark ?? "")].slice(0, 30).join("");
    way.autoCreateRoom = input.auto_create_room ?? 1;
    way.roomBaseName = input.room_base_name ?? "";
    if (roomBaseId !== way.roomBaseId) way.nextSerial = roomBaseId;
    way.roomBaseId = roomBaseId;
    way.chatIdList = [...(input.chat_id_list ?? [])];
    way.state = input.state ?? "";
    if (way.scene === 2) way.qrCode = qrImageUrl(this.w.config.baseUrl, way.configId);
    return way;
  }

  deleteJoinWay(configId: string | undefined): void {
    const way = this.getJoinWay(configId);
    this.joinWays.delete(way.configId);
  }

  private hasRoom(group: GroupChat | undefined): group is GroupChat {
    return !!group && !group.dismissed && group.members.size < QR_JOIN_CAPACITY;
  }

  /**
   * A customer scans a join way's QR code: WeCom routes to the first listed group that is not full
   * (200 for QR joins); when all are full and auto_create_room is on, it creates
   * `room_base_name + serial` owned by the first group's owner and routes there.
   */
  scanJoinWay(
    configId: string,
    externalUserId: string,
  ): { chatId: string; createdChatId?: string; alreadyMember: boolean; deliveries: Promise<CallbackRecord>[] } {
    const way = requireSimRow(this.joinWays, "join way", configId);
    const customer = this.w.customers.requireForSim(externalUserId);
    const deliveries: Promise<CallbackRecord>[] = [];
    const existing = way.chatIdList.map((id) => this.byId.get(id)).find((g) => g && !g.dismissed && g.members.has(externalUserId));
    if (existing) return { chatId: existing.chatId, alreadyMember: true, deliveries };
    let target = way.chatIdList.map((id) => this.byId.get(id)).find((g) => this.hasRoom(g));
    let createdChatId: string | undefined;
    if (!target) {
      if (way.autoCreateRoom !== 1) {
        throw new SimError(409, "every group of this join way is full (200 for QR joins) and auto_create_room is off", {
          chatIds: way.chatIdList,
        });
      }
      const template = way.chatIdList.map((id) => this.byId.get(id)).find((g) => g && !g.dismissed);
      if (!template) throw new SimError(409, "the join way has no live group to take an owner from");
      const serial = way.nextSerial++;
      const made = this.create({
        owner: template.owner,
        name: `${way.roomBaseName || "群聊"}${serial}`,
        createdByJoinWay: way.configId,
      });
      deliveries.push(made.delivery);
      target = made.group;
      createdChatId = target.chatId;
      way.chatIdList.push(target.chatId);
      if (way.chatIdList.length > MAX_JOIN_WAY_CHATS) {
        const fullIndex = way.chatIdList.findIndex((id) => !this.hasRoom(this.byId.get(id)));
        way.chatIdList.splice(Math.max(fullIndex, 0), 1);
      }
    }
    deliveries.push(this.addMember(target, customer.externalUserId, 3, way.state));
    return { chatId: target.chatId, alreadyMember: false, deliveries, ...(createdChatId ? { createdChatId } : {}) };
  }

  /** A customer joins through a member's invitation (direct or link). */
  invite(chatId: string, externalUserId: string): Promise<CallbackRecord> {
    const group = this.requireForSim(chatId);
    if (group.members.has(externalUserId)) throw new SimError(409, `${externalUserId} is already in ${chatId}`);
    return this.addMember(group, externalUserId, 1, undefined);
  }

  private addMember(group: GroupChat, externalUserId: string, joinScene: 1 | 3, state: string | undefined): Promise<CallbackRecord> {
    const customer = this.w.customers.requireForSim(externalUserId);
    const now = this.w.clock.nowMs();
    group.members.set(externalUserId, {
      userid: externalUserId,
      type: 2,
      joinTime: Math.floor(now / 1000),
      joinScene,
      groupNickname: "",
      name: customer.name,
      ...(customer.unionId ? { unionid: customer.unionId } : {}),
      ...(joinScene === 1 ? { invitor: group.owner } : {}),
      ...(state ? { state } : {}),
    });
    const v = this.bumpVersion(group);
    this.w.activity.record({ at: now, kind: "member_joined", chatId: group.chatId, owner: group.owner, externalUserId });
    // the welcome the owner chose for the group greets the joiner
    this.w.groupWelcome.onJoin(group.chatId, externalUserId);
    return this.w.emitChat("update", group.chatId, [
      ["UpdateDetail", "add_member"],
      // Event JoinScene: 0 = invited by a member, 3 = scanned the group QR (differs from groupchat/get).
      ["JoinScene", joinScene === 3 ? 3 : 0],
      ["MemChangeCnt", 1],
      ["MemChangeList", [externalUserId]],
      ["LastMemVer", v.last],
      ["CurMemVer", v.cur],
    ]);
  }

  leave(chatId: string, externalUserId: string, removedByOwner = false): Promise<CallbackRecord> {
    const group = this.requireForSim(chatId);
    if (!group.members.has(externalUserId)) throw new SimError(404, `${externalUserId} is not in ${chatId}`);
    if (externalUserId === group.owner) throw new SimError(409, "the owner cannot leave; dismiss the group instead");
    group.members.delete(externalUserId);
    const v = this.bumpVersion(group);
    this.w.activity.record({ at: this.w.clock.nowMs(), kind: "member_left", chatId, owner: group.owner, externalUserId });
    return this.w.emitChat("update", chatId, [
      ["UpdateDetail", "del_member"],
      ["QuitScene", removedByOwner ? 1 : 0],
      ["MemChangeCnt", 1],
      ["MemChangeList", [externalUserId]],
      ["LastMemVer", v.last],
      ["CurMemVer", v.cur],
    ]);
  }
}
