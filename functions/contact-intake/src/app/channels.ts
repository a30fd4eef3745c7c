/**
 * The channel (渠道活码) admin use cases: create, edit, archive, read, list, and the public landing
 * page's read. The domain decides (who a new code carries, its first boundary); these do the I/O.
 */
import { sendCommand } from "@siyu/bus";
import { AppError, conflict, corpDay, makeEvent, newId, notFound } from "@siyu/kernel";
import { WecomApiError, type WecomClient } from "@siyu/wecom";
import type { z } from "zod";
import { applyChannelPatch, type ChannelDefinition, type channelPatchSchema, channelUserIds, dailyCapOf, isSiyuChannelState, newChannelState } from "../domain/channel.ts";
import { planChannelCreate } from "../domain/channel-create.ts";
import { nextBoundary } from "../domain/eligibility.ts";
import { pruneRotationState } from "../domain/rotation.ts";
import { addsOnDay, type ChannelRecord, type ChannelStatus, insertChannel, getChannel as readChannel, listChannels as readChannels, updateChannel as writeChannel } from "../store/channels.ts";

type ChannelPatch = z.output<typeof channelPatchSchema>;

export interface ChannelDeps {
  table: string;
  corpId: string;
  timeZone: string;
  /** The channel-sync queue's URL. */
  syncQueueUrl: () => string;
  wecom: () => Promise<WecomClient>;
  now: () => Date;
}

/** What the API shows of a channel. */
export function channelView(c: ChannelRecord) {
  return {
    channelId: c.channelId,
    state: c.channelId,
    status: c.status,
    ...c.definition,
    configId: c.configId,
    qrCode: c.qrCode,
    currentStaff: c.codeUsers,
    nextBoundaryAt: c.nextBoundaryAt,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    archivedAt: c.archivedAt,
    version: c.version,
  };
}

export type ChannelView = ReturnType<typeof channelView>;

function wecomProblem(error: unknown): never {
  if (error instanceof WecomApiError) {
    throw new AppError(502, "wecom-rejected", "WeCom rejected the request", `WeCom answered ${error.errcode}: ${error.errmsg}`, {
      extensions: { errcode: error.errcode },
      retryable: false,
    });
  }
  throw error;
}

async function requestSync(deps: ChannelDeps, channelId: string, reason: "edited" | "manual") {
  const id = newId();
  await sendCommand(
    deps.syncQueueUrl(),
    makeEvent("channel.sync_requested", { channelId, reason }, { corpId: deps.corpId, occurredAt: deps.now(), id }),
    { groupId: channelId, deduplicationId: id },
  );
}

/** `POST /v1/channels`: plan the code's users, create the WeCom contact way, store the channel. */
export async function createChannel(deps: ChannelDeps, definition: ChannelDefinition): Promise<ChannelView> {
  const now = deps.now();
  const plan = planChannelCreate(definition, { now, timeZone: deps.timeZone });
  const channelId = newChannelState();
  const wecom = await deps.wecom();
  const way = await wecom
    .addContactWay({ type: 2, scene: 2, remark: plan.remark, skip_verify: definition.skipVerify, state: channelId, user: plan.codeUsers })
    .catch(wecomProblem);
  const record: ChannelRecord = {
    channelId,
    definition,
    status: "active",
    configId: way.config_id,
    qrCode: way.qr_code ?? "",
    codeUsers: plan.codeUsers,
    rotation: plan.rotation,
    rotationAdds: [],
    nextBoundaryAt: plan.nextBoundaryAt,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    version: 1,
  };
  if (!(await insertChannel(deps.table, record))) throw conflict(`channel ${channelId} exists; retry`);
  return channelView(record);
}

export async function listChannels(
  deps: Pick<ChannelDeps, "table">,
  opts: { limit: number; cursor?: string | undefined; status?: ChannelStatus | undefined },
): Promise<{ items: ChannelView[]; nextCursor: string | null }> {
  const page = await readChannels(deps.table, {
    limit: opts.limit,
    ...(opts.cursor !== undefined ? { cursor: opts.cursor } : {}),
    ...(opts.status !== undefined ? { status: opts.status } : {}),
  });
  return { items: page.items.map(channelView), nextCursor: page.nextCursor ?? null };
}

/** One member's adds through the channel today (corp day) against their daily cap. */
export interface MemberToday {
  userId: string;
  added: number;
  cap: number;
  reachedCap: boolean;
}

/** `GET /v1/channels/{id}`: the channel, and today's adds per member against their cap (one Query of the day's counters). */
export async function getChannel(
  deps: Pick<ChannelDeps, "table" | "timeZone" | "now">,
  channelId: string,
): Promise<ChannelView & { today: { day: string; members: MemberToday[] } }> {
  const c = await readChannel(deps.table, channelId);
  if (!c) throw notFound(`no channel ${channelId}`);
  const day = corpDay(deps.now(), deps.timeZone);
  const counts = await addsOnDay(deps.table, channelId, day);
  const members = [...new Set([...channelUserIds(c.definition), ...Object.keys(counts)])].map((userId) => {
    const cap = dailyCapOf(c.definition, userId);
    const added = counts[userId] ?? 0;
    return { userId, added, cap, reachedCap: added >= cap };
  });
  return { ...channelView(c), today: { day, members } };
}

/** `PATCH /v1/channels/{id}`: merge the patch and store it; the contact way follows through the channel's sync queue, serialized with adds. */
export async function updateChannel(deps: ChannelDeps, channelId: string, patch: ChannelPatch): Promise<ChannelView> {
  const now = deps.now();
  const saved = await writeChannel(deps.table, channelId, (c) => {
    if (c.status !== "active") throw conflict(`channel ${c.channelId} is archived`);
    const definition = applyChannelPatch(c.definition, patch);
    return {
      ...c,
      definition,
      rotation: pruneRotationState(c.rotation, channelUserIds(definition)),
      nextBoundaryAt: nextBoundary(definition, now, deps.timeZone).toISOString(),
      updatedAt: now.toISOString(),
    };
  });
  if (!saved) throw notFound(`no channel ${channelId}`);
  await requestSync(deps, saved.channelId, "edited");
  return channelView(saved);
}

/** `DELETE /v1/channels/{id}`: archive (again: the same answer). */
export async function archiveChannel(deps: ChannelDeps, channelId: string): Promise<ChannelView> {
  const now = deps.now();
  const current = await readChannel(deps.table, channelId);
  if (!current) throw notFound(`no channel ${channelId}`);
  if (current.status === "archived") return channelView(current);
  // delete the contact way first: an archived channel's QR stops adding customers
  const wecom = await deps.wecom();
  await wecom.delContactWay(current.configId).catch(wecomProblem);
  const saved = await writeChannel(deps.table, current.channelId, (c) =>
    c.status === "archived" ? undefined : { ...c, status: "archived", archivedAt: now.toISOString(), updatedAt: now.toISOString() },
  );
  return channelView(saved ?? current);
}

/** What the public landing page shows: an active channel's name and QR code, or nothing. */
export async function landingPage(deps: Pick<ChannelDeps, "table">, channelId: string): Promise<{ name: string; qrCode: string } | undefined> {
  // a public URL: an id Siyu could never have made is answered without a read
  const c = isSiyuChannelState(channelId) ? await readChannel(deps.table, channelId) : undefined;
  if (c?.status !== "active") return undefined;
  return { name: c.definition.name, qrCode: c.qrCode };
}
