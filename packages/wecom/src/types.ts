/**
 * Request types and response schemas of the WeCom APIs Siyu uses (wecom-reference §2–§11).
 * Field names stay in WeCom's snake_case so code can be read against the official docs.
 * Response schemas are loose: they check what Siyu relies on and pass everything else through,
 * so WeCom adding fields never breaks a call.
 */
import * as z from "zod";

// ───────────────────────────── shared content ─────────────────────────────

export interface TextContent {
  content: string;
}

export interface ImageContent {
  media_id?: string;
  pic_url?: string;
}

export interface LinkContent {
  title: string;
  picurl?: string;
  desc?: string;
  url: string;
}

export interface MiniprogramContent {
  title: string;
  pic_media_id: string;
  appid: string;
  page: string;
}

export interface MediaContent {
  media_id: string;
}

/** Attachment of welcome messages and mass messages (§4, §7). */
export type MessageAttachment =
  | { msgtype: "image"; image: ImageContent }
  | { msgtype: "link"; link: LinkContent }
  | { msgtype: "miniprogram"; miniprogram: MiniprogramContent }
  | { msgtype: "video"; video: MediaContent }
  | { msgtype: "file"; file: MediaContent };

// ───────────────────────────── §2 contact ways ─────────────────────────────

export interface ContactWayConclusions {
  text?: TextContent;
  image?: ImageContent;
  link?: LinkContent;
  miniprogram?: MiniprogramContent;
}

interface ContactWayFields {
  style?: number;
  /** ≤ 30 chars. */
  remark?: string;
  /** Defaults to true at WeCom. */
  skip_verify?: boolean;
  /** Channel key, ≤ 30 chars. */
  state?: string;
  /** ≤ 100 users; exactly one for type 1. */
  user?: string[];
  /** Departments, type 2 only. */
  party?: number[];
  expires_in?: number;
  chat_expires_in?: number;
  unionid?: string;
  conclusions?: ContactWayConclusions;
}

export interface AddContactWayRequest extends ContactWayFields {
  /** 1 = single member, 2 = multiple members. */
  type: 1 | 2;
  /** 1 = mini-program button, 2 = QR code. */
  scene: 1 | 2;
  is_temp?: boolean;
}

/** update_contact_way overwrites user/party/remark (§2): send the full intended list. */
export interface UpdateContactWayRequest extends ContactWayFields {
  config_id: string;
}

export interface ListContactWayRequest {
  start_time?: number;
  end_time?: number;
  cursor?: string;
  limit?: number;
}

// ───────────────────────────── §4 welcome ─────────────────────────────

export interface SendWelcomeMsgRequest {
  welcome_code: string;
  text?: TextContent;
  attachments?: MessageAttachment[];
}

/** Group welcome template (not detailed in wecom-reference; shapes from the official page, UNCONFIRMED). */
export interface GroupWelcomeTemplate {
  text?: TextContent;
  image?: ImageContent;
  link?: LinkContent;
  miniprogram?: MiniprogramContent;
  file?: MediaContent;
  video?: MediaContent;
  agentid?: number;
}

// ───────────────────────────── §5 customers ─────────────────────────────

export interface BatchGetByUserRequest {
  userid_list: string[];
  cursor?: string;
  limit?: number;
}

export interface RemarkRequest {
  userid: string;
  external_userid: string;
  remark?: string;
  description?: string;
  remark_company?: string;
  remark_mobiles?: string[];
  remark_pic_mediaid?: string;
}

// ───────────────────────────── §6 tags ─────────────────────────────

export interface GetCorpTagListRequest {
  tag_id?: string[];
  group_id?: string[];
}

export interface AddCorpTagRequest {
  group_id?: string;
  group_name?: string;
  order?: number;
  tag: { name: string; order?: number }[];
  agentid?: number;
}

export interface EditCorpTagRequest {
  id: string;
  name?: string;
  order?: number;
  agentid?: number;
}

export interface DelCorpTagRequest {
  tag_id?: string[];
  group_id?: string[];
  agentid?: number;
}

export interface MarkTagRequest {
  userid: string;
  external_userid: string;
  add_tag?: string[];
  remove_tag?: string[];
}

// ───────────────────────────── §7 mass messages ─────────────────────────────

export interface AddMsgTemplateRequest {
  chat_type?: "single" | "group";
  external_userid?: string[];
  chat_id_list?: string[];
  /** OR within a group, AND across groups. */
  tag_filter?: { group_list: { tag_list: string[] }[] };
  sender?: string;
  allow_select?: boolean;
  text?: TextContent;
  attachments?: MessageAttachment[];
}

