
import { http, log, route, type HttpRequest, idempotencyKeyOf } from "@siyu/lambda-kit";
import { wecomFor } from "@siyu/wecom";
import * as z from "zod";
import manifest from "../../service.ts";
import { codeCreateSchema, codePatchSchema } from "../domain/code.ts";
import { archiveCode, codeDetail, createCode, listCodeViews, updateCode } from "../app/codes.ts";
import type { Deps } from "../app/deps.ts";
import { visit } from "../app/landing.ts";
import { codeStatsView } from "../app/stats.ts";
import { problemOf } from "./problems.ts";
import { codeDetailSchema, codePageSchema, codeStatusSchema, codeViewSchema } from "./schemas/codes.ts";
import { codeStatsSchema } from "./schemas/stats.ts";

const codeParam = z.object({ codeId: z.string().min(1).max(32).regex(/^[0-9a-z]+$/, "a live-code id") });
const pageQuery = { limit: z.coerce.number().int().min(1).max(100).default(50), cursor: z.string().min(1).max(2048).optional() };

function deps(req: HttpRequest<unknown, unknown, unknown>): Deps {
  const wecom = wecomFor(req.config);
  return { config: req.config, wecom: () => wecom.client(), app: () => wecom.app(), now: () => req.clock.now(), log };
}

const createGroupCode = route({ body: z.unknown(), doc: { summary: "Create a group live code over a pool of customer groups", requestBody: codeCreateSchema, response: { status: 201, description: "Created (200 on an Idempotency-Key replay)", schema: codeViewSchema }, problems: [422] } }, async (req) => {
  const key = idempotencyKeyOf(req.headers);
  const out = await createCode(deps(req), req.body, key);
  return { status: out.replay ? 200 : 201, headers: { location: `/v1/group-codes/${out.code.codeId}`, ...(out.replay ? { "idempotent-replayed": "true" } : {}) }, body: out.code };
});

const esc = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
const html = (title: string, body: string) =>
  `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><body style="font-family:sans-serif;text-align:center;padding:2em">${body}</body></html>`;

/** `GET /g/{codeId}` (public): a seat in a group with room and that group's QR, or the pool-full page. */
const groupCodeLandingPage = route({ params: z.object({ codeId: z.string().max(64) }), doc: { summary: "The live code's landing page (zh-CN): a seat in a group with room and its join QR, or the pool-full page", response: { contentType: "text/html", schema: z.string() } } }, async (req) => {
  const id = req.params.codeId;
  const out = /^[0-9a-z]{1,32}$/.test(id) ? await visit(deps(req), id) : ({ kind: "not-found" } as const);
  const headers = { "cache-control": "no-store" };
  if (out.kind === "not-found") return { status: 404, headers, contentType: "text/html; charset=utf-8", text: html("群活码不存在", "<h1>该群活码不存在或已停用</h1>") };
  if (out.kind === "full") return { status: 200, headers, contentType: "text/html; charset=utf-8", text: html(out.name, `<h1>${esc(out.name)}</h1><p data-outcome="full">${esc(out.message)}</p>`) };
  return {
    status: 200,
    headers,
    contentType: "text/html; charset=utf-8",
    text: html(out.name, `<h1>${esc(out.name)}</h1><p>长按识别二维码加入群聊</p><img data-outcome="seat" data-chat-id="${esc(out.chatId)}" src="${esc(out.qrCode)}" alt="群二维码" width="280" height="280">`),
  };
});

export const handler = http(
  manifest,
  {
    createGroupCode,
    groupCodeLandingPage,
    listGroupCodes: route(
      { query: z.object({ ...pageQuery, status: codeStatusSchema.optional() }), doc: { response: { description: "A page of live codes, newest first, each with its pool at a glance", schema: codePageSchema } } },
      async (req) => ({ status: 200, body: await listCodeViews(deps(req), req.query) }),
    ),
    getGroupCode: route({ params: codeParam, doc: { response: { description: "The live code with every group of its pool", schema: codeDetailSchema } } }, async (req) => ({ status: 200, body: await codeDetail(deps(req), req.params.codeId) })),
    updateGroupCode: route(
      { params: codeParam, body: z.unknown(), doc: { summary: "Edit a live code: settings, addGroups, removeChatIds, welcome", requestBody: codePatchSchema, response: { description: "The edited live code", schema: codeViewSchema }, problems: [409] } },
      async (req) => ({ status: 200, body: await updateCode(deps(req), req.params.codeId, req.body) }),
    ),
    getGroupCodeStats: route({ params: codeParam, doc: { response: { description: "Page views, joins, leaves, members and fill: totals, per group and per corp day", schema: codeStatsSchema } } }, async (req) => ({ status: 200, body: await codeStatsView(deps(req), req.params.codeId) })),
    archiveGroupCode: route(
      { params: codeParam, doc: { response: { description: "The archived live code (an archived one is answered as it is)", schema: codeViewSchema } } },
      async (req) => ({ status: 200, body: await archiveCode(deps(req), req.params.codeId) }),
    ),
  },
  { problemOf },
);
