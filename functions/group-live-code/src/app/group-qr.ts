/**
 * Landing mode's per-group join QRs (a single-group join way each, domain/seats.ts): made once under
 * a claim on the group's seat counter — by the code's sync ahead of need (`prepareLandingQrs`), or by
 * a visit that outran it (`groupQr`, which waits for a concurrent maker rather than making a second).
 */
import { sleep } from "@siyu/store";
import { joinWayState } from "../domain/code.ts";
import { groupJoinWay, groupsNeedingQr } from "../domain/seats.ts";
import { type CodeRecord, groupsOf } from "../store/codes.ts";
import { claimGroupWay, ensureSeat, getSeat, recordGroupWay, seatsOf } from "../store/seats.ts";
import type { Deps } from "./deps.ts";
import { requestSync } from "./sync-requests.ts";

const CLAIM_STALE_MS = 30_000;

/** Make the group's QR if nobody holds the claim; its QR, or undefined when another maker holds it. */
async function makeQr(deps: Deps, codeId: string, chatId: string, name: string): Promise<string | undefined> {
  const { table } = deps.config;
  const now = deps.now();
  if (!(await claimGroupWay(table, codeId, chatId, now, new Date(now.getTime() - CLAIM_STALE_MS)))) return undefined;
  const wecom = await deps.wecom();
  const { config_id } = await wecom.addJoinWay(groupJoinWay(chatId, { name, state: joinWayState(codeId) }));
  const qr = (await wecom.getJoinWay(config_id)).join_way.qr_code ?? "";
  await recordGroupWay(table, codeId, chatId, config_id, qr);
  return qr;
}

/** On the visit path: the group's QR, made now if the sync has not (the others wait for it, ≤ 5 s). */
export async function groupQr(deps: Deps, codeId: string, chatId: string, name: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const seat = await getSeat(deps.config.table, codeId, chatId);
    if (seat?.qrCode) return seat.qrCode;
    const qr = await makeQr(deps, codeId, chatId, name);
    if (qr !== undefined) {
      // the code routes here now: its owner is told about the welcome (in the code's sync, off this path)
      await requestSync(deps, codeId, "routed", chatId);
      return qr;
    }
    await sleep(50);
  }
  throw new Error(`the join QR of ${chatId} was not made in time`);
}

/** In the code's sync: the QRs of the next groups with free seats, before any visitor needs them. */
export async function prepareLandingQrs(deps: Deps, code: CodeRecord): Promise<number> {
  if (code.definition.mode !== "landing" || code.status === "archived") return 0;
  const { table } = deps.config;
  const live = (await groupsOf(table, code.codeId)).filter((g) => !g.removed);
  let seats = await seatsOf(table, code.codeId);
  // counters start at the members WeCom had when the group joined the pool (as a first visit does)
  const have = new Set(seats.map((s) => s.chatId));
  const missing = live.filter((g) => !have.has(g.chatId));
  for (const g of missing) await ensureSeat(table, code.codeId, { chatId: g.chatId, capacity: g.capacity, taken: g.members, dismissed: g.dismissed });
  if (missing.length > 0) seats = await seatsOf(table, code.codeId);
  const order = new Map(live.map((g, i) => [g.chatId, i]));
  const inOrder = seats.filter((s) => order.has(s.chatId)).sort((a, b) => order.get(a.chatId)! - order.get(b.chatId)!);
  let made = 0;
  for (const chatId of groupsNeedingQr(inOrder)) if ((await makeQr(deps, code.codeId, chatId, code.definition.name)) !== undefined) made++;
  return made;
}
