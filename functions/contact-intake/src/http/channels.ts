import { type HttpRequest, route } from "@siyu/lambda-kit";
import { wecomFor } from "@siyu/wecom";
import * as z from "zod";
import { archiveChannel as archive, type ChannelDeps, createChannel as create, getChannel, landingPage, listChannels, updateChannel } from "../app/channels.ts";
import { channelCreateSchema, channelPatchSchema } from "../domain/channel.ts";
import { channelDetailSchema, channelPageSchema, channelStatusSchema, channelViewSchema } from "./schemas/channels.ts";

function deps(req: HttpRequest<unknown, unknown, unknown>): ChannelDeps {
  return {
    table: req.config.table,
    corpId: req.config.corpId,
    timeZone: req.config.timeZone,
    syncQueueUrl: () => req.config.queueUrl("channel-sync"),
    wecom: () => wecomFor(req.config).client(),
    now: () => req.clock.now(),
  };
}

const channelIdParam = z.object({ channelId: z.string().min(1).max(30) });

type ChannelAnswer = z.output<typeof channelViewSchema>;

export const createChannel = route(
  { body: channelCreateSchema, doc: { response: { status: 201, description: "Created: the channel and its contact way (`location`: the channel's URL)", schema: channelViewSchema } } },
  async (req) => {
    const view = await create(deps(req), req.body);
    return { status: 201, body: view satisfies ChannelAnswer, headers: { location: `/v1/channels/${view.channelId}` } };
  },
);

export const listChannelsRoute = route(
  {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(100).default(20),
      cursor: z.string().optional(),
      status: channelStatusSchema.optional(),
    }),
    doc: { response: { description: "A page of channels, newest first", schema: channelPageSchema } },
  },
  async (req) => ({ status: 200, body: (await listChannels(deps(req), req.query)) satisfies z.output<typeof channelPageSchema> }),
);

export const getChannelRoute = route(
  { params: channelIdParam, doc: { response: { description: "The channel, and today's adds per member against their daily cap", schema: channelDetailSchema } } },
  async (req) => ({ status: 200, body: (await getChannel(deps(req), req.params.channelId)) satisfies z.output<typeof channelDetailSchema> }),
);

export const updateChannelRoute = route(
  { params: channelIdParam, body: channelPatchSchema, doc: { response: { description: "The channel as changed (its contact way follows through the sync queue)", schema: channelViewSchema } } },
  async (req) => ({
    status: 200,
    body: (await updateChannel(deps(req), req.params.channelId, req.body)) satisfies ChannelAnswer,
  }),
);

export const archiveChannel = route(
  { params: channelIdParam, doc: { response: { description: "The archived channel (archiving again answers the same)", schema: channelViewSchema } } },
  async (req) => ({ status: 200, body: (await archive(deps(req), req.params.channelId)) satisfies ChannelAnswer }),
);

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

const html = (title: string, body: string) =>
  `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title>` +
  `<style>body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;text-align:center;padding:2rem;color:#222}img{width:260px;height:260px}p{color:#666}</style></head><body>${body}</body></html>`;

/** A public page for posters and links: the channel's QR code, in Chinese. */
export const channelLandingPage = route({ params: channelIdParam, doc: { summary: "A channel's landing page (zh-CN) with its contact QR", response: { contentType: "text/html", schema: z.string() } } }, async (req) => {
  const page = await landingPage(deps(req), req.params.channelId);
  if (!page) {
    return { status: 404, text: html("二维码已失效", "<h1>二维码已失效</h1><p>该渠道已停用，请联系工作人员获取新的二维码。</p>"), contentType: "text/html; charset=utf-8" };
  }
  const name = escapeHtml(page.name);
  return {
    status: 200,
    text: html(name, `<h1>${name}</h1><img src="${escapeHtml(page.qrCode)}" alt="企业微信二维码"><p>长按识别二维码，添加企业微信</p>`),
    contentType: "text/html; charset=utf-8",
    headers: { "cache-control": "public, max-age=60" },
  };
});
