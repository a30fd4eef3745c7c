/**
 * The live-code use cases behind `/v1/group-codes`: create (with an optional Idempotency-Key), list,
 * detail with every group's fill, edit (pool add/remove, settings), archive. Native codes queue a sync
 * of their join way after every change.
 */
import { AppError, deterministicId, notFound, shortId } from "@siyu/kernel";
import { mapLimit } from "@siyu/store";
import { isTransientWecomError, WecomApiError } from "@siyu/wecom";
import { InvalidInput } from "../domain/errors.ts";
import { applyCodePatch, type CodeStatus, joinWayState, parseCodeCreate } from "../domain/code.ts";
import { eligibleGroups, hasRoom, poolSummary } from "../domain/pool.ts";
import { type CodeRecord, getCode, type GroupItem, groupsOf, listCodes, putCode, putGroups } from "../store/codes.ts";
import type { Deps } from "./deps.ts";
import { requestSync } from "./sync-requests.ts";
import { delTemplate, welcomeNoticesOf } from "./welcome.ts";
import type { WelcomeNoticeRow } from "../store/welcome.ts";
import { seatsOf } from "../store/seats.ts";

function groupView(g: GroupItem, listed: ReadonlySet<string>, notices: ReadonlyMap<string, WelcomeNoticeRow>) {
  const n = notices.get(g.chatId);
  return {
    chatId: g.chatId,
    name: g.name ?? null,
    ownerUserId: g.ownerUserId ?? null,
    members: g.members,
    capacity: g.capacity,
    fill: g.capacity > 0 ? Math.round((g.members / g.capacity) * 1000) / 1000 : 1,
    hasRoom: hasRoom(g),
    listed: listed.has(g.chatId),
    dismissed: g.dismissed,
    autoCreated: g.autoCreated,
    // whether the owner was told to pick the code's welcome for this group (no API can set it)
    welcome: n ? { ownerNotifiedAt: n.notifiedAt ?? null, ...(n.failed ? { failed: n.failed } : {}) } : null,
  };
}