export interface GetGroupMsgListV2Request {
  chat_type: "single" | "group";
  start_time: number;
  end_time: number;
  creator?: string;
  /** 0 corp, 1 personal, 2 all. */
  filter_type?: 0 | 1 | 2;
  limit?: number;
  cursor?: string;
}

export interface GetGroupMsgTaskRequest {
  msgid: string;
  limit?: number;
  cursor?: string;
}

export interface GetGroupMsgSendResultRequest {
  msgid: string;
  userid: string;
  limit?: number;
  cursor?: string;
}

// ───────────────────────────── §8 moments ─────────────────────────────

export type MomentAttachment =
  | { msgtype: "image"; image: MediaContent }
  | { msgtype: "video"; video: MediaContent }
  | { msgtype: "link"; link: { title?: string; url: string; media_id: string } };

export interface AddMomentTaskRequest {
  text?: TextContent;
  /** ≤ 9 images, or 1 video, or 1 link; one type only. */
  attachments?: MomentAttachment[];
  visible_range?: {
    sender_list?: { user_list?: string[]; department_list?: number[] };
    /** Corp tags only. */
    external_contact_list?: { tag_list?: string[] };
  };
}

export interface GetMomentListRequest {
  start_time: number;
  end_time: number;
  creator?: string;
  filter_type?: 0 | 1 | 2;
  cursor?: string;
  limit?: number;
}

export interface MomentPageRequest {
  moment_id: string;
  cursor?: string;
  limit?: number;
}

export interface MomentUserPageRequest extends MomentPageRequest {
  userid: string;
}

/** Moments take images and videos uploaded with media/upload_attachment (attachment_type 1). */
export type AttachmentMediaType = "image" | "video";

/** A file to upload as multipart/form-data: `filename` and `contentType` go into its part headers. */
export interface UploadFile {
  filename: string;
  contentType: string;
  bytes: Uint8Array;
}

// ───────────────────────────── §9 join ways and groups ─────────────────────────────

export interface JoinWayFields {
  /** 1 = mini-program plugin, 2 = QR code. */
  scene: 1 | 2;
  /** WeCom truncates beyond 30 chars. */
  remark?: string;
  /** Default 1. */
  auto_create_room?: 0 | 1;
  room_base_name?: string;
  room_base_id?: number;
  /** Required, 1–5 groups. */
  chat_id_list: string[];
  state?: string;
}

export interface GroupChatListRequest {
  status_filter?: 0 | 1 | 2 | 3;
  owner_filter?: { userid_list: string[] };
  cursor?: string;
  limit: number;
}

// ───────────────────────────── §10 statistics ─────────────────────────────

export interface UserBehaviorDataRequest {
  userid?: string[];
  partyid?: number[];
  start_time: number;
  end_time: number;
}

export interface GroupChatStatisticRequest {
  day_begin_time: number;
  day_end_time?: number;
  owner_filter: { userid_list: string[] };
  order_by?: 1 | 2 | 3 | 4;
  order_asc?: 0 | 1;
  offset?: number;
  limit?: number;
}

export interface GroupChatStatisticByDayRequest {
  day_begin_time: number;
  day_end_time?: number;
  owner_filter: { userid_list: string[] };
}

// ───────────────────────────── §11 transfers ─────────────────────────────

export interface TransferCustomerRequest {
  handover_userid: string;
  takeover_userid: string;
  external_userid: string[];
  /** ≤ 200 chars; on-job transfer only. */
  transfer_success_msg?: string;
}

export interface TransferResultRequest {
  handover_userid: string;
  takeover_userid: string;
  cursor?: string;
}

export interface UnassignedListRequest {
  page_id?: number;
  page_size?: number;
  cursor?: string;
}

// ───────────────────────────── app messages ─────────────────────────────

/** message/send (not detailed in wecom-reference; common fields of the official page). */
export type AppMessageRequest = {
  /** "|"-separated userids, or "@all". */
  touser?: string;
  toparty?: string;
  totag?: string;
  agentid: number;
  safe?: 0 | 1;
  enable_duplicate_check?: 0 | 1;
  duplicate_check_interval?: number;
} & (
  | { msgtype: "text"; text: TextContent }
  | { msgtype: "markdown"; markdown: TextContent }
  | { msgtype: "textcard"; textcard: { title: string; description: string; url: string; btntxt?: string } }
);

