import type { Clock } from "@siyu/kernel";
import { CallbackDispatcher, type CallbackRecord } from "../callbacks.ts";
import { SimError } from "../errors.ts";
import { IdGen } from "../ids.ts";
import { buildXml, type XmlFields, type XmlValue } from "../xml.ts";
import { ActivityLog } from "./activity.ts";
import { AppMessages } from "./app-messages.ts";
import { SimClock } from "./clock.ts";
import { ContactWays } from "./contact-ways.ts";
import { CustomerBook } from "./customers.ts";
import type { ReceiveFrequency } from "./frequency.ts";
import { GroupWelcomeTemplates } from "./group-welcome.ts";
import { GroupChats } from "./groups.ts";
import { type ApiLimits, ApiRateLimiter, FaultInjector } from "./limits.ts";
import { MassMessages } from "./mass-messages.ts";
import { MediaLibrary } from "./media.ts";
import { Moments } from "./moments.ts";
import { RequestLog } from "./requests.ts";
import { seedDemo } from "./seed.ts";
import { StaffDirectory } from "./staff.ts";
import { CorpTags } from "./tags.ts";
import { TokenStore } from "./tokens.ts";
import { Transfers } from "./transfers.ts";
import { ViolationLog } from "./violations.ts";
import { WelcomeMessages } from "./welcome.ts";

export type SeedName = "demo" | "empty";

export interface WorldConfig {
  corpId: string;
  agentId: string | undefined;
  secret: string;
  token: string;
  encodingAesKey: string;
  callbackUrl: string | null;
  strict: boolean;
  receiveFrequency: ReceiveFrequency;
  timeZone: string;
  /** The simulator's own URL (for qr_code links). */
  baseUrl: string;
  apiLimits: ApiLimits;
  callbackRetries: number;
  callbackRetryDelayMs: number;
  callbackTimeoutMs: number;
  momentJobDelayMs: number;
  /** Customers per member before transfers to them fail with status 4. */
  customerCap: number;
  seed: SeedName;
}

/**
 * The simulated corp: every area of WeCom state as a plain class (staff, customers and their follow
 * relations, tags, contact ways, groups, mass messages, media, moments, transfers…) plus the logs tests
 * read (requests, callbacks, violations). Areas reach each other through this object.
 *
 * The HTTP layer (src/api/*) parses requests and calls these classes; nothing here knows HTTP,
 * except the callback dispatcher, which plays WeCom's side of the callback protocol.
 */
export class SimWorld {
  readonly config: WorldConfig;
  readonly clock: SimClock;
  readonly random: () => number;
  readonly callbacks: CallbackDispatcher;
  private idGen: IdGen;

  requests!: RequestLog;
  violations!: ViolationLog;
  tokens!: TokenStore;
  rateLimits!: ApiRateLimiter;
  faults!: FaultInjector;
  activity!: ActivityLog;
  staff!: StaffDirectory;
  customers!: CustomerBook;
  tags!: CorpTags;
  contactWays!: ContactWays;
  welcome!: WelcomeMessages;
  groups!: GroupChats;
  groupWelcome!: GroupWelcomeTemplates;
  mass!: MassMessages;
  media!: MediaLibrary;
  moments!: Moments;
  transfers!: Transfers;
  appMessages!: AppMessages;

  constructor(config: WorldConfig, deps: { clock: Clock; random: () => number }) {
    this.config = config;
    this.clock = new SimClock(deps.clock);
    this.random = deps.random;
    this.idGen = new IdGen(deps.random);
    this.callbacks = new CallbackDispatcher(this);
    this.build();
    if (config.seed === "demo") this.withIds(seedDemo.ids(), () => seedDemo(this));
  }

  get ids(): IdGen {
    return this.idGen;
  }

  /** Run `fn` with another id source (the demo seed uses a fixed one so its ids never change). */
  withIds<T>(ids: IdGen, fn: () => T): T {
    const saved = this.idGen;
    this.idGen = ids;
    try {
      return fn();
    } finally {
      this.idGen = saved;
    }
  }

