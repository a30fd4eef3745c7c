/**
 * Native mode: keep a code's WeCom join way listing ≤ 5 of its pool's groups that are below capacity
 * (FIFO per code, so one code's sync never races itself). The join way is created once from an outbox
 * row claimed before `add_join_way`; after that every sync reads `get_join_way` first (the update
 * overwrites, and WeCom may have auto-created groups since), adopts what WeCom created, and sends one
 * complete `update_join_way` only when the listed set or the settings change. Every code (native or
 * landing) also has its group welcome template brought in line here, and the owners of the groups it
 * routes to told once to pick it (welcome.ts).
 */
import { joinWayState } from "../domain/code.ts";
import { type GroupState, planJoinWayCreate, planJoinWayUpdate, type PoolState } from "../domain/pool.ts";
import { type CodeRecord, getCode, type GroupItem, groupsOf, listCodes, putCode, putGroups } from "../store/codes.ts";
import { WecomApiError } from "@siyu/wecom";
import { PERMISSION_ERRCODES } from "../domain/alerts.ts";
import { updateRouting } from "./alerts.ts";
import { notifyRoutedOwners, syncWelcomeTemplate } from "./welcome.ts";
import { prepareLandingQrs } from "./group-qr.ts";
import { seatsOf } from "../store/seats.ts";
import type { Deps } from "./deps.ts";
import { requestSync } from "./sync-requests.ts";

export type SyncOutcome = "created" | "updated" | "unchanged" | "archived" | "no-live-group" | "unknown-code" | "busy" | "refused";

function poolOf(code: CodeRecord, groups: readonly GroupItem[]): PoolState {
  return { groups: groups.map(({ codeId: _c, order: _o, memberIds: _m, updatedAt: _u, ...g }) => g as GroupState), capacity: code.definition.capacity };
}

/** The groups the code sends scans to: listed in the native join way, or given a landing join QR. */
async function routedGroups(deps: Deps, code: CodeRecord): Promise<GroupItem[]> {
  const { table } = deps.config;
  const groups = (await groupsOf(table, code.codeId)).filter((g) => !g.removed && !g.dismissed);
  const routed =
    code.definition.mode === "native" ? new Set(code.joinWay.listed ?? []) : new Set((await seatsOf(table, code.codeId)).filter((s) => s.qrCode).map((s) => s.chatId));
  return groups.filter((g) => routed.has(g.chatId));
}

export async function syncCode(deps: Deps, codeId: string): Promise<SyncOutcome> {
  const { table } = deps.config;
  try {
    const code = await getCode(table, codeId);
    if (!code) return "unknown-code";
    if (code.status === "archived") return "archived";
    // the welcome template first, so the owners of newly listed groups can be told which one to pick
    const { code: current } = await syncWelcomeTemplate(deps, code);
    const out = await syncJoinWay(deps, current);
    if (out === "busy") return out;
    // landing: the next groups' QRs before a visitor needs them
    await prepareLandingQrs(deps, current);
    // whether the code can route now (a pool with no room, no live group), and its alert
    await updateRouting(deps, codeId);
    const after = await getCode(table, codeId);
    if (after) await notifyRoutedOwners(deps, after, await routedGroups(deps, after));
    return out;
  } catch (error) {
    if (error instanceof WecomApiError && PERMISSION_ERRCODES.has(error.errcode)) {
      // WeCom will not let this app manage join ways: say so (once), do not retry blindly
      await updateRouting(deps, codeId, { errcode: error.errcode, at: deps.now().toISOString() });
      deps.log.warn("join way refused by WeCom (permission)", { codeId, errcode: error.errcode });
      return "refused";
    }
    throw error;
  }
}

