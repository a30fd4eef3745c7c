/**
 * Live codes (`LC#<codeId>` / `meta`, listed newest first through gsi1 `codes`), one state item per pool
 * group (`LC#<codeId>` / `g#<chatId>`, with its pool order), and the chat-id → code index
 * (`CHAT#<chatId>` / `code`): contact-intake's events name only the group.
 */
import { GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { AppError } from "@siyu/kernel";
import { assertCursor, batchWrite, conditionMet, documentClient, encodeCursor, key, mutateVersioned, queryAll, queryPrefix } from "@siyu/store";
import type { CodeStatus, LiveCodeDefinition } from "../domain/code.ts";
import type { GroupState } from "../domain/pool.ts";
import type { WelcomeTemplateRecord } from "../domain/welcome.ts";

export const codePk = (codeId: string) => key("LC", codeId);
const META = "meta";
const groupSk = (chatId: string) => key("g", chatId);
const chatPk = (chatId: string) => key("CHAT", chatId);

/** The join way's outbox: claimed before `add_join_way` (WeCom's create is not idempotent). */
export interface JoinWayRecord {
  state: "planned" | "claimed" | "created";
  configId?: string;
  claimedAt?: string;
  /** The `room_base_id` last sent (pool.ts: never restart WeCom's serial). */
  roomBaseIdApplied?: number;
  /** The chat ids the join way listed after the last sync. */
  listed?: string[];
  syncedAt?: string;
  qrCode?: string;
}

export interface CodeRecord {
  codeId: string;
  definition: LiveCodeDefinition;
  status: CodeStatus;
  joinWay: JoinWayRecord;
  version: number;
  createdAt: string;
  updatedAt: string;
  idempotencyKey?: string;
  requestHash?: string;
  /** The code's group welcome template (welcome.ts), once claimed. */
  welcome?: WelcomeTemplateRecord;
  /** Why the code cannot route, when it cannot. */
  routing?: { state: "routing" } | { state: "blocked"; reason: unknown; since: string; episodeId: string; alertedAt?: string };
}

export interface GroupItem extends GroupState {
  codeId: string;
  /** Pool order (the order groups were added). */
  order: number;
  /** The group's name in WeCom (from `groupchat/get`), for the people who have to find it. */
  name?: string;
  memberIds?: string[];
  updatedAt: string;
}

function strip<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
  const { pk: _p, sk: _s, gsi1pk: _a, gsi1sk: _b, ...rest } = item;
  return rest as T;
}

const listKeys = (c: Pick<CodeRecord, "codeId" | "createdAt">) => ({ gsi1pk: "codes", gsi1sk: `${c.createdAt}#${c.codeId}` });

export async function getCode(table: string, codeId: string): Promise<CodeRecord | undefined> {
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: { pk: codePk(codeId), sk: META }, ConsistentRead: true }));
  return strip<CodeRecord>(out.Item);
}

/** Put a code if absent (create) or if still at `expectedVersion` (change); false when another write came first. */
export async function putCode(table: string, c: CodeRecord, expectedVersion?: number): Promise<boolean> {
  return conditionMet(
    documentClient().send(
      new PutCommand({
        TableName: table,
        Item: { pk: codePk(c.codeId), sk: META, ...listKeys(c), ...c },
        ...(expectedVersion === undefined
          ? { ConditionExpression: "attribute_not_exists(pk)" }
          : { ConditionExpression: "version = :v", ExpressionAttributeValues: { ":v": expectedVersion } }),
      }),
    ),
  );
}

/**
 * Change a code by a function of its current state (re-read and retried when another write came
 * first); `change` returning undefined means nothing to write. Returns the stored result.
 */
export const mutateCode = (table: string, codeId: string, change: (c: CodeRecord) => CodeRecord | undefined, now: string): Promise<CodeRecord | undefined> =>
  mutateVersioned(() => getCode(table, codeId), (next, v) => putCode(table, next, v), change, now, `live code ${codeId}`);

/** Newest first; with `status`, a filter over the page read (a page may hold fewer than `limit`, its cursor goes on). */
export async function listCodes(table: string, opts: { limit: number; cursor?: string; status?: CodeStatus }): Promise<{ items: CodeRecord[]; nextCursor?: string }> {
  const start = assertCursor(opts.cursor, ["pk", "sk", "gsi1pk", "gsi1sk"], { gsi1pk: "codes", sk: META }, { attribute: "pk", prefix: "LC#" }, { list: "the live-code list" });
  if (start && typeof start.gsi1sk !== "string") {
    throw new AppError(400, "invalid-cursor", "Invalid cursor", "the cursor is not one this API returned for the live-code list", { errors: [{ path: "query.cursor", message: "not a cursor returned for the live-code list" }] });
  }
  const out = await documentClient().send(
    new QueryCommand({
      TableName: table,
      IndexName: "gsi1",
      KeyConditionExpression: "gsi1pk = :p",
      ExpressionAttributeValues: { ":p": "codes", ...(opts.status ? { ":s": opts.status } : {}) },
      ...(opts.status ? { FilterExpression: "#s = :s", ExpressionAttributeNames: { "#s": "status" } } : {}),
      ScanIndexForward: false,
      Limit: opts.limit,
      ExclusiveStartKey: start,
    }),
  );
  const nextCursor = encodeCursor(out.LastEvaluatedKey);
  return { items: (out.Items ?? []).map((i) => strip<CodeRecord>(i)!), ...(nextCursor ? { nextCursor } : {}) };
}

/** The code's pool in pool order. */
export async function groupsOf(table: string, codeId: string): Promise<GroupItem[]> {
  return (await queryPrefix(table, codePk(codeId), "g#")).map((i) => strip<GroupItem>(i)!).sort((a, b) => a.order - b.order);
}

export async function getGroup(table: string, codeId: string, chatId: string): Promise<GroupItem | undefined> {
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: { pk: codePk(codeId), sk: groupSk(chatId) }, ConsistentRead: true }));
  return strip<GroupItem>(out.Item);
}

/** Write group states and their chat index rows (deterministic contents: a retry rewrites the same). */
export async function putGroups(table: string, groups: readonly GroupItem[]): Promise<void> {
  await batchWrite(table, [
    ...groups.map((g) => ({ pk: codePk(g.codeId), sk: groupSk(g.chatId), ...g })),
    ...groups.map((g) => ({ pk: chatPk(g.chatId), sk: "code", codeId: g.codeId, chatId: g.chatId })),
  ]);
}

/** Which code a group belongs to (undefined: not in any live code). */
export async function codeOfChat(table: string, chatId: string): Promise<string | undefined> {
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: { pk: chatPk(chatId), sk: "code" } }));
  return out.Item?.codeId as string | undefined;
}

/**
 * A code, its pool and its seat counters in one Query of the code's partition (a landing visit's one
 * read; facts live elsewhere so this stays small).
 */
export async function readCodePartition<S>(table: string, codeId: string): Promise<{ code?: CodeRecord; groups: GroupItem[]; seats: S[] }> {
  const items = await queryAll<Record<string, unknown>>({ TableName: table, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": codePk(codeId) }, ConsistentRead: true }, 100_000);
  let code: CodeRecord | undefined;
  const groups: GroupItem[] = [];
  const seats: S[] = [];
  for (const i of items) {
    const sk = String(i.sk);
    if (sk === META) code = strip<CodeRecord>(i);
    else if (sk.startsWith("g#")) groups.push(strip<GroupItem>(i)!);
    else if (sk.startsWith("seat#")) seats.push(strip<S>(i)!);
  }
  return { ...(code ? { code } : {}), groups: groups.sort((a, b) => a.order - b.order), seats };
}