  private build(): void {
    this.requests = new RequestLog();
    this.violations = new ViolationLog(this);
    this.tokens = new TokenStore(this);
    this.rateLimits = new ApiRateLimiter(this);
    this.faults = new FaultInjector();
    this.activity = new ActivityLog();
    this.staff = new StaffDirectory(this);
    this.customers = new CustomerBook(this);
    this.tags = new CorpTags(this);
    this.contactWays = new ContactWays(this);
    this.welcome = new WelcomeMessages(this);
    this.groups = new GroupChats(this);
    this.groupWelcome = new GroupWelcomeTemplates(this);
    this.mass = new MassMessages(this);
    this.media = new MediaLibrary(this);
    this.moments = new Moments(this);
    this.transfers = new Transfers(this);
    this.appMessages = new AppMessages(this);
  }

  /** Forget everything (state, logs, clock offset) and seed again. */
  reset(seed: SeedName = this.config.seed): void {
    this.callbacks.clear();
    this.clock.resetOffset();
    this.build();
    if (seed === "demo") this.withIds(seedDemo.ids(), () => seedDemo(this));
  }

  /** Let time-driven processes catch up with the clock (transfers completing after 24 h). */
  tick(): Promise<CallbackRecord>[] {
    return this.transfers.settle();
  }

  // ---- callbacks ------------------------------------------------------------------------------

  private silent = 0;

  /** Run `fn` without sending callbacks (for seeding state that "was already there"). */
  withSilentCallbacks<T>(fn: () => T): T {
    this.silent++;
    try {
      return fn();
    } finally {
      this.silent--;
    }
  }

  private emit(event: string, changeType: string, fields: XmlFields): Promise<CallbackRecord> {
    const all: XmlFields = [
      ["ToUserName", this.config.corpId],
      ["FromUserName", "sys"],
      ["CreateTime", this.clock.nowSec()],
      ["MsgType", "event"],
      ["Event", event],
      ["ChangeType", changeType],
      ...fields,
    ];
    const record: Record<string, XmlValue> = {};
    for (const [k, v] of all) if (v !== undefined) record[k] = v;
    if (this.silent > 0) return Promise.resolve(this.callbacks.build(event, changeType, record, buildXml(all)));
    return this.callbacks.send(event, changeType, record, buildXml(all));
  }

  /** Event=change_external_contact (§3). */
  emitContact(changeType: string, userid: string, externalUserId: string, extra: XmlFields): Promise<CallbackRecord> {
    return this.emit("change_external_contact", changeType, [["UserID", userid], ["ExternalUserID", externalUserId], ...extra]);
  }

  /** Event=change_external_chat (§3). */
  emitChat(changeType: string, chatId: string, extra: XmlFields): Promise<CallbackRecord> {
    return this.emit("change_external_chat", changeType, [["ChatId", chatId], ...extra]);
  }

  /** Event=change_external_tag (§3). */
  emitTag(changeType: string, id: string, tagType: "tag" | "tag_group"): Promise<CallbackRecord> {
    return this.emit("change_external_tag", changeType, [
      ["Id", id],
      ["TagType", tagType],
    ]);
  }

  // ---- things customers and members do in their apps -----------------------------------------

  /**
   * A customer scans a contact-way QR code. WeCom picks one of the code's current members at
   * random, makes them friends and sends add_external_contact with the code's State and a fresh
   * WelcomeCode — no code when the member has a console welcome configured or the two chatted before.
   */
  scanContactWay(configId: string, externalUserId: string) {
    const way = this.contactWays.scannable(configId);
    const customer = this.customers.requireForSim(externalUserId);
    if (way.unionid && customer.unionId !== way.unionid) throw new SimError(409, "this temporary code is restricted to another WeChat user");
    const members = this.contactWays.members(way);
    if (members.length === 0) throw new SimError(409, "the contact way has no active member");
    const userId = members[this.ids.int(members.length)]!;
    return { ...this.befriend(userId, externalUserId, { state: way.state, addWay: 1, operUserid: externalUserId }), configId };
  }

