/**
 * WeCom server API client (wecom-reference §0–§13) over fetch.
 *
 * - access_token: cached per app, single-flight, refreshed 5 min early; on 40014/42001 the token
 *   is refetched once and the call retried once.
 * - errcode -1 (busy) is retried with bounded exponential backoff; 45009/45033 surface as
 *   WecomRateLimitError (retrying inside the block window only extends it).
 * - Documented request limits are checked before anything is sent (WecomLimitError /
 *   WecomValidationError), so a bad request never reaches WeCom.
 */

import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Clock } from "@siyu/kernel";
import type { z } from "zod";
import {
  WecomApiError,
  WecomBusyError,
  WecomLimitError,
  WecomNetworkError,
  WecomRateLimitError,
  WecomResponseError,
  WecomTimeoutError,
} from "./errors.ts";
import { Check, WECOM_LIMITS as L } from "./limits.ts";
import { notifyWecomCall, notifyWecomError, type WecomCall } from "./observe.ts";
import { type FetchedToken, sharedTokenCache, type TokenCache } from "./token.ts";
import {
  type AddContactWayRequest,
  type AddCorpTagRequest,
  type AddMomentTaskRequest,
  type AddMsgTemplateRequest,
  type AppMessageRequest,
  AppMessageResponse,
  type AttachmentMediaType,
  type BatchGetByUserRequest,
  BatchGetByUserResponse,
  ContactWayAddedResponse,
  type ContactWayConclusions,
  ContactWayListResponse,
  ContactWayResponse,
  CorpTagAddedResponse,
  CorpTagListResponse,
  type DelCorpTagRequest,
  type EditCorpTagRequest,
  ExternalContactResponse,
  ExternalUserIdListResponse,
  FollowUserListResponse,
  type GetCorpTagListRequest,
  type GetGroupMsgListV2Request,
  type GetGroupMsgSendResultRequest,
  type GetGroupMsgTaskRequest,
  type GetMomentListRequest,
  type GroupChatListRequest,
  GroupChatListResponse,
  GroupChatResponse,
  type GroupChatStatisticByDayRequest,
  GroupChatStatisticByDayResponse,
  type GroupChatStatisticRequest,
  GroupChatStatisticResponse,
  GroupChatTransferResponse,
  GroupMsgListResponse,
  GroupMsgSendResultResponse,
  GroupMsgTaskResponse,
  type GroupWelcomeTemplate,
  GroupWelcomeTemplateAddedResponse,
  GroupWelcomeTemplateResponse,
  type ImageContent,
  JoinWayAddedResponse,
  type JoinWayFields,
  JoinWayResponse,
  type LinkContent,
  type ListContactWayRequest,
  type MarkTagRequest,
  type MessageAttachment,
  type MiniprogramContent,
  MomentCommentsResponse,
  MomentCustomerListResponse,
  MomentJobResponse,
  MomentListResponse,
  type MomentPageRequest,
  MomentTaskResponse,
  MomentTaskResultResponse,
  type MomentUserPageRequest,
  MsgTemplateAddedResponse,
  OkResponse,
  type RemarkRequest,
  type SendWelcomeMsgRequest,
  type TextContent,
  TokenResponse,
  type TransferCustomerRequest,
  TransferCustomerResponse,
  type TransferResultRequest,
  TransferResultResponse,
  type UnassignedListRequest,
  UnassignedListResponse,
  type UpdateContactWayRequest,
  UploadAttachmentResponse,
  type UploadFile,
  type UserBehaviorDataRequest,
  UserBehaviorDataResponse,
} from "./types.ts";

export const DEFAULT_WECOM_BASE_URL = "https://qyapi.weixin.qq.com";

export interface WecomClientOptions {
  corpId: string;
  secret: string;
  /** Default https://qyapi.weixin.qq.com (the simulator passes its own). */
  baseUrl?: string;
  /** Per HTTP request, including reading the body. Default 5000. */
  timeoutMs?: number;
  /** The same for a file upload (up to 10 MB goes out). Default 30000. */
  uploadTimeoutMs?: number;
  fetch?: typeof globalThis.fetch;
  clock?: Clock;
  /** Retries of errcode -1 (busy) per call. Default 3 (§13: "retry ≤ 3"). */
  maxBusyRetries?: number;
  /** First backoff delay for busy retries; doubles per retry, capped at 5 s. Default 200. */
  busyBackoffMs?: number;
  /** Defaults to one cache shared by every client in the process. */
  tokenCache?: TokenCache;
}