async function syncJoinWay(deps: Deps, code: CodeRecord): Promise<SyncOutcome> {
  const { table } = deps.config;
  const { codeId } = code;
  if (code.definition.mode !== "native") return "unchanged";
  const groups = await groupsOf(table, codeId);
  const pool = poolOf(code, groups);
  const settings = {
    name: code.definition.name,
    autoCreate: code.definition.autoCreate,
    state: joinWayState(codeId),
    ...(code.joinWay.roomBaseIdApplied !== undefined ? { roomBaseIdApplied: code.joinWay.roomBaseIdApplied } : {}),
  };
  const wecom = await deps.wecom();
  const now = deps.now().toISOString();

  if (!code.joinWay.configId) {
    const body = planJoinWayCreate(pool, settings);
    if (!body) return "no-live-group";
    // claim before the call; a claim whose answer was lost is released by a later sync (WeCom has no
    // lookup of join ways by state, so the worst case is one orphan join way nobody scans)
    const claimed: CodeRecord = { ...code, joinWay: { ...code.joinWay, state: "claimed", claimedAt: now }, version: code.version + 1, updatedAt: now };
    if (!(await putCode(table, claimed, code.version))) return "busy";
    const out = await wecom.addJoinWay(body);
    const read = (await wecom.getJoinWay(out.config_id)).join_way;
    const created: CodeRecord = {
      ...claimed,
      joinWay: {
        state: "created",
        configId: out.config_id,
        listed: [...body.chat_id_list],
        syncedAt: now,
        ...(body.room_base_id !== undefined ? { roomBaseIdApplied: body.room_base_id } : {}),
        ...(read.qr_code ? { qrCode: read.qr_code } : {}),
      },
      version: claimed.version + 1,
    };
    await putCode(table, created, claimed.version);
    deps.log.info("join way created", { codeId, configId: out.config_id, listed: body.chat_id_list });
    return "created";
  }

  const read = (await wecom.getJoinWay(code.joinWay.configId)).join_way;
  const plan = planJoinWayUpdate(
    { ...read, config_id: code.joinWay.configId, chat_id_list: read.chat_id_list ?? [] },
    pool,
    settings,
  );
  // groups WeCom auto-created since the last read join the pool before anything is sent
  const known = new Set(groups.map((g) => g.chatId));
  const adopted = (read.chat_id_list ?? []).filter((id) => !known.has(id));
  if (adopted.length > 0) {
    const next = groups.length;
    await putGroups(table, await Promise.all(adopted.map((chatId, i) => adoptedGroup(deps, codeId, chatId, next + i, code.definition.capacity, now))));
  }
  if (!plan) return "unchanged";
  await wecom.updateJoinWay(plan.request);
  const fresh = (await getCode(table, codeId))!;
  await putCode(
    table,
    {
      ...fresh,
      joinWay: { ...fresh.joinWay, listed: [...plan.request.chat_id_list], syncedAt: now, ...(plan.request.room_base_id !== undefined ? { roomBaseIdApplied: plan.request.room_base_id } : {}) },
      version: fresh.version + 1,
      updatedAt: now,
    },
    fresh.version,
  );
  deps.log.info("join way updated", { codeId, listedIn: plan.listedIn, listedOut: plan.listedOut });
  return "updated";
}

/**
 * A group WeCom auto-created, as the pool keeps it: its owner and name read once from `groupchat/get`
 * so the owner can be told about the welcome at once. Its members are left to the next member event,
 * which finds no version to chain and reconciles them — attributing each joiner by `state`.
 */
async function adoptedGroup(deps: Deps, codeId: string, chatId: string, order: number, capacity: number, now: string): Promise<GroupItem> {
  const base: GroupItem = { codeId, chatId, order, capacity, members: 0, dismissed: false, autoCreated: true, updatedAt: now };
  try {
    const read = (await (await deps.wecom()).getGroupChat(chatId)).group_chat;
    return { ...base, ...(read.owner ? { ownerUserId: read.owner } : {}), ...(read.name ? { name: read.name } : {}) };
  } catch (error) {
    deps.log.warn("auto-created group not read; adopted with what is known", { codeId, chatId, error: String(error) });
    return base;
  }
}

/** Queue a sync of every active code (the sweep job); one per code per 5-minute slot. */
export async function sweepCodes(deps: Pick<Deps, "config" | "now">): Promise<{ queued: number }> {
  const slot = Math.floor(deps.now().getTime() / 300_000);
  let queued = 0;
  let cursor: string | undefined;
  do {
    const page = await listCodes(deps.config.table, { limit: 100, ...(cursor ? { cursor } : {}) });
    for (const c of page.items) {
      if (c.status !== "active") continue;
      await requestSync(deps, c.codeId, "sweep", String(slot));
      queued++;
    }
    cursor = page.nextCursor;
  } while (cursor);
  return { queued };
}