export function codeView(c: CodeRecord) {
  return {
    codeId: c.codeId,
    status: c.status,
    name: c.definition.name,
    mode: c.definition.mode,
    capacity: c.definition.capacity,
    autoCreate: c.definition.autoCreate,
    welcome: c.definition.welcome ?? null,
    welcomeTemplate: c.welcome
      ? { state: c.welcome.state, templateId: c.welcome.templateId ?? null, ...(c.welcome.refused ? { refused: { errcode: c.welcome.refused.errcode, message: c.welcome.refused.message, at: c.welcome.refused.at } } : {}) }
      : null,
    ownerUserId: c.definition.ownerUserId ?? null,
    state: joinWayState(c.codeId),
    joinWay: { configId: c.joinWay.configId ?? null, qrCode: c.joinWay.qrCode ?? null, listed: c.joinWay.listed ?? [], syncedAt: c.joinWay.syncedAt ?? null },
    routing: c.routing ?? { state: "routing" },
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

/**
 * The groups' state as WeCom has it now (members, version, owner), read once when they join the pool;
 * a chat id WeCom does not know is a field error (nothing is stored).
 */
async function readGroups(deps: Deps, codeId: string, groups: readonly { chatId: string; ownerUserId: string; capacity?: number | undefined }[], first: number, capacity: number, path: string): Promise<GroupItem[]> {
  const wecom = await deps.wecom();
  const now = deps.now().toISOString();
  const issues: { path: string; message: string }[] = [];
  const out = await mapLimit(groups, 4, async (g, i): Promise<GroupItem | undefined> => {
    try {
      const read = (await wecom.getGroupChat(g.chatId)).group_chat;
      if (read.owner && read.owner !== g.ownerUserId) issues.push({ path: `${path}.${i}.ownerUserId`, message: `the group's owner is ${read.owner}` });
      return {
        codeId,
        chatId: g.chatId,
        ownerUserId: read.owner ?? g.ownerUserId,
        ...(read.name ? { name: read.name } : {}),
        order: first + i,
        capacity: g.capacity ?? capacity,
        members: (read.member_list ?? []).length,
        ...(read.member_version ? { memberVersion: read.member_version } : {}),
        memberIds: (read.member_list ?? []).map((m) => m.userid),
        dismissed: false,
        autoCreated: false,
        updatedAt: now,
      };
    } catch (error) {
      if (error instanceof WecomApiError && !isTransientWecomError(error)) {
        issues.push({ path: `${path}.${i}.chatId`, message: `WeCom does not know this group chat (errcode ${error.errcode})` });
        return undefined;
      }
      throw error;
    }
  });
  if (issues.length > 0) throw new InvalidInput(`the pool is not valid: ${issues.map((x) => `${x.path} ${x.message}`).join("; ")}`, issues);
  return out.filter((g): g is GroupItem => g !== undefined);
}

const hashOf = (body: unknown) => deterministicId("live-code-create", JSON.stringify(body));

export async function createCode(deps: Deps, body: unknown, idempotencyKey?: string) {
  const { table } = deps.config;
  if (idempotencyKey) {
    // a 10-character code id from the key: the join way's state (≤ 30 chars) carries it
    const codeId = deterministicId("group-live-code", idempotencyKey).slice(0, 10);
    const existing = await getCode(table, codeId);
    if (existing) {
      if (existing.requestHash !== hashOf(body)) throw new AppError(422, "idempotency-key-reused", "Idempotency-Key reused", "this Idempotency-Key was used for a different live code", { extensions: { codeId } });
      return { replay: true, code: codeView(existing) };
    }
  }
  const definition = parseCodeCreate(body);
  const codeId = idempotencyKey ? deterministicId("group-live-code", idempotencyKey).slice(0, 10) : shortId();
  const now = deps.now().toISOString();
  const record: CodeRecord = {
    codeId,
    definition,
    status: "active",
    joinWay: { state: "planned" },
    version: 1,
    createdAt: now,
    updatedAt: now,
    requestHash: hashOf(body),
    ...(idempotencyKey ? { idempotencyKey } : {}),
  };
  // the pool's group states first (a retry rewrites them), the code last (it makes the code exist)
  await putGroups(table, await readGroups(deps, codeId, definition.groups, 0, definition.capacity, "body.groups"));
  if (!(await putCode(table, record))) {
    const existing = await getCode(table, codeId);
    if (existing) return { replay: true, code: codeView(existing) };
  }
  // native: the join way; both modes: the welcome template
  await requestSync(deps, codeId, "created", now);
  return { replay: false, code: codeView(record) };
}

/** A page of codes, each with its pool at a glance (one Query of the code's groups per code). */
export async function listCodeViews(deps: Deps, q: { limit: number; cursor?: string; status?: CodeStatus }) {
  const { table } = deps.config;
  const page = await listCodes(table, q);
  const items = await mapLimit(page.items, 8, async (c) => ({ ...codeView(c), pool: poolSummary(await groupsOf(table, c.codeId)) }));
  return { items, nextCursor: page.nextCursor ?? null };
}

async function requireCode(deps: Deps, codeId: string): Promise<CodeRecord> {
  const c = await getCode(deps.config.table, codeId);
  if (!c) throw notFound(`no live code ${codeId}`);
  return c;
}

export async function codeDetail(deps: Deps, codeId: string) {
  const c = await requireCode(deps, codeId);
  const groups = await groupsOf(deps.config.table, codeId);
  const listed = new Set(c.joinWay.listed ?? []);
  const live = groups.filter((g) => !g.removed);
  const notices = await welcomeNoticesOf(deps, c);
  return {
    ...codeView(c),
    groups: live.map((g) => groupView(g, listed, notices)),
    // what the join way should list now (the sync brings WeCom in line with this)
    eligible: eligibleGroups({ groups: live, capacity: c.definition.capacity }, c.joinWay.listed ?? []),
    seats: { free: live.filter(hasRoom).reduce((n, g) => n + (g.capacity - g.members), 0), groupsWithRoom: live.filter(hasRoom).length },
  };
}

export async function updateCode(deps: Deps, codeId: string, body: unknown) {
  const { table } = deps.config;
  const c = await requireCode(deps, codeId);
  const plan = applyCodePatch(c.definition, c.status, body, codeId);
  const now = deps.now().toISOString();
  const groups = await groupsOf(table, codeId);
  const next = groups.length;
  const removed = new Set(plan.removed);
  await putGroups(table, [
    ...groups.filter((g) => removed.has(g.chatId)).map((g) => ({ ...g, removed: true, updatedAt: now })),
    ...(await readGroups(deps, codeId, plan.added, next, plan.definition.capacity, "body.addGroups")),
  ]);
  const updated: CodeRecord = { ...c, definition: plan.definition, version: c.version + 1, updatedAt: now };
  if (!(await putCode(table, updated, c.version))) throw new AppError(409, "conflict", "Conflict with the current state", "the live code changed while this edit was made; read it again");
  await requestSync(deps, codeId, "edited", now);
  return codeView(updated);
}

export async function archiveCode(deps: Deps, codeId: string) {
  const { table } = deps.config;
  const c = await requireCode(deps, codeId);
  if (c.status === "archived") return codeView(c);
  const now = deps.now().toISOString();
  const wecom = await deps.wecom();
  // everything the code made in WeCom goes: its join way, the landing groups' join ways, its welcome
  const ways = [c.joinWay.configId, ...(await seatsOf(table, codeId)).map((s) => s.configId)].filter((id): id is string => id !== undefined);
  for (const configId of ways) {
    try {
      await wecom.delJoinWay(configId);
    } catch (error) {
      // one WeCom no longer has is gone already
      if (!(error instanceof WecomApiError) || isTransientWecomError(error)) throw error;
    }
  }
  if (c.welcome?.templateId) await delTemplate(deps, c.welcome.templateId);
  const { welcome: _w, ...rest } = c;
  const updated: CodeRecord = { ...rest, status: "archived", version: c.version + 1, updatedAt: now };
  if (!(await putCode(table, updated, c.version))) throw new AppError(409, "conflict", "Conflict with the current state", "the live code changed while it was archived; try again");
  return codeView(updated);
}