  /** A member adds the customer (search, card share…): oper_userid is the member. */
  staffAddsCustomer(userId: string, externalUserId: string, addWay = 2) {
    this.staff.requireForSim(userId);
    this.customers.requireForSim(externalUserId);
    return this.befriend(userId, externalUserId, { state: "", addWay, operUserid: userId });
  }

  private befriend(userId: string, externalUserId: string, how: { state: string; addWay: number; operUserid: string }) {
    const staff = this.staff.requireForSim(userId);
    if (staff.status !== "active") throw new SimError(409, `${userId} has resigned`);
    const existing = this.customers.relation(userId, externalUserId);
    if (existing && !existing.customerDeleted) {
      return { userId, welcomeCode: null as string | null, alreadyFriends: true, state: existing.state, delivery: null as Promise<CallbackRecord> | null };
    }
    let state = how.state;
    let welcomeCode: string | null = null;
    if (existing) {
      // Re-adding after a one-way deletion: the relation never broke, its state does not change.
      existing.customerDeleted = false;
      state = existing.state;
    } else {
      const chattedBefore = this.customers.ended.some(
        (e) => e.relation.userid === userId && e.relation.externalUserId === externalUserId && e.relation.chatted,
      );
      this.customers.follow(userId, externalUserId, { state, addWay: how.addWay, operUserid: how.operUserid });
      if (!chattedBefore && !staff.consoleWelcome) welcomeCode = this.welcome.issue(userId, externalUserId).code;
    }
    this.activity.record({ at: this.clock.nowMs(), kind: "contact_added", userid: userId, externalUserId });
    const delivery = this.emitContact("add_external_contact", userId, externalUserId, [
      ["State", state || undefined],
      ["WelcomeCode", welcomeCode ?? undefined],
    ]);
    return { userId, welcomeCode, alreadyFriends: false, state, delivery };
  }

  /** The customer deletes the member (churn): del_follow_user. The relation stays one-way. */
  customerDeletesStaff(externalUserId: string, userId: string): Promise<CallbackRecord> {
    const rel = this.customers.relation(userId, externalUserId);
    if (!rel || rel.customerDeleted) throw new SimError(409, `${externalUserId} is not a friend of ${userId}`);
    rel.customerDeleted = true;
    this.activity.record({ at: this.clock.nowMs(), kind: "contact_lost", userid: userId, externalUserId });
    return this.emitContact("del_follow_user", userId, externalUserId, []);
  }

  /** The member deletes the customer: del_external_contact (no Source). */
  staffDeletesCustomer(externalUserId: string, userId: string): Promise<CallbackRecord> {
    if (!this.customers.relation(userId, externalUserId)) throw new SimError(409, `${externalUserId} is not a contact of ${userId}`);
    this.customers.end(userId, externalUserId, "staff-deleted");
    this.activity.record({ at: this.clock.nowMs(), kind: "contact_removed", userid: userId, externalUserId });
    return this.emitContact("del_external_contact", userId, externalUserId, []);
  }

  /** The member edits the customer (remark, tags) in the client: edit_external_contact. */
  staffEditsCustomer(externalUserId: string, userId: string, patch: { remark?: string; addTagIds?: string[]; removeTagIds?: string[] }) {
    const rel = this.customers.relation(userId, externalUserId);
    if (!rel) throw new SimError(409, `${externalUserId} is not a contact of ${userId}`);
    for (const id of [...(patch.addTagIds ?? []), ...(patch.removeTagIds ?? [])]) {
      if (!this.tags.tag(id)) throw new SimError(404, `no corp tag ${id}`);
    }
    if (patch.remark !== undefined) rel.remark = patch.remark;
    for (const id of patch.addTagIds ?? []) rel.tagIds.add(id);
    for (const id of patch.removeTagIds ?? []) rel.tagIds.delete(id);
    return this.emitContact("edit_external_contact", userId, externalUserId, [["State", rel.state || undefined]]);
  }
}