const TOKEN_INVALID = new Set([40014, 42001]);
const RATE_LIMITED = new Set([45009, 45033]);
const BUSY = -1;
const MAX_BACKOFF_MS = 5000;
const DAY = 86_400;
/** Statistics APIs floor timestamps to the corp's day; allow one day of slack for timezones. */
const RETENTION_SLACK = DAY;

type Query = Record<string, string | number | undefined>;
/** What `page` checks in a paged request. */
type PageRequest = { limit?: number; start_time?: number; end_time?: number };

function toApiError(errcode: number, errmsg: string, api: string): WecomApiError {
  if (RATE_LIMITED.has(errcode)) return new WecomRateLimitError(errcode, errmsg, api);
  if (errcode === BUSY) return new WecomBusyError(errcode, errmsg, api);
  return new WecomApiError(errcode, errmsg, api);
}

// ───────────────────────────── content checks shared by several APIs ─────────────────────────────

function checkText(c: Check, field: string, text: TextContent | undefined, maxBytes: number = L.textBytes): void {
  c.bytes(`${field}.content`, text?.content, maxBytes);
}

function checkImage(c: Check, field: string, image: ImageContent | undefined): void {
  c.rule(Boolean(image?.media_id || image?.pic_url), field, "needs media_id or pic_url");
}

function checkLink(c: Check, field: string, link: LinkContent | undefined): void {
  c.rule(Boolean(link?.title), `${field}.title`, "is required");
  c.rule(Boolean(link?.url), `${field}.url`, "is required");
  c.bytes(`${field}.title`, link?.title, L.linkTitleBytes)
    .bytes(`${field}.desc`, link?.desc, L.linkDescBytes)
    .bytes(`${field}.url`, link?.url, L.linkUrlBytes)
    .bytes(`${field}.picurl`, link?.picurl, L.linkUrlBytes);
}

function checkMiniprogram(c: Check, field: string, mp: MiniprogramContent | undefined): void {
  for (const k of ["title", "pic_media_id", "appid", "page"] as const) c.rule(Boolean(mp?.[k]), `${field}.${k}`, "is required");
  c.bytes(`${field}.title`, mp?.title, L.miniprogramTitleBytes);
}

function checkAttachments(c: Check, attachments: readonly MessageAttachment[] | undefined): void {
  c.items("attachments", attachments, L.attachments);
  for (const [i, a] of (attachments ?? []).entries()) {
    const f = `attachments[${i}]`;
    if (a.msgtype === "image") checkImage(c, `${f}.image`, a.image);
    else if (a.msgtype === "link") checkLink(c, `${f}.link`, a.link);
    else if (a.msgtype === "miniprogram") checkMiniprogram(c, `${f}.miniprogram`, a.miniprogram);
    else if (a.msgtype === "video") c.rule(Boolean(a.video?.media_id), `${f}.video.media_id`, "is required");
    else if (a.msgtype === "file") c.rule(Boolean(a.file?.media_id), `${f}.file.media_id`, "is required");
    else c.rule(false, `${f}.msgtype`, "is not one of image, link, miniprogram, video, file");
  }
}

function checkMessage(c: Check, text: TextContent | undefined, attachments: readonly MessageAttachment[] | undefined): void {
  checkText(c, "text", text);
  checkAttachments(c, attachments);
  c.rule(Boolean(text?.content) || (attachments?.length ?? 0) > 0, "text", "and attachments cannot both be empty");
}

function checkConclusions(c: Check, k: ContactWayConclusions | undefined): void {
  if (!k) return;
  checkText(c, "conclusions.text", k.text);
  if (k.image) checkImage(c, "conclusions.image", k.image);
  if (k.link) checkLink(c, "conclusions.link", k.link);
  if (k.miniprogram) checkMiniprogram(c, "conclusions.miniprogram", k.miniprogram);
}

function checkContactWayFields(c: Check, r: UpdateContactWayRequest | AddContactWayRequest): void {
  c.chars("remark", r.remark, L.contactWayRemarkChars)
    .chars("state", r.state, L.contactWayStateChars)
    .items("user", r.user, L.contactWayUsers)
    .range("expires_in", r.expires_in, 1, L.contactWayTempExpiresMaxSeconds)
    .range("chat_expires_in", r.chat_expires_in, 1, L.contactWayChatExpiresMaxSeconds);
  checkConclusions(c, r.conclusions);
}

function checkJoinWay(c: Check, r: JoinWayFields): void {
  c.items("chat_id_list", r.chat_id_list, L.joinWayChatIds, 1)
    .chars("state", r.state, L.joinWayStateChars)
    .chars("room_base_name", r.room_base_name, L.joinWayRoomBaseNameChars);
}