// ───────────────────────────── response schemas ─────────────────────────────

const str = z.string();
const optStr = z.string().optional();
/** WeCom is inconsistent about numbers vs numeric strings (e.g. create_time); normalise to number. */
const num = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/).transform(Number)]);
const optNum = num.optional();
const list = <T extends z.ZodType>(item: T) => z.array(item).default([]);
const loose = z.looseObject;

export const OkResponse = loose({});

export const TokenResponse = loose({ access_token: str.min(1), expires_in: num });

export const ContactWayAddedResponse = loose({ config_id: str, qr_code: optStr });
export const ContactWayResponse = loose({
  contact_way: loose({
    config_id: str,
    type: optNum,
    scene: optNum,
    style: optNum,
    remark: optStr,
    skip_verify: z.boolean().optional(),
    state: optStr,
    qr_code: optStr,
    user: list(str),
    party: list(num),
    is_temp: z.boolean().optional(),
    expires_in: optNum,
    chat_expires_in: optNum,
    unionid: optStr,
  }),
});
export const ContactWayListResponse = loose({
  contact_way: list(loose({ config_id: str })),
  next_cursor: optStr,
});

export const ExternalContactSchema = loose({
  external_userid: str,
  name: optStr,
  avatar: optStr,
  type: optNum,
  gender: optNum,
  unionid: optStr,
  position: optStr,
  corp_name: optStr,
  corp_full_name: optStr,
});
export const FollowUserSchema = loose({
  userid: str,
  remark: optStr,
  description: optStr,
  createtime: optNum,
  tags: list(loose({ group_name: optStr, tag_name: optStr, tag_id: optStr, type: optNum })),
  remark_corp_name: optStr,
  remark_mobiles: list(str),
  oper_userid: optStr,
  add_way: optNum,
  state: optStr,
});
export const ExternalContactResponse = loose({
  external_contact: ExternalContactSchema,
  follow_user: list(FollowUserSchema),
  next_cursor: optStr,
});
export const BatchGetByUserResponse = loose({
  external_contact_list: list(
    loose({
      external_contact: ExternalContactSchema,
      follow_info: loose({
        userid: str,
        remark: optStr,
        description: optStr,
        createtime: optNum,
        tag_id: list(str),
        remark_corp_name: optStr,
        remark_mobiles: list(str),
        oper_userid: optStr,
        add_way: optNum,
        state: optStr,
      }),
    }),
  ),
  next_cursor: optStr,
});
export const ExternalUserIdListResponse = loose({ external_userid: list(str) });
export const FollowUserListResponse = loose({ follow_user: list(str) });

const CorpTag = loose({ id: str, name: str, create_time: optNum, order: optNum, deleted: z.boolean().optional() });
const CorpTagGroup = loose({
  group_id: str,
  group_name: str,
  create_time: optNum,
  order: optNum,
  deleted: z.boolean().optional(),
  tag: list(CorpTag),
});
export const CorpTagListResponse = loose({ tag_group: list(CorpTagGroup) });
export const CorpTagAddedResponse = loose({ tag_group: CorpTagGroup });

export const MsgTemplateAddedResponse = loose({ msgid: str, fail_list: list(str) });
export const GroupMsgListResponse = loose({
  group_msg_list: list(
    loose({ msgid: str, creator: optStr, create_time: optNum, create_type: optNum, text: z.unknown().optional(), attachments: z.unknown().optional() }),
  ),
  next_cursor: optStr,
});
export const GroupMsgTaskResponse = loose({
  task_list: list(loose({ userid: str, status: num, send_time: optNum })),
  next_cursor: optStr,
});
export const GroupMsgSendResultResponse = loose({
  send_list: list(loose({ external_userid: optStr, chat_id: optStr, userid: optStr, status: num, send_time: optNum })),
  next_cursor: optStr,
});

