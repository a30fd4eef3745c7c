/**
 * WeCom-shaped errors. Every API failure is a `WecomError` carrying an errcode from the global
 * errcode table (wecom-reference §0, §13 "ErrTbl"); the server turns it into
 * `{ errcode, errmsg }` with HTTP 200, as WeCom does.
 *
 * A failure caused by a WeCom *limit or frequency rule* also carries `violation`: in strict mode the
 * server records it in the violation log (`GET /_sim/violations`), so tests can assert that Siyu never
 * trips a rule.
 */

/** The errcodes the simulator uses, by meaning. Numbers are WeCom's. */
export const ERR = {
  BUSY: -1,
  INVALID_SECRET: 40001,
  INVALID_USERID: 40003,
  INVALID_MEDIA_TYPE: 40004,
  INVALID_MEDIA_ID: 40007,
  INVALID_IMAGE_SIZE: 40009,
  INVALID_VIDEO_SIZE: 40011,
  INVALID_CORPID: 40013,
  INVALID_TOKEN: 40014,
  INVALID_USERID_LIST_LENGTH: 40032,
  CHATID_NOT_FOUND: 40050,
  INVALID_AGENTID: 40056,
  INVALID_PARAMETER: 40058,
  EMPTY_PARAMETER: 40063,
  INVALID_TAG_ID: 40068,
  INVALID_TAG_NAME: 40071,
  INVALID_TAG_NAME_LENGTH: 40072,
  JOBID_NOT_FOUND: 40088,
  INVALID_EXTERNAL_USERID: 40096,
  NOT_RESIGNED: 40097,
  EXTERNAL_CONTACTS_AT_CAP: 40099,
  CORP_TAG_CAP: 40126,
  TRANSFER_TOO_FREQUENT: 40128,
  TRANSFER_IN_PROGRESS: 40129,
  TRANSFER_SAME_USER: 40130,
  HANDOVER_NOT_FOLLOWER: 40131,
  MISSING_TOKEN: 41001,
  MISSING_CORPID: 41002,
  MISSING_SECRET: 41004,
  MISSING_MEDIA: 41005,
  MISSING_USERID: 41009,
  MISSING_EXTERNAL_USERID: 41035,
  CONTACT_WAY_MISSING_TYPE: 41037,
  CONTACT_WAY_MISSING_SCENE: 41038,
  CONTACT_WAY_INVALID_TYPE: 41039,
  CONTACT_WAY_INVALID_SCENE: 41040,
  CONTACT_WAY_TOO_MANY_USERS: 41041,
  MISSING_CONFIG_ID: 41043,
  INVALID_CONFIG_ID: 41044,
  CONTACT_WAY_QUOTA: 41045,
  MISSING_MSGID: 41046,
  INVALID_MSGID: 41047,
  NO_SENDABLE_CUSTOMER: 41048,
  MISSING_WELCOME_CODE: 41049,
  INVALID_WELCOME_CODE: 41050,
  ALREADY_CHATTING: 41051,
  GROUP_WELCOME_TEMPLATE_LIMIT: 41055,
  MISSING_MOMENT_ID: 41059,
  INVALID_MOMENT_ID: 41060,
  INVALID_ATTACHMENT_TYPE: 41065,
  TOKEN_EXPIRED: 42001,
  EMPTY_TEXT: 44004,
  API_OVER_LIMIT: 45009,
  DATA_FORMAT: 47001,
  API_FORBIDDEN: 48002,
  INVALID_CURSOR: 50100,
  USERID_NOT_FOUND: 60111,
  TOO_MANY_ITEMS: 81017,
  NOT_EXTERNAL_CONTACT: 84061,
} as const;

const DEFAULT_MESSAGES: Record<number, string> = {
  [-1]: "system busy",
  40001: "invalid credential",
  40003: "invalid userid",
  40004: "invalid media type",
  40007: "invalid media_id",
  40009: "invalid image size",
  40011: "invalid video size",
  40013: "invalid corpid",
  40014: "invalid access_token",
  40032: "invalid userid list length",
  40050: "chatid not found",
  40056: "invalid agentid",
  40058: "invalid parameter",
  40063: "some parameters are empty",
  40068: "invalid tagid",
  40071: "invalid tag name",
  40072: "invalid tag name length",
  40088: "jobid not found",
  40096: "invalid external userid",
  40097: "the member has not resigned",
  40099: "external contacts count reach limit",
  40126: "corp tag count reach limit (3000)",
  40128: "customer transfer too frequent",
  40129: "customer is being transferred",
  40130: "handover userid equals takeover userid",
  40131: "handover userid is not a follow user of the external contact",
  41001: "access_token missing",
  41002: "corpid missing",
  41004: "corpsecret missing",
  41005: "media data missing",
  41009: "missing userid",
  41035: "missing external userid",
  41037: "missing contact way type",
  41038: "missing contact way scene",
  41039: "invalid contact way type",
  41040: "invalid contact way scene",
  41041: "contact way user count exceeds limit",
  41043: "missing config_id",
  41044: "invalid config_id",
  41045: "contact way count reach limit",
  41046: "missing msgid",
  41047: "invalid msgid",
  41048: "no sendable external contact",
  41049: "missing welcome_code",
  41050: "invalid welcome_code",
  41051: "externaluser has started chatting",
  41055: "group welcome template count reach limit",
  41059: "missing moment_id",
  41060: "invalid moment_id",
  41065: "invalid attachment type",
  42001: "access_token expired",
  44004: "empty content",
  45009: "api freq out of limit",
  47001: "data format error",
  48002: "api forbidden",
  50100: "invalid cursor",
  60111: "userid not found",
  81017: "too many items",
  84061: "not external contact",
};

interface ViolationInfo {
  /** Stable rule id, e.g. `welcome.window-20s`, `mass.receive-frequency`. */
  rule: string;
  detail: Record<string, unknown>;
}

export class WecomError extends Error {
  readonly errcode: number;
  readonly violation: ViolationInfo | undefined;
  constructor(errcode: number, detail?: string, violation?: ViolationInfo) {
    const base = DEFAULT_MESSAGES[errcode] ?? "error";
    super(detail ? `${base}: ${detail}` : base);
    this.name = "WecomError";
    this.errcode = errcode;
    this.violation = violation;
  }
}


/** A rejection because a WeCom limit or frequency rule was hit: recorded as a violation in strict mode. */
export function limitError(errcode: number, rule: string, detail: string, data: Record<string, unknown> = {}): WecomError {
  return new WecomError(errcode, detail, { rule, detail: { message: detail, ...data } });
}

/** Errors of the world API (`/_sim/...`): plain HTTP status + message, not WeCom-shaped. */
export class SimError extends Error {
  readonly status: number;
  readonly extra: Record<string, unknown>;
  constructor(status: number, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = "SimError";
    this.status = status;
    this.extra = extra;
  }
}

/** Render an errmsg the way WeCom does (`<text>, hint: [...], more info at ...`). */
export function errmsgOf(err: WecomError, hint: string): string {
  return `${err.message}, hint: [${hint}], more info at https://open.work.weixin.qq.com/devtool/query?e=${err.errcode}`;
}