export class WecomClient {
  readonly corpId: string;
  private readonly secret: string;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly uploadTimeoutMs: number;
  private readonly fetchImpl: typeof globalThis.fetch;
  private readonly clock: Clock;
  private readonly maxBusyRetries: number;
  private readonly busyBackoffMs: number;
  private readonly tokens: TokenCache;
  private readonly tokenKey: string;

  constructor(options: WecomClientOptions) {
    this.corpId = options.corpId;
    this.secret = options.secret;
    this.baseUrl = (options.baseUrl ?? DEFAULT_WECOM_BASE_URL).replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.uploadTimeoutMs = options.uploadTimeoutMs ?? 30_000;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.clock = options.clock ?? { now: () => new Date() };
    this.maxBusyRetries = options.maxBusyRetries ?? L.busyRetries;
    this.busyBackoffMs = options.busyBackoffMs ?? 200;
    this.tokens = options.tokenCache ?? sharedTokenCache;
    // Tokens are per app (§1): key by corp + secret; hash the secret so it is not kept as a map key.
    const secretHash = createHash("sha256").update(options.secret).digest("hex");
    this.tokenKey = `${this.baseUrl}|${options.corpId}|${secretHash}`;
  }

  // ───────────────────────────── transport ─────────────────────────────

  /** A valid access_token for this app (cached). Never send it to a browser (§1). */
  accessToken(): Promise<string> {
    return this.tokens.get(
      this.tokenKey,
      () => this.clock.now().getTime(),
      () => this.fetchToken(),
    );
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.now().getTime() / 1000);
  }

  private url(api: string, query: Query): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
    return `${this.baseUrl}/cgi-bin/${api}?${qs}`;
  }

  private backoff(attempt: number): number {
    const ceiling = Math.min(this.busyBackoffMs * 2 ** attempt, MAX_BACKOFF_MS);
    // Equal jitter: spread retries of concurrent callers without collapsing the wait to zero.
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  /**
   * One HTTP exchange → the JSON object. The URL carries the token, so it never goes into errors.
   * A FormData body goes as multipart/form-data (fetch writes the boundary), anything else as JSON.
   */
  private async send(api: string, url: string, body?: unknown): Promise<Record<string, unknown>> {
    const call: WecomCall = { api, method: body === undefined ? "GET" : "POST", url: url.split("?")[0] ?? url, startMs: Date.now(), endMs: 0 };
    try {
      const json = await this.exchangeOnce(api, url, body, call);
      call.errcode = (json.errcode as number | undefined) ?? 0;
      return json;
    } catch (err) {
      call.failure = err instanceof WecomTimeoutError ? "timeout" : err instanceof WecomNetworkError ? "network" : "response";
      throw err;
    } finally {
      call.endMs = Date.now();
      notifyWecomCall(call);
    }
  }

  /** `send`'s exchange; it records the HTTP status on `call` (the errcode and failure `send` sets). */
  private async exchangeOnce(api: string, url: string, body: unknown, call: WecomCall): Promise<Record<string, unknown>> {
    const upload = body instanceof FormData;
    const timeoutMs = upload ? this.uploadTimeoutMs : this.timeoutMs;
    const signal = AbortSignal.timeout(timeoutMs);
    let status: number;
    let ok: boolean;
    let text: string;
    try {
      const init: RequestInit =
        body === undefined
          ? { method: "GET" }
          : upload
            ? { method: "POST", body }
            : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
      const res = await this.fetchImpl(url, { ...init, signal });
      status = res.status;
      call.status = status;
      ok = res.ok;
      text = await res.text();
    } catch (err) {
      if (signal.aborted) throw new WecomTimeoutError(api, timeoutMs, { cause: err });
      throw new WecomNetworkError(api, { cause: err });
    }
    if (!ok) throw new WecomResponseError(api, status, `HTTP status ${status}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new WecomResponseError(api, status, "body is not JSON", { cause: err });
    }
    if (!json || typeof json !== "object" || Array.isArray(json)) {
      throw new WecomResponseError(api, status, "body is not a JSON object");
    }
    const errcode = (json as { errcode?: unknown }).errcode;
    if (errcode !== undefined && typeof errcode !== "number") {
      throw new WecomResponseError(api, status, "errcode is not a number");
    }
    return json as Record<string, unknown>;
  }

  private decode<S extends z.ZodType>(api: string, schema: S, json: unknown): z.output<S> {
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new WecomResponseError(api, 200, `unexpected shape at ${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
    }
    return parsed.data;
  }

  /** Runs one exchange, retrying only on errcode -1. Returns JSON with errcode 0 or throws. */
  private async exchange(api: string, url: () => Promise<string>, body: unknown, onTokenError?: () => boolean) {
    let busy = 0;
    for (;;) {
      const json = await this.send(api, await url(), body);
      const errcode = (json.errcode as number | undefined) ?? 0;
      if (errcode === 0) return json;
      if (errcode === BUSY && busy < this.maxBusyRetries) {
        await sleep(this.backoff(busy++));
        continue;
      }
      if (TOKEN_INVALID.has(errcode) && onTokenError?.()) continue;
      notifyWecomError(api, errcode);
      throw toApiError(errcode, String(json.errmsg ?? ""), api);
    }
  }

  private async fetchToken(): Promise<FetchedToken> {
    const api = "gettoken";
    const json = await this.exchange(api, async () => this.url(api, { corpid: this.corpId, corpsecret: this.secret }), undefined);
    const t = this.decode(api, TokenResponse, json);
    return { token: t.access_token, expiresInSeconds: t.expires_in };
  }

  /** Calls `api` with the app's token. GET when `body` is undefined, else POST: multipart for a FormData, JSON otherwise. */
  async call<S extends z.ZodType>(api: string, schema: S, body?: unknown, query: Query = {}): Promise<z.output<S>> {
    let token = "";
    let refetched = false;
    const json = await this.exchange(
      api,
      async () => {
        token = await this.accessToken();
        return this.url(api, { ...query, access_token: token });
      },
      body,
      () => {
        if (refetched) return false;
        refetched = true;
        this.tokens.invalidate(this.tokenKey, token);
        return true;
      },
    );
    return this.decode(api, schema, json);
  }

  /** A paged read: `limit` within 1..maxLimit and, for a list over a time window, end_time − start_time ≤ maxSpanSeconds. */
  private page<S extends z.ZodType>(api: string, schema: S, r: PageRequest, maxLimit: number, maxSpanSeconds?: number): Promise<z.output<S>> {
    const c = new Check(api);
    if (maxSpanSeconds !== undefined) c.span("end_time", r.start_time, r.end_time, maxSpanSeconds);
    c.range("limit", r.limit, 1, maxLimit);
    return this.call(api, schema, r);
  }

  // ───────────────────────────── §2 contact ways ─────────────────────────────

  async addContactWay(r: AddContactWayRequest) {
    const api = "externalcontact/add_contact_way";
    const c = new Check(api);
    checkContactWayFields(c, r);
    if (r.type === 1) c.rule(r.user?.length === 1, "user", "must hold exactly one userid for type 1");
    if (r.type === 1) c.rule(!r.party?.length, "party", "is only allowed for type 2");
    return this.call(api, ContactWayAddedResponse, r);
  }

  async getContactWay(configId: string) {
    return this.call("externalcontact/get_contact_way", ContactWayResponse, { config_id: configId });
  }

  async listContactWay(r: ListContactWayRequest = {}) {
    return this.page("externalcontact/list_contact_way", ContactWayListResponse, r, L.listContactWayLimit);
  }

  /** Overwrites user/party/remark (§2): pass the complete intended user list. */
  async updateContactWay(r: UpdateContactWayRequest) {
    const api = "externalcontact/update_contact_way";
    checkContactWayFields(new Check(api).rule(Boolean(r.config_id), "config_id", "is required"), r);
    return this.call(api, OkResponse, r);
  }

  async delContactWay(configId: string) {
    return this.call("externalcontact/del_contact_way", OkResponse, { config_id: configId });
  }

  async closeTempChat(userid: string, externalUserid: string) {
    return this.call("externalcontact/close_temp_chat", OkResponse, { userid, external_userid: externalUserid });
  }

  // ───────────────────────────── §4 welcome ─────────────────────────────

  /** The welcome_code lives 20 s and works once (§4): call straight from the event path. */
  async sendWelcomeMsg(r: SendWelcomeMsgRequest) {
    const api = "externalcontact/send_welcome_msg";
    const c = new Check(api).rule(Boolean(r.welcome_code), "welcome_code", "is required");
    checkMessage(c, r.text, r.attachments);
    return this.call(api, OkResponse, r);
  }

  async addGroupWelcomeTemplate(t: GroupWelcomeTemplate & { notify?: 0 | 1 }) {
    const api = "externalcontact/group_welcome_template/add";
    this.checkGroupWelcome(api, t);
    return this.call(api, GroupWelcomeTemplateAddedResponse, t);
  }

  async editGroupWelcomeTemplate(templateId: string, t: GroupWelcomeTemplate) {
    const api = "externalcontact/group_welcome_template/edit";
    this.checkGroupWelcome(api, t);
    return this.call(api, OkResponse, { template_id: templateId, ...t });
  }

  async getGroupWelcomeTemplate(templateId: string) {
    return this.call("externalcontact/group_welcome_template/get", GroupWelcomeTemplateResponse, { template_id: templateId });
  }

  async delGroupWelcomeTemplate(templateId: string, agentid?: number) {
    return this.call("externalcontact/group_welcome_template/del", OkResponse, { template_id: templateId, agentid });
  }

  private checkGroupWelcome(api: string, t: GroupWelcomeTemplate): void {
    const c = new Check(api);
    checkText(c, "text", t.text, L.groupWelcomeTextBytes);
    if (t.image) checkImage(c, "image", t.image);
    if (t.link) checkLink(c, "link", t.link);
    if (t.miniprogram) checkMiniprogram(c, "miniprogram", t.miniprogram);
  }

  // ───────────────────────────── §5 customers ─────────────────────────────

  /** One customer with its follow users; page with `cursor` beyond 500 follow users. */
  async getExternalContact(externalUserid: string, cursor?: string) {
    return this.call("externalcontact/get", ExternalContactResponse, undefined, { external_userid: externalUserid, cursor });
  }

  async batchGetByUser(r: BatchGetByUserRequest) {
    const api = "externalcontact/batch/get_by_user";
    new Check(api).items("userid_list", r.userid_list, L.batchGetByUserUsers, 1).range("limit", r.limit, 1, L.batchGetByUserLimit);
    return this.call(api, BatchGetByUserResponse, r);
  }

  /** All external_userid of one member. */
  async listExternalContacts(userid: string) {
    return this.call("externalcontact/list", ExternalUserIdListResponse, undefined, { userid });
  }

  async getFollowUserList() {
    return this.call("externalcontact/get_follow_user_list", FollowUserListResponse, undefined);
  }

  async remark(r: RemarkRequest) {
    const api = "externalcontact/remark";
    new Check(api)
      .chars("remark", r.remark, L.customerRemarkChars)
      .chars("description", r.description, L.customerDescriptionChars)
      .chars("remark_company", r.remark_company, L.customerRemarkCompanyChars);
    return this.call(api, OkResponse, r);
  }

  // ───────────────────────────── §6 tags ─────────────────────────────

  async getCorpTagList(r: GetCorpTagListRequest = {}) {
    return this.call("externalcontact/get_corp_tag_list", CorpTagListResponse, r);
  }

  async addCorpTag(r: AddCorpTagRequest) {
    const api = "externalcontact/add_corp_tag";
    const c = new Check(api)
      .chars("group_name", r.group_name, L.corpTagGroupNameChars)
      // WeCom has no empty tag groups: a group is created with its first tags.
      .items("tag", r.tag, Number.POSITIVE_INFINITY, 1)
      .range("order", r.order, 0, 2 ** 32 - 1);
    for (const [i, t] of r.tag.entries()) {
      c.rule(Boolean(t.name), `tag[${i}].name`, "is required").chars(`tag[${i}].name`, t.name, L.corpTagNameChars);
      c.range(`tag[${i}].order`, t.order, 0, 2 ** 32 - 1);
    }
    return this.call(api, CorpTagAddedResponse, r);
  }

  async editCorpTag(r: EditCorpTagRequest) {
    const api = "externalcontact/edit_corp_tag";
    new Check(api).chars("name", r.name, L.corpTagNameChars).range("order", r.order, 0, 2 ** 32 - 1);
    return this.call(api, OkResponse, r);
  }

  async delCorpTag(r: DelCorpTagRequest) {
    const api = "externalcontact/del_corp_tag";
    new Check(api).rule(Boolean(r.tag_id?.length || r.group_id?.length), "tag_id", "and group_id cannot both be empty");
    return this.call(api, OkResponse, r);
  }

  async markTag(r: MarkTagRequest) {
    const api = "externalcontact/mark_tag";
    new Check(api).rule(Boolean(r.add_tag?.length || r.remove_tag?.length), "add_tag", "and remove_tag cannot both be empty");
    return this.call(api, OkResponse, r);
  }

  // ───────────────────────────── §7 mass messages ─────────────────────────────

  /** Creates send tasks; nothing is sent until each member confirms in the client (§7). */
  async addMsgTemplate(r: AddMsgTemplateRequest) {
    const api = "externalcontact/add_msg_template";
    const c = new Check(api);
    checkMessage(c, r.text, r.attachments);
    c.items("external_userid", r.external_userid, L.msgTemplateExternalUsers).items("chat_id_list", r.chat_id_list, L.msgTemplateChatIds);
    for (const [i, g] of (r.tag_filter?.group_list ?? []).entries()) {
      c.items(`tag_filter.group_list[${i}].tag_list`, g.tag_list, L.msgTemplateTagsPerGroup);
    }
    if ((r.chat_type ?? "single") === "group") {
      c.rule(Boolean(r.sender), "sender", "is required for chat_type group");
      c.rule(!r.external_userid?.length, "external_userid", "is only for chat_type single");
    } else {
      c.rule(Boolean(r.external_userid?.length || r.sender), "external_userid", "and sender cannot both be empty");
      c.rule(!r.chat_id_list?.length, "chat_id_list", "is only for chat_type group");
    }
    return this.call(api, MsgTemplateAddedResponse, r);
  }

  async getGroupMsgListV2(r: GetGroupMsgListV2Request) {
    return this.page("externalcontact/get_groupmsg_list_v2", GroupMsgListResponse, r, L.groupMsgListLimit, L.groupMsgListSpanSeconds);
  }

  async getGroupMsgTask(r: GetGroupMsgTaskRequest) {
    return this.page("externalcontact/get_groupmsg_task", GroupMsgTaskResponse, r, L.groupMsgTaskLimit);
  }

  async getGroupMsgSendResult(r: GetGroupMsgSendResultRequest) {
    return this.page("externalcontact/get_groupmsg_send_result", GroupMsgSendResultResponse, r, L.groupMsgSendResultLimit);
  }

  /** ≤ 3 reminders per message per 24 h (§7); the caller tracks the count. */
  async remindGroupMsgSend(msgid: string) {
    return this.call("externalcontact/remind_groupmsg_send", OkResponse, { msgid });
  }

  async cancelGroupMsgSend(msgid: string) {
    return this.call("externalcontact/cancel_groupmsg_send", OkResponse, { msgid });
  }

  // ───────────────────────────── §8 moments ─────────────────────────────

  /**
   * 上传附件资源 for moments (`media/upload_attachment`, attachment_type 1, official doc 96347): an
   * image or a video ≤ 10 MB; a video must also be ≤ 30 s, which only the caller can know. The
   * media_id lives 3 days, so a moment scheduled further ahead uploads when it runs (wecom-services §B1).
   * Retried like every call (token churn, busy): a retry only leaves an unused media_id behind.
   *
   * @example
   * const { media_id } = await wecom.uploadAttachment("image", { filename: "poster.jpg", contentType: "image/jpeg", bytes });
   * await wecom.addMomentTask({ attachments: [{ msgtype: "image", image: { media_id } }] });
   */
  async uploadAttachment(mediaType: AttachmentMediaType, file: UploadFile) {
    const api = "media/upload_attachment";
    new Check(api)
      .rule(mediaType === "image" || mediaType === "video", "media_type", "must be image or video (moments take nothing else)")
      .rule(Boolean(file.filename), "file.filename", "is required")
      .rule(Boolean(file.contentType), "file.contentType", "is required")
      .fileBytes("file.bytes", file.bytes, mediaType === "image" ? L.attachmentImageBytes : L.attachmentVideoBytes);
    const form = new FormData();
    form.append("media", new Blob([file.bytes], { type: file.contentType }), file.filename);
    return this.call(api, UploadAttachmentResponse, form, { media_type: mediaType, attachment_type: 1 });
  }

  /** Asynchronous: returns a jobid for getMomentTaskResult. ≤ 10 tasks per minute per corp. */
  async addMomentTask(r: AddMomentTaskRequest) {
    const api = "externalcontact/add_moment_task";
    const c = new Check(api).chars("text.content", r.text?.content, L.momentTextChars);
    const atts = r.attachments ?? [];
    const kinds = new Set(atts.map((a) => a.msgtype));
    c.rule(kinds.size <= 1, "attachments", "must all be of one type (images, or one video, or one link)");
    const kind = atts[0]?.msgtype;
    c.items("attachments", atts, kind === "image" ? L.momentImages : 1);
    for (const [i, a] of atts.entries()) {
      const f = `attachments[${i}]`;
      if (a.msgtype === "image") c.rule(Boolean(a.image?.media_id), `${f}.image.media_id`, "is required");
      else if (a.msgtype === "video") c.rule(Boolean(a.video?.media_id), `${f}.video.media_id`, "is required");
      else if (a.msgtype === "link") {
        c.rule(Boolean(a.link?.url), `${f}.link.url`, "is required").rule(Boolean(a.link?.media_id), `${f}.link.media_id`, "is required");
        c.bytes(`${f}.link.title`, a.link.title, L.momentLinkTitleBytes);
      } else c.rule(false, `${f}.msgtype`, "is not one of image, video, link");
    }
    c.rule(Boolean(r.text?.content) || atts.length > 0, "text", "and attachments cannot both be empty");
    c.items("visible_range.sender_list.user_list", r.visible_range?.sender_list?.user_list, L.momentSenderUsers);
    return this.call(api, MomentJobResponse, r);
  }

  async getMomentTaskResult(jobid: string) {
    return this.call("externalcontact/get_moment_task_result", MomentTaskResultResponse, undefined, { jobid });
  }

  /** Stops unsent tasks only; published posts cannot be retracted (§8). */
  async cancelMomentTask(momentId: string) {
    return this.call("externalcontact/cancel_moment_task", OkResponse, { moment_id: momentId });
  }

  async getMomentList(r: GetMomentListRequest) {
    return this.page("externalcontact/get_moment_list", MomentListResponse, r, L.momentListLimit, L.momentListSpanSeconds);
  }

  async getMomentTask(r: MomentPageRequest) {
    return this.page("externalcontact/get_moment_task", MomentTaskResponse, r, L.momentTaskLimit);
  }

  /** The customers in the chosen visible range of one member's task. */
  async getMomentCustomerList(r: MomentUserPageRequest) {
    return this.call("externalcontact/get_moment_customer_list", MomentCustomerListResponse, r);
  }

  /** The customers the post was actually delivered to. */
  async getMomentSendResult(r: MomentUserPageRequest) {
    return this.page("externalcontact/get_moment_send_result", MomentCustomerListResponse, r, L.momentSendResultLimit);
  }

  async getMomentComments(momentId: string, userid: string) {
    return this.call("externalcontact/get_moment_comments", MomentCommentsResponse, { moment_id: momentId, userid });
  }

  // ───────────────────────────── §9 join ways and group chats ─────────────────────────────

  async addJoinWay(r: JoinWayFields) {
    const api = "externalcontact/groupchat/add_join_way";
    checkJoinWay(new Check(api), r);
    return this.call(api, JoinWayAddedResponse, r);
  }

  async getJoinWay(configId: string) {
    return this.call("externalcontact/groupchat/get_join_way", JoinWayResponse, { config_id: configId });
  }

  /** Full overwrite (§9): pass every field, not a patch. */
  async updateJoinWay(r: JoinWayFields & { config_id: string }) {
    const api = "externalcontact/groupchat/update_join_way";
    checkJoinWay(new Check(api).rule(Boolean(r.config_id), "config_id", "is required"), r);
    return this.call(api, OkResponse, r);
  }

  async delJoinWay(configId: string) {
    return this.call("externalcontact/groupchat/del_join_way", OkResponse, { config_id: configId });
  }

  async listGroupChats(r: GroupChatListRequest) {
    const api = "externalcontact/groupchat/list";
    new Check(api)
      .range("limit", r.limit, 1, L.groupChatListLimit)
      .items("owner_filter.userid_list", r.owner_filter?.userid_list, L.groupChatOwnerFilterUsers);
    return this.call(api, GroupChatListResponse, r);
  }

  async getGroupChat(chatId: string, needName = false) {
    return this.call("externalcontact/groupchat/get", GroupChatResponse, { chat_id: chatId, need_name: needName ? 1 : 0 });
  }

  /** Groups of a resigned owner. ≤ 300 groups per person per day (§9). */
  async transferGroupChats(chatIdList: string[], newOwner: string) {
    const api = "externalcontact/groupchat/transfer";
    new Check(api).items("chat_id_list", chatIdList, L.groupChatTransferIds, 1);
    return this.call(api, GroupChatTransferResponse, { chat_id_list: chatIdList, new_owner: newOwner });
  }

  /** Groups of an on-job owner. Each group ≤ 2 transfers per 90 days (§9). */
  async onjobTransferGroupChats(chatIdList: string[], newOwner: string) {
    const api = "externalcontact/groupchat/onjob_transfer";
    new Check(api).items("chat_id_list", chatIdList, L.groupChatTransferIds, 1);
    return this.call(api, GroupChatTransferResponse, { chat_id_list: chatIdList, new_owner: newOwner });
  }

  // ───────────────────────────── §10 statistics ─────────────────────────────

  private checkRetention(c: Check, field: string, start: number): void {
    const age = this.nowSeconds() - start;
    if (age > L.statsRetentionSeconds + RETENTION_SLACK) {
      throw new WecomLimitError(c.api, field, L.statsRetentionSeconds, age, "seconds");
    }
  }

  /** Several userids are aggregated into one series (§10): call once per member for per-staff rows. */
  async getUserBehaviorData(r: UserBehaviorDataRequest) {
    const api = "externalcontact/get_user_behavior_data";
    const c = new Check(api)
      .items("userid", r.userid, L.behaviorUserIds)
      .items("partyid", r.partyid, L.behaviorPartyIds)
      .rule(Boolean(r.userid?.length || r.partyid?.length), "userid", "and partyid cannot both be empty")
      .span("end_time", r.start_time, r.end_time, L.statsSpanSeconds);
    this.checkRetention(c, "start_time", r.start_time);
    return this.call(api, UserBehaviorDataResponse, r);
  }

  /** Both group-chat statistics (§10): owners, the day range, `limit` where the API pages, retention. */
  private groupStatistic<S extends z.ZodType>(api: string, schema: S, r: GroupChatStatisticRequest, maxLimit?: number): Promise<z.output<S>> {
    const c = new Check(api)
      .items("owner_filter.userid_list", r.owner_filter.userid_list, L.groupStatOwners)
      .span("day_end_time", r.day_begin_time, r.day_end_time, L.statsSpanSeconds);
    if (maxLimit !== undefined) c.range("limit", r.limit, 1, maxLimit);
    this.checkRetention(c, "day_begin_time", r.day_begin_time);
    return this.call(api, schema, r);
  }

  async groupChatStatistic(r: GroupChatStatisticRequest) {
    return this.groupStatistic("externalcontact/groupchat/statistic", GroupChatStatisticResponse, r, L.groupStatLimit);
  }

  async groupChatStatisticByDay(r: GroupChatStatisticByDayRequest) {
    return this.groupStatistic("externalcontact/groupchat/statistic_group_by_day", GroupChatStatisticByDayResponse, r);
  }

  // ───────────────────────────── §11 transfers ─────────────────────────────

  /** On-job transfer. errcode 0 per customer means started; it completes after 24 h unless refused (§11). */
  async transferCustomer(r: TransferCustomerRequest) {
    const api = "externalcontact/transfer_customer";
    new Check(api)
      .items("external_userid", r.external_userid, L.transferCustomers, 1)
      .chars("transfer_success_msg", r.transfer_success_msg, L.transferSuccessMsgChars)
      .rule(r.handover_userid !== r.takeover_userid, "takeover_userid", "must differ from handover_userid");
    return this.call(api, TransferCustomerResponse, r);
  }

  async transferResult(r: TransferResultRequest) {
    return this.call("externalcontact/transfer_result", TransferResultResponse, r);
  }

  async resignedTransferCustomer(r: Omit<TransferCustomerRequest, "transfer_success_msg">) {
    const api = "externalcontact/resigned/transfer_customer";
    new Check(api)
      .items("external_userid", r.external_userid, L.transferCustomers, 1)
      .rule(r.handover_userid !== r.takeover_userid, "takeover_userid", "must differ from handover_userid");
    return this.call(api, TransferCustomerResponse, r);
  }

  async resignedTransferResult(r: TransferResultRequest) {
    return this.call("externalcontact/resigned/transfer_result", TransferResultResponse, r);
  }

  async getUnassignedList(r: UnassignedListRequest = {}) {
    const api = "externalcontact/get_unassigned_list";
    new Check(api).range("page_size", r.page_size, 1, L.unassignedPageSize);
    return this.call(api, UnassignedListResponse, r);
  }

  // ───────────────────────────── app messages ─────────────────────────────

  async sendAppMessage(r: AppMessageRequest) {
    const api = "message/send";
    const count = (s: string | undefined) => (s ? s.split("|").filter(Boolean) : undefined);
    const c = new Check(api)
      .rule(Boolean(r.touser || r.toparty || r.totag), "touser/toparty/totag", "cannot all be empty")
      .items("touser", r.touser === "@all" ? [] : count(r.touser), L.appMessageUsers)
      .items("toparty", count(r.toparty), L.appMessageParties)
      .items("totag", count(r.totag), L.appMessageTags);
    if (r.msgtype === "text") c.bytes("text.content", r.text.content, L.appMessageTextBytes);
    if (r.msgtype === "markdown") c.bytes("markdown.content", r.markdown.content, L.appMessageTextBytes);
    return this.call(api, AppMessageResponse, r);
  }
}
