/**
 * Decrypted callback XML → typed events (wecom-reference §3).
 *
 * Contract: any well-formed XML yields an event — unknown Event/ChangeType values, non-event messages
 * and events missing required fields all become `{ kind: "unknown" }` so they can be stored and
 * acknowledged (WeCom would otherwise retry them). Only input that is not XML at all throws.
 */
import { createHash } from "node:crypto";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import * as z from "zod";
import { CallbackError } from "./crypto.ts";

interface EventBase {
  /** ToUserName: the corp id. */
  corpId: string;
  createTime: Date;
  /** Natural key of the callback; identical for WeCom's retries of it. See `dedupeKeyOf`. */
  dedupeKey: string;
}

/** Open string unions keep autocompletion for documented values without rejecting new ones. */
type OpenString<T extends string> = T | (string & {});

interface ContactFields {
  userId: string;
  externalUserId: string;
}

export type ExternalContactEvent = EventBase & { kind: "change_external_contact" } & ContactFields &
  (
    | { changeType: "add_external_contact" | "add_half_external_contact"; state?: string; welcomeCode?: string }
    | { changeType: "edit_external_contact"; state?: string }
    | { changeType: "del_external_contact"; source?: OpenString<"DELETE_BY_TRANSFER"> }
    | { changeType: "del_follow_user" }
    | { changeType: "transfer_fail"; failReason: OpenString<"customer_refused" | "customer_limit_exceed"> }
  );

export type ChatUpdateDetail = "add_member" | "del_member" | "change_owner" | "change_name" | "change_notice";

export type ExternalChatEvent = EventBase & { kind: "change_external_chat"; chatId: string } & (
    | { changeType: "create" | "dismiss" }
    | {
        changeType: "update";
        updateDetail: ChatUpdateDetail;
        /** add_member: 0 = invited by a member (direct or link), 3 = scanned the group QR. */
        joinScene?: number;
        /** del_member: 0 = left, 1 = removed by owner/admin. */
        quitScene?: number;
        memChangeCnt?: number;
        memChangeList: string[];
        lastMemVer?: string;
        curMemVer?: string;
      }
  );

export type ExternalTagEvent = EventBase & {
  kind: "change_external_tag";
  changeType: "create" | "update" | "delete" | "shuffle";
  /** Tag or tag-group id; for shuffle the group id (may be absent). */
  id?: string;
  tagType?: "tag" | "tag_group";
  strategyId?: string;
};

export interface UnknownEvent {
  kind: "unknown";
  event?: string;
  changeType?: string;
  corpId?: string;
  /** Absent when the XML has no numeric CreateTime. */
  createTime?: Date;
  dedupeKey: string;
  raw: string;
}

export type WecomEvent = ExternalContactEvent | ExternalChatEvent | ExternalTagEvent | UnknownEvent;

const parser = new XMLParser({
  ignoreAttributes: true,
  // Ids such as UserID "0123" must stay strings; numbers are converted explicitly below.
  parseTagValue: false,
  trimValues: true,
  isArray: (tagName) => tagName === "Item",
});

const req = z.string().min(1);
/** Optional text field; WeCom sometimes sends an empty element instead of omitting it. */
const opt = z
  .string()
  .optional()
  .transform((v) => (v === "" ? undefined : v));
const optInt = z
  .string()
  .regex(/^\d{1,9}$/)
  .transform(Number)
  .optional()
  .or(z.literal("").transform(() => undefined));

const Base = z.object({
  ToUserName: req,
  CreateTime: z.string().regex(/^\d{1,12}$/),
  MsgType: z.literal("event"),
  Event: req,
});

const Contact = z.object({
  ChangeType: z.enum([
    "add_external_contact",
    "add_half_external_contact",
    "edit_external_contact",
    "del_external_contact",
    "del_follow_user",
    "transfer_fail",
  ]),
  UserID: req,
  ExternalUserID: req,
  State: opt,
  WelcomeCode: opt,
  Source: opt,
  FailReason: opt,
});

const Chat = z.object({
  ChangeType: z.enum(["create", "update", "dismiss"]),
  ChatId: req,
  UpdateDetail: opt,
  JoinScene: optInt,
  QuitScene: optInt,
  MemChangeCnt: optInt,
  MemChangeList: z
    .union([z.literal(""), z.object({ Item: z.array(z.string()).optional() })])
    .optional()
    .transform((v) => (v && typeof v === "object" ? (v.Item ?? []) : [])),
  LastMemVer: opt,
  CurMemVer: opt,
});

const Tag = z.object({
  ChangeType: z.enum(["create", "update", "delete", "shuffle"]),
  Id: opt,
  TagType: z.enum(["tag", "tag_group"]).optional(),
  StrategyId: opt,
});

const UPDATE_DETAILS = new Set<string>(["add_member", "del_member", "change_owner", "change_name", "change_notice"]);

function sha256(parts: unknown): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

/** JSON with sorted keys, so element order in the XML does not change the key. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.keys(value)
      .sort()
      .map((k) => [k, canonical((value as Record<string, unknown>)[k])]);
  }
  return value;
}

/** The fields that tell one callback of each kind from another (see `keyOf`). */
const IDENTITY = {
  change_external_contact: ["UserID", "ExternalUserID"],
  change_external_chat: ["ChatId", "UpdateDetail", "JoinScene", "QuitScene", "MemChangeCnt", "MemChangeList", "LastMemVer", "CurMemVer"],
  change_external_tag: ["Id", "TagType", "StrategyId"],
} as const;

