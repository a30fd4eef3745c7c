/**
 * WeCom's documented limits (wecom-reference §1–§13), exported so services can plan around them.
 * The client validates the request-shaped ones before calling WeCom; the rate/quota ones are
 * informational (they depend on history the client does not have).
 * "chars" = Unicode code points; "bytes" = UTF-8 bytes.
 */
import { WecomLimitError, WecomValidationError } from "./errors.ts";

const DAY = 86_400;

export const WECOM_LIMITS = {
  // §1, §13 — platform
  tokenTtlSeconds: 7200,
  callsPerMinutePerApi: 10_000,
  callsPerHourPerApi: 150_000,
  busyRetries: 3,

  // §4, §7 — message content (welcome, mass message, contact-way conclusions)
  textBytes: 4000,
  /** 入群欢迎语素材 (official document 92366): text.content 最长为3000字节; the library holds 100 (41055). */
  groupWelcomeTextBytes: 3000,
  groupWelcomeTemplatesPerCorp: 100,
  attachments: 9,
  linkTitleBytes: 128,
  linkDescBytes: 512,
  linkUrlBytes: 2048,
  miniprogramTitleBytes: 64,

  // §2 — contact ways
  contactWayUsers: 100,
  contactWayStateChars: 30,
  contactWayRemarkChars: 30,
  contactWayTempExpiresMaxSeconds: 14 * DAY,
  contactWayChatExpiresMaxSeconds: 14 * DAY,
  listContactWayLimit: 1000,
  contactWayQuotaPerCorp: 500_000,

  // §5 — customers
  batchGetByUserUsers: 100,
  batchGetByUserLimit: 100,
  customerRemarkChars: 20,
  customerDescriptionChars: 150,
  customerRemarkCompanyChars: 20,

  // §6 — tags
  corpTagNameChars: 30,
  corpTagGroupNameChars: 30,
  corpTagsPerCorp: 3000,

  // §7 — mass messages
  msgTemplateExternalUsers: 10_000,
  msgTemplateChatIds: 2000,
  msgTemplateTagsPerGroup: 100,
  groupMsgListLimit: 100,
  groupMsgListSpanSeconds: 31 * DAY,
  groupMsgTaskLimit: 1000,
  groupMsgSendResultLimit: 1000,
  remindsPerMessagePer24h: 3,

  // §8 — moments
  momentTextChars: 2000,
  momentImages: 9,
  momentLinkTitleBytes: 64,
  momentSenderUsers: 100_000,
  momentTasksPerMinute: 10,
  momentListLimit: 20,
  momentListSpanSeconds: 30 * DAY,
  momentTaskLimit: 1000,
  momentSendResultLimit: 5000,
  /**
   * 上传附件资源 (media/upload_attachment, official doc 96347, upd. 2025/06/10; wecom-reference §8):
   * moment images and videos ≤ 10 MB each (read as MiB), a video also ≤ 30 s — the client cannot
   * measure a duration, so the caller keeps to it. The media_id lives 3 days from the upload.
   */
  attachmentImageBytes: 10 * 1024 * 1024,
  attachmentVideoBytes: 10 * 1024 * 1024,
  attachmentVideoSeconds: 30,
  attachmentMediaTtlSeconds: 3 * DAY,

  // §9 — group join ways and group chats
  joinWayChatIds: 5,
  joinWayStateChars: 30,
  /** WeCom truncates a longer remark (it does not refuse it). */
  joinWayRemarkChars: 30,
  joinWayRoomBaseNameChars: 40,
  groupChatListLimit: 1000,
  groupChatOwnerFilterUsers: 100,
  groupChatTransferIds: 100,
  groupTransfersPerOwnerPerDay: 300,
  /** Treat a group as full for QR routing at 200 (§9, UNCONFIRMED official wording). */
  groupQrJoinCapacity: 200,

  // §10 — statistics
  behaviorUserIds: 100,
  behaviorPartyIds: 100,
  statsSpanSeconds: 30 * DAY,
  statsRetentionSeconds: 180 * DAY,
  groupStatOwners: 100,
  groupStatLimit: 1000,

  // §11 — transfers
  transferCustomers: 100,
  transferSuccessMsgChars: 200,
  transfersPerCustomerPer90Days: 2,
  unassignedPageSize: 1000,

  // App messages (message/send). Not in wecom-reference: from the official message/send page, UNCONFIRMED here.
  appMessageTextBytes: 2048,
  appMessageUsers: 1000,
  appMessageParties: 100,
  appMessageTags: 100,
} as const;

export type WecomLimits = typeof WECOM_LIMITS;

export const utf8Bytes = (s: string): number => Buffer.byteLength(s, "utf8");
export const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** Collects checks for one API call; throws on the first violation. */
export class Check {
  constructor(readonly api: string) {}

  items(field: string, list: readonly unknown[] | undefined, max: number, min = 0): this {
    const n = list?.length ?? 0;
    if (n > max) throw new WecomLimitError(this.api, field, max, n, "items");
    if (n < min) throw new WecomValidationError(this.api, field, `needs at least ${min} item(s), got ${n}`);
    return this;
  }

  bytes(field: string, s: string | undefined, max: number): this {
    if (s === undefined) return this;
    const n = utf8Bytes(s);
    if (n > max) throw new WecomLimitError(this.api, field, max, n, "bytes");
    return this;
  }

  /** A file's size: at most `max` bytes, and not empty. */
  fileBytes(field: string, data: Uint8Array, max: number): this {
    if (data.byteLength === 0) throw new WecomValidationError(this.api, field, "is empty");
    if (data.byteLength > max) throw new WecomLimitError(this.api, field, max, data.byteLength, "bytes");
    return this;
  }

  chars(field: string, s: string | undefined, max: number): this {
    if (s === undefined) return this;
    const n = codePoints(s);
    if (n > max) throw new WecomLimitError(this.api, field, max, n, "chars");
    return this;
  }

  range(field: string, v: number | undefined, min: number, max: number): this {
    if (v === undefined) return this;
    if (!Number.isFinite(v) || v < min) throw new WecomValidationError(this.api, field, `must be between ${min} and ${max}, got ${v}`);
    if (v > max) throw new WecomLimitError(this.api, field, max, v, "value");
    return this;
  }

  /** end - start must be within [0, maxSeconds]. */
  span(field: string, start: number | undefined, end: number | undefined, maxSeconds: number): this {
    if (start === undefined || end === undefined) return this;
    if (end < start) throw new WecomValidationError(this.api, field, "end is before start");
    if (end - start > maxSeconds) throw new WecomLimitError(this.api, field, maxSeconds, end - start, "seconds");
    return this;
  }

  rule(ok: boolean, field: string, message: string): this {
    if (!ok) throw new WecomValidationError(this.api, field, message);
    return this;
  }
}