/** media/upload_attachment. `created_at` is Unix seconds: a number in doc 96347, a string in older media docs. */
export const UploadAttachmentResponse = loose({ type: str, media_id: str, created_at: num });
export const MomentJobResponse = loose({ jobid: str });
export const MomentTaskResultResponse = loose({
  /** 1 started, 2 creating, 3 done. */
  status: num,
  type: optStr,
  result: loose({
    errcode: optNum,
    errmsg: optStr,
    moment_id: optStr,
    invalid_sender_list: loose({ user_list: list(str), department_list: list(num) }).optional(),
    invalid_external_contact_list: loose({ tag_list: list(str) }).optional(),
  }).optional(),
});
export const MomentListResponse = loose({
  moment_list: list(
    loose({ moment_id: str, creator: optStr, create_time: optNum, create_type: optNum, visible_type: optNum }),
  ),
  next_cursor: optStr,
});
export const MomentTaskResponse = loose({
  task_list: list(loose({ userid: str, publish_status: num })),
  next_cursor: optStr,
});
export const MomentCustomerListResponse = loose({
  customer_list: list(loose({ userid: optStr, external_userid: str })),
  next_cursor: optStr,
});
const Interaction = loose({ external_userid: optStr, userid: optStr, create_time: optNum });
export const MomentCommentsResponse = loose({ comment_list: list(Interaction), like_list: list(Interaction) });

export const JoinWayAddedResponse = loose({ config_id: str });
export const JoinWayResponse = loose({
  join_way: loose({
    config_id: str,
    scene: optNum,
    remark: optStr,
    auto_create_room: optNum,
    room_base_name: optStr,
    room_base_id: optNum,
    chat_id_list: list(str),
    qr_code: optStr,
    state: optStr,
  }),
});

export const GroupChatListResponse = loose({
  group_chat_list: list(loose({ chat_id: str, status: optNum })),
  next_cursor: optStr,
});
export const GroupChatResponse = loose({
  group_chat: loose({
    chat_id: str,
    name: optStr,
    owner: optStr,
    create_time: optNum,
    notice: optStr,
    member_list: list(
      loose({
        userid: str,
        type: optNum,
        unionid: optStr,
        join_time: optNum,
        join_scene: optNum,
        invitor: loose({ userid: optStr }).optional(),
        group_nickname: optStr,
        name: optStr,
        state: optStr,
      }),
    ),
    admin_list: list(loose({ userid: str })),
    member_version: optStr,
  }),
});
export const GroupChatTransferResponse = loose({
  failed_chat_list: list(loose({ chat_id: str, errcode: num, errmsg: optStr })),
});

export const UserBehaviorDataResponse = loose({
  behavior_data: list(
    loose({
      stat_time: num,
      new_apply_cnt: optNum,
      new_contact_cnt: optNum,
      chat_cnt: optNum,
      message_cnt: optNum,
      reply_percentage: optNum,
      avg_reply_time: optNum,
      negative_feedback_cnt: optNum,
    }),
  ),
});
const GroupStatData = loose({
  new_chat_cnt: optNum,
  chat_total: optNum,
  chat_has_msg: optNum,
  new_member_cnt: optNum,
  member_total: optNum,
  member_has_msg: optNum,
  msg_total: optNum,
  migrate_trainee_chat_cnt: optNum,
});
export const GroupChatStatisticResponse = loose({
  total: optNum,
  next_offset: optNum,
  items: list(loose({ owner: str, data: GroupStatData })),
});
export const GroupChatStatisticByDayResponse = loose({
  items: list(loose({ stat_time: num, data: GroupStatData })),
});

export const TransferCustomerResponse = loose({ customer: list(loose({ external_userid: str, errcode: num })) });
export const TransferResultResponse = loose({
  /** status: 1 done, 2 waiting, 3 refused, 4 taker at cap, 5 no record. */
  customer: list(loose({ external_userid: str, status: num, takeover_time: optNum })),
  next_cursor: optStr,
});
export const UnassignedListResponse = loose({
  info: list(loose({ handover_userid: str, external_userid: str, dimission_time: optNum })),
  is_last: z.boolean().optional(),
  next_cursor: optStr,
});

export const GroupWelcomeTemplateAddedResponse = loose({ template_id: str });
export const GroupWelcomeTemplateResponse = loose({
  text: loose({ content: optStr }).optional(),
  image: loose({}).optional(),
  link: loose({}).optional(),
  miniprogram: loose({}).optional(),
  file: loose({}).optional(),
  video: loose({}).optional(),
});

export const AppMessageResponse = loose({
  invaliduser: optStr,
  invalidparty: optStr,
  invalidtag: optStr,
  unlicenseduser: optStr,
  msgid: optStr,
  response_code: optStr,
});

// Responses are not aliased one by one: take a method's type (`Awaited<ReturnType<WecomClient["getExternalContact"]>>`)
// or a schema's (`z.output<typeof ExternalContactResponse>`).