/**
 * Dedupe key: sha256 hex of the JSON array
 *   ["wecom/v1", ToUserName, CreateTime, Event, ChangeType, ...IDENTITY[Event]]
 * WeCom's retries carry the same content (§12), so they share the key; payload-only fields such as
 * WelcomeCode or State are left out on purpose. Unknown events hash their whole parsed content.
 */
function keyOf(fields: Record<string, unknown>, identity: readonly string[]): string {
  return sha256([
    "wecom/v1",
    fields.ToUserName,
    fields.CreateTime,
    fields.Event,
    fields.ChangeType,
    ...identity.map((k) => fields[k] ?? null),
  ]);
}

function unknownEvent(raw: string, fields: Record<string, unknown> | undefined): UnknownEvent {
  const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  const ct = text(fields?.CreateTime);
  const out: UnknownEvent = {
    kind: "unknown",
    dedupeKey: sha256(["wecom/v1", "unknown", fields ? canonical(fields) : raw]),
    raw,
  };
  const event = text(fields?.Event);
  const changeType = text(fields?.ChangeType);
  const corpId = text(fields?.ToUserName);
  if (event !== undefined) out.event = event;
  if (changeType !== undefined) out.changeType = changeType;
  if (corpId !== undefined) out.corpId = corpId;
  if (ct !== undefined && /^\d{1,12}$/.test(ct)) out.createTime = new Date(Number(ct) * 1000);
  return out;
}

/** Drop keys whose value is undefined so events compare and serialise cleanly. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

export function parseCallbackEvent(xml: string): WecomEvent {
  if (typeof xml !== "string" || !xml.trim().startsWith("<") || XMLValidator.validate(xml) !== true) {
    throw new CallbackError("malformed", "event is not well-formed XML");
  }
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch (err) {
    throw new CallbackError("malformed", `event XML could not be parsed: ${(err as Error).message}`);
  }
  const root = (doc as { xml?: unknown } | null)?.xml;
  if (!root || typeof root !== "object" || Array.isArray(root)) return unknownEvent(xml, undefined);
  const fields = root as Record<string, unknown>;

  const base = Base.safeParse(fields).data;
  if (!base) return unknownEvent(xml, fields);
  /** What every event of a known kind starts with. */
  const head = <K extends keyof typeof IDENTITY>(kind: K) => ({
    kind,
    corpId: base.ToUserName,
    createTime: new Date(Number(base.CreateTime) * 1000),
    dedupeKey: keyOf(fields, IDENTITY[kind]),
  });

  switch (base.Event) {
    case "change_external_contact": {
      const c = Contact.safeParse(fields).data;
      if (!c) return unknownEvent(xml, fields);
      const common = { ...head("change_external_contact"), userId: c.UserID, externalUserId: c.ExternalUserID };
      switch (c.ChangeType) {
        case "add_external_contact":
        case "add_half_external_contact":
          return compact({ ...common, changeType: c.ChangeType, state: c.State, welcomeCode: c.WelcomeCode });
        case "edit_external_contact":
          return compact({ ...common, changeType: c.ChangeType, state: c.State });
        case "del_external_contact":
          return compact({ ...common, changeType: c.ChangeType, source: c.Source });
        case "del_follow_user":
          return { ...common, changeType: c.ChangeType };
        case "transfer_fail":
          if (c.FailReason === undefined) return unknownEvent(xml, fields);
          return { ...common, changeType: c.ChangeType, failReason: c.FailReason };
      }
      break;
    }
    case "change_external_chat": {
      const c = Chat.safeParse(fields).data;
      if (!c) return unknownEvent(xml, fields);
      const common = { ...head("change_external_chat"), chatId: c.ChatId };
      if (c.ChangeType !== "update") return { ...common, changeType: c.ChangeType };
      if (c.UpdateDetail === undefined || !UPDATE_DETAILS.has(c.UpdateDetail)) return unknownEvent(xml, fields);
      return compact({
        ...common,
        changeType: "update" as const,
        updateDetail: c.UpdateDetail as ChatUpdateDetail,
        joinScene: c.JoinScene,
        quitScene: c.QuitScene,
        memChangeCnt: c.MemChangeCnt,
        memChangeList: c.MemChangeList,
        lastMemVer: c.LastMemVer,
        curMemVer: c.CurMemVer,
      });
    }
    case "change_external_tag": {
      const t = Tag.safeParse(fields).data;
      if (!t) return unknownEvent(xml, fields);
      // create/update/delete name one tag or group; without Id and TagType there is nothing to act on.
      if (t.ChangeType !== "shuffle" && (t.Id === undefined || t.TagType === undefined)) return unknownEvent(xml, fields);
      return compact({
        ...head("change_external_tag"),
        changeType: t.ChangeType,
        id: t.Id,
        tagType: t.TagType,
        strategyId: t.StrategyId,
      });
    }
  }
  return unknownEvent(xml, fields);
}
