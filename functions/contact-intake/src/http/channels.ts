import { z } from "zod";
import { AppError, conflict, notFound, makeEvent, newId } from "@siyu/kernel";
import { sendCommand } from "@siyu/bus";
import { type HttpRequest, route } from "@siyu/lambda-kit";
import { WecomApiError, wecomFor } from "@siyu/wecom";
import { applyChannelPatch, channelCreateSchema, channelPatchSchema, channelUserIds, isSiyuChannelState, newChannelState } from "../domain/channel.ts";
import { eligibleStaff, nextBoundary } from "../domain/eligibility.ts";
import { codeUsers, initialRotationState, pruneRotationState } from "../domain/rotation.ts";
import { type ChannelRecord, getChannel, insertChannel, listChannels, updateChannel } from "../store/channels.ts";

/** What the API shows of a channel. */
function channelView(c: ChannelRecord) {
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

function wecomProblem(error: unknown): never {
  if (error instanceof WecomApiError) {
    throw new AppError(502, "wecom-rejected", "WeCom rejected the request", `WeCom answered ${error.errcode}: ${error.errmsg}`, {
      extensions: { errcode: error.errcode },
      retryable: false,
    });
  }
  throw error;
}

async function requestSync(req: HttpRequest<unknown, unknown, unknown>, channelId: string, reason: "edited" | "manual") {
  const now = req.clock.now();
  const id = newId();
  await sendCommand(
    req.config.queueUrl("channel-sync"),
    makeEvent("channel.sync_requested", { channelId, reason }, { corpId: req.config.corpId, occurredAt: now, id }),
    { groupId: channelId, deduplicationId: id },
  );
}

const channelIdParam = z.object({ channelId: z.string().min(1).max(30) });

export const createChannel = route({ body: channelCreateSchema }, async (req) => {
  const definition = req.body;
  const now = req.clock.now();
  const tz = req.config.timeZone;
  const eligibility = eligibleStaff(definition, { now, timeZone: tz, addsToday: {} });
  const rotation = initialRotationState();
  const users = codeUsers(definition.rotation, eligibility, rotation);
  if (users.length === 0) {
    throw new AppError(422, "no-eligible-staff", "No staff can take adds", "no staff member of this channel is eligible now (schedule, caps or backups)");
  }
  const channelId = newChannelState();
  const wecom = await wecomFor(req.config).client();
  const way = await wecom
    .addContactWay({ type: 2, scene: 2, remark: definition.name.slice(0, 30), skip_verify: definition.skipVerify, state: channelId, user: users })
    .catch(wecomProblem);
  const record: ChannelRecord = {
    channelId,
    definition,
    status: "active",
    configId: way.config_id,
    qrCode: way.qr_code ?? "",
    codeUsers: users,
    rotation,
    rotationAdds: [],
    nextBoundaryAt: nextBoundary(definition, now, tz).toISOString(),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    version: 1,
  };
  if (!(await insertChannel(req.config.table, record))) throw conflict(`channel ${channelId} exists; retry`);
  return { status: 201, body: channelView(record), headers: { location: `/v1/channels/${channelId}` } };
});

export const listChannelsRoute = route(
  {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(100).default(20),
      cursor: z.string().optional(),
      status: z.enum(["active", "archived"]).optional(),
    }),
  },
  async (req) => {
    const page = await listChannels(req.config.table, { limit: req.query.limit, cursor: req.query.cursor, status: req.query.status });
    return { status: 200, body: { items: page.items.map(channelView), nextCursor: page.nextCursor ?? null } };
  },
);

export const getChannelRoute = route({ params: channelIdParam }, async (req) => {
  const c = await getChannel(req.config.table, req.params.channelId);
  if (!c) throw notFound(`no channel ${req.params.channelId}`);
  return { status: 200, body: channelView(c) };
});

export const updateChannelRoute = route({ params: channelIdParam, body: channelPatchSchema }, async (req) => {
  const patch = req.body;
  const now = req.clock.now();
  const saved = await updateChannel(req.config.table, req.params.channelId, (c) => {
    if (c.status !== "active") throw conflict(`channel ${c.channelId} is archived`);
    const definition = applyChannelPatch(c.definition, patch);
    return {
      ...c,
      definition,
      rotation: pruneRotationState(c.rotation, channelUserIds(definition)),
      nextBoundaryAt: nextBoundary(definition, now, req.config.timeZone).toISOString(),
      updatedAt: now.toISOString(),
    };
  });
  if (!saved) throw notFound(`no channel ${req.params.channelId}`);
  // the contact way follows through the channel's sync queue, serialized with adds
  await requestSync(req, saved.channelId, "edited");
  return { status: 200, body: channelView(saved) };
});

export const archiveChannel = route({ params: channelIdParam }, async (req) => {
  const now = req.clock.now();
  const current = await getChannel(req.config.table, req.params.channelId);
  if (!current) throw notFound(`no channel ${req.params.channelId}`);
  if (current.status === "archived") return { status: 200, body: channelView(current) };
  // delete the contact way first: an archived channel's QR stops adding customers
  const wecom = await wecomFor(req.config).client();
  await wecom.delContactWay(current.configId).catch(wecomProblem);
  const saved = await updateChannel(req.config.table, current.channelId, (c) =>
    c.status === "archived" ? undefined : { ...c, status: "archived", archivedAt: now.toISOString(), updatedAt: now.toISOString() },
  );
  return { status: 200, body: channelView(saved ?? current) };
});

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** A public page for posters and links: the channel's QR code, in Chinese. */
export const channelLandingPage = route({ params: channelIdParam }, async (req) => {
  // a public URL: an id Siyu could never have made is answered without a read
  const c = isSiyuChannelState(req.params.channelId) ? await getChannel(req.config.table, req.params.channelId) : undefined;
  const html = (title: string, body: string) =>
    `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title>` +
    `<style>body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;text-align:center;padding:2rem;color:#222}img{width:260px;height:260px}p{color:#666}</style></head><body>${body}</body></html>`;
  if (c?.status !== "active") {
    return { status: 404, text: html("二维码已失效", "<h1>二维码已失效</h1><p>该渠道已停用，请联系工作人员获取新的二维码。</p>"), contentType: "text/html; charset=utf-8" };
  }
  const name = escapeHtml(c.definition.name);
  return {
    status: 200,
    text: html(name, `<h1>${name}</h1><img src="${escapeHtml(c.qrCode)}" alt="企业微信二维码"><p>长按识别二维码，添加企业微信</p>`),
    contentType: "text/html; charset=utf-8",
    headers: { "cache-control": "public, max-age=60" },
  };
});
