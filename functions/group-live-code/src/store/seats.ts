/**
 * Landing mode's seat counters: one item per pool group (`LC#<codeId>` / `seat#<chatId>`), `taken`
 * (members + seats handed to visitors) only ever moved by conditional writes, so a burst of concurrent
 * visits can never route a group past its capacity. Beside it, each group's own join way (its QR), made
 * once under a claim.
 */
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { conditionMet, documentClient, key, queryPrefix } from "@siyu/store";
import type { SeatCounter } from "../domain/seats.ts";
import { codePk } from "./codes.ts";

const seatSk = (chatId: string) => key("seat", chatId);

export interface SeatItem extends SeatCounter {
  /** Members WeCom has (taken = members + live holds). */
  members: number;
  /** Seats handed to visitors not joined yet (ISO instants, oldest first); each lapses after 10 min. */
  holds?: string[];
  /** The group's own join way (landing QR), once made. */
  configId?: string;
  qrCode?: string;
  /** Set while one visit makes the join way (the others wait for its QR). */
  wayClaimedAt?: string;
}

/**
 * Page views that got a seat in this group, counted on the seat counter itself per corp day
 * (`v#<YYYY-MM-DD>`), in the same write that takes the seat: a visit is one write.
 */
export const viewsAttr = (day: string) => `v#${day}`;

/** The per-day view counts a seat item carries. */
export function viewCountsOf(seat: Record<string, unknown>): { chatId: string; day: string; count: number }[] {
  return Object.entries(seat)
    .filter(([k, v]) => k.startsWith("v#") && typeof v === "number")
    .map(([k, v]) => ({ chatId: String(seat.chatId), day: k.slice(2), count: v as number }));
}

const conditional = (command: UpdateCommand) => conditionMet(documentClient().send(command));

/** Create a group's counter at its member count if it has none (a repeat leaves it alone). */
export async function ensureSeat(table: string, codeId: string, c: SeatCounter): Promise<void> {
  await conditional(
    new UpdateCommand({
      TableName: table,
      Key: { pk: codePk(codeId), sk: seatSk(c.chatId) },
      UpdateExpression: "SET chatId = :c, #cap = :cap, taken = :t, members = :t, holds = :none, dismissed = :d",
      ConditionExpression: "attribute_not_exists(pk)",
      ExpressionAttributeNames: { "#cap": "capacity" },
      ExpressionAttributeValues: { ":c": c.chatId, ":cap": c.capacity, ":t": c.taken, ":d": c.dismissed, ":none": [] },
    }),
  );
}

export async function seatsOf(table: string, codeId: string): Promise<SeatItem[]> {
  return (await queryPrefix<SeatItem & { pk: string; sk: string }>(table, codePk(codeId), "seat#")).map(({ pk: _p, sk: _s, ...r }) => r);
}

export async function getSeat(table: string, codeId: string, chatId: string): Promise<SeatItem | undefined> {
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: { pk: codePk(codeId), sk: seatSk(chatId) }, ConsistentRead: true }));
  if (!out.Item) return undefined;
  const { pk: _p, sk: _s, ...r } = out.Item;
  return r as SeatItem;
}

/** Claim making the group's join way (one visit does it; the claim lapses after `staleBefore`). */
export async function claimGroupWay(table: string, codeId: string, chatId: string, now: Date, staleBefore: Date): Promise<boolean> {
  return conditional(
    new UpdateCommand({
      TableName: table,
      Key: { pk: codePk(codeId), sk: seatSk(chatId) },
      UpdateExpression: "SET wayClaimedAt = :now",
      ConditionExpression: "attribute_not_exists(configId) AND (attribute_not_exists(wayClaimedAt) OR wayClaimedAt < :stale)",
      ExpressionAttributeValues: { ":now": now.toISOString(), ":stale": staleBefore.toISOString() },
    }),
  );
}

export async function recordGroupWay(table: string, codeId: string, chatId: string, configId: string, qrCode: string): Promise<void> {
  await documentClient().send(
    new UpdateCommand({
      TableName: table,
      Key: { pk: codePk(codeId), sk: seatSk(chatId) },
      UpdateExpression: "SET configId = :id, qrCode = :qr REMOVE wayClaimedAt",
      ExpressionAttributeValues: { ":id": configId, ":qr": qrCode },
    }),
  );
}

/**
 * Move a counter by a domain decision (holds lapsed, members joined or left, a reconciliation) from the
 * item as read: written only if it is still what was read, else read again (a seat taken meanwhile is
 * never lost). False when the counter does not exist.
 */
export async function adjustSeat(
  table: string,
  codeId: string,
  chatId: string,
  decide: (s: SeatItem) => { taken: number; members: number; holds: readonly string[] } | undefined,
): Promise<boolean> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const seat = await getSeat(table, codeId, chatId);
    if (!seat) return false;
    const next = decide(seat);
    if (!next) return true;
    const ok = await conditional(
      new UpdateCommand({
        TableName: table,
        Key: { pk: codePk(codeId), sk: seatSk(chatId) },
        UpdateExpression: "SET taken = :t, members = :m, holds = :h",
        ConditionExpression: "taken = :was AND members = :wasM",
        ExpressionAttributeValues: { ":t": next.taken, ":m": next.members, ":h": [...next.holds], ":was": seat.taken, ":wasM": seat.members },
      }),
    );
    if (ok) return true;
  }
  throw new Error(`the seat counter of ${chatId} kept changing`);
}

/**
 * Take one seat for a visitor and count the page view, in one conditional write: the seat only while
 * `taken < capacity` and the group is live (nothing changes otherwise). False when the group had no
 * seat.
 */
export async function takeSeatWithView(table: string, codeId: string, chatId: string, now: Date, day: string): Promise<boolean> {
  return conditional(
    new UpdateCommand({
      TableName: table,
      Key: { pk: codePk(codeId), sk: seatSk(chatId) },
      UpdateExpression: "SET taken = taken + :one, holds = list_append(if_not_exists(holds, :none), :hold) ADD #views :one",
      ConditionExpression: "attribute_exists(pk) AND taken < #cap AND dismissed = :f AND attribute_not_exists(removed)",
      ExpressionAttributeNames: { "#cap": "capacity", "#views": viewsAttr(day) },
      ExpressionAttributeValues: { ":one": 1, ":f": false, ":none": [], ":hold": [now.toISOString()] },
    }),
  );
}
