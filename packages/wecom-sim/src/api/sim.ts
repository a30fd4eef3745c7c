import * as z from "zod";
import type { CallbackRecord } from "../callbacks.ts";
import { SimError } from "../errors.ts";
import { qrPng, scanPageUrl } from "../qr.ts";
import type { Method } from "../router.ts";
import { MEDIA_TTL_MS } from "../world/media.ts";
import type { SimWorld } from "../world/world.ts";

/**
 * The world API (`/_sim/...`): what customers and members do in their apps, plus the logs and
 * switches tests need. Plain JSON, HTTP status codes (not WeCom errcodes).
 */
export interface SimContext {
  world: SimWorld;
  body: unknown;
  query: URLSearchParams;
  params: Record<string, string>;
}

/** Return a JSON-able value (200), or a `RawResponse` for non-JSON content. */
export type SimHandler = (ctx: SimContext) => unknown;

export class RawResponse {
  constructor(
    readonly status: number,
    readonly contentType: string,
    readonly body: string | Uint8Array,
  ) {}
}

interface SimRoute {
  method: Method;
  /** Below /_sim/. */
  path: string;
  summary: string;
  handler: SimHandler;
}

function input<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  throw new SimError(400, "invalid body", {
    issues: r.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
  });
}

/** The callback outcome a world action reports back. */
function outcome(record: CallbackRecord | null) {
  return record ? { callbackSeq: record.seq, callbackStatus: record.status } : { callbackSeq: null, callbackStatus: null };
}

const pair = z.object({ externalUserId: z.string().min(1), userId: z.string().min(1) });

const qrScanBody = z.object({ configId: z.string().min(1), externalUserId: z.string().min(1).optional(), name: z.string().min(1).optional() });

/**
 * A customer scans a QR code {configId, externalUserId? | name?}: `check` refuses a code that can't
 * be scanned before anyone is created; the scanner is the customer named, else a new WeChat user.
 */
function qrScan(world: SimWorld, body: unknown, check: (configId: string) => unknown): { configId: string; externalUserId: string } {
  const b = input(qrScanBody, body);
  check(b.configId);
  const externalUserId = b.externalUserId ?? world.customers.add({ name: b.name ?? `客户${world.customers.all().length + 1}` }).externalUserId;
  return { configId: b.configId, externalUserId };
}

const routes: SimRoute[] = [];
const route = (method: Method, path: string, summary: string, handler: SimHandler) => routes.push({ method, path, summary, handler });

// ---- people -----------------------------------------------------------------------------------

route("POST", "staff", "add a member {userId, name, department?, consoleWelcome?}", ({ world, body }) => {
  const b = input(
    z.object({ userId: z.string().min(1), name: z.string().min(1), department: z.array(z.number().int()).optional(), consoleWelcome: z.boolean().optional() }),
    body,
  );
  return world.staff.add({
    userid: b.userId,
    name: b.name,
    ...(b.department ? { department: b.department } : {}),
    ...(b.consoleWelcome !== undefined ? { consoleWelcome: b.consoleWelcome } : {}),
  });
});

route("POST", "staff/:userId", "update a member {name?, consoleWelcome?, department?}", ({ world, body, params }) => {
  const b = input(z.object({ name: z.string().min(1).optional(), consoleWelcome: z.boolean().optional(), department: z.array(z.number().int()).optional() }), body);
  return world.staff.update(params.userId ?? "", b);
});

route("POST", "staff-resigns", "a member leaves the company {userId}", ({ world, body }) => {
  return world.staff.resign(input(z.object({ userId: z.string().min(1) }), body).userId);
});

route("POST", "customers", "create a WeChat user {name, unionId?, gender?} → {externalUserId}", ({ world, body }) => {
  const b = input(z.object({ name: z.string().min(1), unionId: z.string().min(1).optional(), gender: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional() }), body);
  const c = world.customers.add(b);
  return { externalUserId: c.externalUserId, name: c.name, unionId: c.unionId ?? null };
});

// ---- contact intake ---------------------------------------------------------------------------

route(
  "POST",
  "scan-contact-way",
  "a customer scans a contact-way QR {configId, externalUserId? | name?} → {userId, welcomeCode, callbackStatus}",
  async ({ world, body }) => {
    const { configId, externalUserId: ext } = qrScan(world, body, (id) => world.contactWays.scannable(id));
    const r = world.scanContactWay(configId, ext);
    return {
      externalUserId: ext,
      userId: r.userId,
      state: r.state,
      welcomeCode: r.welcomeCode,
      alreadyFriends: r.alreadyFriends,
      ...outcome(r.delivery ? await r.delivery : null),
    };
  },
);

route("POST", "staff-adds-customer", "a member adds a customer {userId, externalUserId, addWay?}", async ({ world, body }) => {
  const b = input(pair.extend({ addWay: z.number().int().optional() }), body);
  const r = world.staffAddsCustomer(b.userId, b.externalUserId, b.addWay);
  return { userId: r.userId, welcomeCode: r.welcomeCode, alreadyFriends: r.alreadyFriends, ...outcome(r.delivery ? await r.delivery : null) };
});

route("POST", "customer-deletes-staff", "the customer deletes the member {externalUserId, userId} → del_follow_user", async ({ world, body }) => {
  const b = input(pair, body);
  return outcome(await world.customerDeletesStaff(b.externalUserId, b.userId));
});

route("POST", "staff-deletes-customer", "the member deletes the customer {externalUserId, userId} → del_external_contact", async ({ world, body }) => {
  const b = input(pair, body);
  return outcome(await world.staffDeletesCustomer(b.externalUserId, b.userId));
});

route(
  "POST",
  "staff-edits-customer",
  "the member edits remark/tags in the client {externalUserId, userId, remark?, addTagIds?, removeTagIds?} → edit_external_contact",
  async ({ world, body }) => {
    const b = input(pair.extend({ remark: z.string().optional(), addTagIds: z.array(z.string()).optional(), removeTagIds: z.array(z.string()).optional() }), body);
    return outcome(await world.staffEditsCustomer(b.externalUserId, b.userId, b));
  },
);

route("POST", "console-tag", "an admin adds a corp tag in the console {groupName, tagName} → change_external_tag", async ({ world, body }) => {
  const b = input(z.object({ groupName: z.string().min(1), tagName: z.string().min(1) }), body);
  const { group, tags } = world.tags.add({ groupName: b.groupName, tags: [{ name: b.tagName }] }, "console");
  const tag = tags[0];
  if (!tag) throw new SimError(500, "tag not created");
  return { groupId: group.groupId, tagId: tag.id, ...outcome(await world.emitTag("create", tag.id, "tag")) };
});

// ---- groups -----------------------------------------------------------------------------------

route("POST", "groups", "a member creates a customer group {ownerUserId, name, externalUserIds?} → change_external_chat create", async ({ world, body }) => {
  const b = input(z.object({ ownerUserId: z.string().min(1), name: z.string().min(1), externalUserIds: z.array(z.string()).optional() }), body);
  const { group, delivery } = world.groups.create({ owner: b.ownerUserId, name: b.name, externalUserIds: b.externalUserIds ?? [] });
  return { chatId: group.chatId, ...outcome(await delivery) };
});

route("POST", "dismiss-group", "the owner dismisses a group {chatId}", async ({ world, body }) => {
  return outcome(await world.groups.dismiss(input(z.object({ chatId: z.string().min(1) }), body).chatId));
});

route(
  "POST",
  "join-group",
  "a customer scans a join-way QR {configId, externalUserId? | name?} → first non-full group (200), auto-creates when configured",
  async ({ world, body }) => {
    const { configId, externalUserId: ext } = qrScan(world, body, (id) => world.groups.getJoinWay(id));
    const r = world.groups.scanJoinWay(configId, ext);
    const records = await Promise.all(r.deliveries);
    return {
      externalUserId: ext,
      chatId: r.chatId,
      createdChatId: r.createdChatId ?? null,
      alreadyMember: r.alreadyMember,
      callbacks: records.map((x) => ({ seq: x.seq, changeType: x.changeType, status: x.status })),
      ...outcome(records[records.length - 1] ?? null),
    };
  },
);

route("POST", "invite-to-group", "a member invites a customer {chatId, externalUserId} (JoinScene 0)", async ({ world, body }) => {
  const b = input(z.object({ chatId: z.string().min(1), externalUserId: z.string().min(1) }), body);
  return outcome(await world.groups.invite(b.chatId, b.externalUserId));
});

route("POST", "leave-group", "a customer leaves {chatId, externalUserId, removedByOwner?} → del_member", async ({ world, body }) => {
  const b = input(z.object({ chatId: z.string().min(1), externalUserId: z.string().min(1), removedByOwner: z.boolean().optional() }), body);
  return outcome(await world.groups.leave(b.chatId, b.externalUserId, b.removedByOwner ?? false));
});

// ---- broadcasts, moments, transfers -----------------------------------------------------------

route("POST", "staff-confirm-broadcast", "the member sends a mass-message task {msgId, userId} → {sent, capped, notFriend}", ({ world, body }) => {
  const b = input(z.object({ msgId: z.string().min(1), userId: z.string().min(1) }), body);
  return world.mass.confirm(b.msgId, b.userId);
});

route(
  "POST",
  "staff-personal-broadcast",
  "the member sends their own mass message (create_type 1) {userId, externalUserIds? | chatIds?, text?} → {msgId, sent, capped, notFriend}",
  ({ world, body }) => {
    const b = input(
      z.object({
        userId: z.string().min(1),
        externalUserIds: z.array(z.string().min(1)).optional(),
        chatIds: z.array(z.string().min(1)).optional(),
        text: z.string().min(1).optional(),
      }),
      body,
    );
    const { msgid, ...delivery } = world.mass.personalSend({ userid: b.userId, externalUserIds: b.externalUserIds, chatIds: b.chatIds, text: b.text });
    return { msgId: msgid, ...delivery };
  },
);

route("POST", "staff-publish-moment", "the member publishes a moment task {momentId, userId}", ({ world, body }) => {
  const b = input(z.object({ momentId: z.string().min(1), userId: z.string().min(1) }), body);
  const t = world.moments.publish(b.momentId, b.userId);
  return { userId: t.userid, publishStatus: t.publishStatus, visibleCustomers: t.visibleCustomers.length };
});

route("POST", "moment-interaction", "a customer likes or comments {momentId, userId, externalUserId, kind, content?}", ({ world, body }) => {
  const b = input(
    z.object({ momentId: z.string().min(1), userId: z.string().min(1), externalUserId: z.string().min(1), kind: z.enum(["like", "comment"]), content: z.string().optional() }),
    body,
  );
  return world.moments.interact(b.momentId, b.userId, b.externalUserId, b.kind, b.content);
});

route("POST", "customer-refuses-transfer", "the customer refuses a waiting transfer {externalUserId} → transfer_fail", async ({ world, body }) => {
  const { transfer, delivery } = world.transfers.refuse(input(z.object({ externalUserId: z.string().min(1) }), body).externalUserId);
  return { transferId: transfer.id, status: transfer.status, ...outcome(await delivery) };
});

// ---- time, config, logs -----------------------------------------------------------------------

route("GET", "clock", "the simulator time", ({ world }) => ({ now: world.clock.now().toISOString(), offsetMs: world.clock.offset }));

route("POST", "clock", "move the simulator clock forward {advanceMs}; due transfers complete", async ({ world, body }) => {
  const b = input(z.object({ advanceMs: z.number().nonnegative() }), body);
  world.clock.advance(b.advanceMs);
  const records = await Promise.all(world.tick());
  return { now: world.clock.now().toISOString(), offsetMs: world.clock.offset, callbacks: records.map((r) => ({ seq: r.seq, changeType: r.changeType, status: r.status })) };
});

const configView = (world: SimWorld) => ({
  corpId: world.config.corpId,
  agentId: world.config.agentId ?? null,
  callbackUrl: world.config.callbackUrl,
  strict: world.config.strict,
  receiveFrequency: world.config.receiveFrequency,
  timeZone: world.config.timeZone,
  apiLimits: world.config.apiLimits,
});

route("GET", "config", "current settings", ({ world }) => configView(world));

route("POST", "config", "change settings {callbackUrl?, receiveFrequency?, strict?}", ({ world, body }) => {
  const b = input(
    z.object({ callbackUrl: z.url().nullable().optional(), receiveFrequency: z.enum(["month", "week", "day"]).optional(), strict: z.boolean().optional() }),
    body,
  );
  if (b.callbackUrl !== undefined) world.config.callbackUrl = b.callbackUrl;
  if (b.receiveFrequency !== undefined) world.config.receiveFrequency = b.receiveFrequency;
  if (b.strict !== undefined) world.config.strict = b.strict;
  return configView(world);
});

route("POST", "verify-url", "WeCom's URL verification GET against the callback URL {url?}", async ({ world, body }) => {
  const b = input(z.object({ url: z.url().optional() }), body);
  if (!b.url && !world.config.callbackUrl) throw new SimError(409, "no callback URL configured");
  return world.callbacks.verifyUrl(b.url);
});

route("POST", "redeliver", "resend the last N callbacks byte for byte {count}", async ({ world, body }) => {
  const b = input(z.object({ count: z.number().int().positive().default(1) }), body);
  if (!world.config.callbackUrl) throw new SimError(409, "no callback URL configured");
  const records = await world.callbacks.redeliver(b.count);
  return { redelivered: records.map((r) => ({ seq: r.seq, redeliveryOf: r.redeliveryOf, changeType: r.changeType, status: r.status })) };
});

route("POST", "invalidate-tokens", "revoke every access_token early (next call gets 40014)", ({ world }) => ({ revoked: world.tokens.revokeAll() }));

route("POST", "faults", "make the next calls fail {api ('*' = any), errcode, times?, delayMs?, errmsg?}", ({ world, body }) => {
  const b = input(
    z.object({ api: z.string().min(1), errcode: z.number().int(), times: z.number().int().positive().default(1), delayMs: z.number().int().nonnegative().default(0), errmsg: z.string().optional() }),
    body,
  );
  world.faults.add({ api: b.api.replace(/^\/?(cgi-bin\/)?/, ""), errcode: b.errcode, times: b.times, delayMs: b.delayMs, ...(b.errmsg ? { errmsg: b.errmsg } : {}) });
  return { queued: world.faults.queue.length };
});

route("POST", "faults/clear", "drop injected faults", ({ world }) => {
  world.faults.clear();
  return { queued: 0 };
});

route("POST", "reset", "forget everything and seed again {seed?: 'demo'|'empty'}", ({ world, body }) => {
  const b = input(z.object({ seed: z.enum(["demo", "empty"]).optional() }), body);
  world.reset(b.seed);
  return { ok: true };
});

const since = (query: URLSearchParams) => Number(query.get("since") ?? "0") || 0;

route("GET", "callbacks", "callbacks sent, with the HTTP status each attempt got (?since=seq)", ({ world, query }) => ({
  callbacks: world.callbacks.records.filter((r) => r.seq > since(query)),
}));
route("GET", "requests", "API requests received (?api=externalcontact/get, ?since=seq)", ({ world, query }) => {
  const api = query.get("api");
  return { requests: world.requests.entries.filter((r) => r.seq > since(query) && (!api || r.api === api)) };
});
route("GET", "violations", "WeCom rules Siyu broke (strict mode)", ({ world }) => ({ violations: world.violations.entries }));
route("GET", "welcome-messages", "welcome messages accepted, with delayMs since the add event", ({ world }) => ({
  welcomeMessages: world.welcome.delivered,
}));
route("POST", "group-welcome", "the group's owner picks a group welcome template in the client {chatId, templateId} (no API does this)", ({ world, body }) => {
  const b = input(z.object({ chatId: z.string().min(1), templateId: z.string().min(1) }), body);
  const group = world.groups.requireForSim(b.chatId);
  try {
    world.groupWelcome.bind(b.chatId, b.templateId, group.owner);
  } catch {
    throw new SimError(404, `no group welcome template ${b.templateId}`);
  }
  return { chatId: b.chatId, templateId: b.templateId, by: group.owner };
});
route("GET", "group-welcomes", "group welcome templates, which group uses which, and the welcomes joiners received", ({ world }) => ({
  templates: world.groupWelcome.all(),
  bindings: world.groupWelcome.allBindings(),
  deliveries: world.groupWelcome.deliveries,
}));
route("GET", "media", "media uploaded with media/upload_attachment (mediaId, kind, attachmentType, filename, contentType, bytes, uploadedAt, expiresAt)", ({ world }) => ({
  media: world.media.all().map((m) => ({
    ...m,
    uploadedAt: new Date(m.uploadedAt).toISOString(),
    expiresAt: new Date(m.uploadedAt + MEDIA_TTL_MS).toISOString(),
  })),
}));
route("GET", "app-messages", "application messages sent with message/send", ({ world }) => ({ appMessages: world.appMessages.sent }));

route("GET", "state", "a readable dump of the world", ({ world }) => ({
  clock: world.clock.now().toISOString(),
  config: configView(world),
  staff: world.staff.all(),
  customers: world.customers.all().map((c) => ({
    ...c,
    follows: world.customers.relationsOf(c.externalUserId).map((r) => ({ ...r, tagIds: [...r.tagIds] })),
  })),
  tags: world.tags.allGroups(),
  contactWays: world.contactWays.all(),
  groups: world.groups.all().map((g) => ({ ...g, members: [...g.members.values()] })),
  joinWays: world.groups.allJoinWays(),
  massMessages: world.mass.all().map((m) => ({
    ...m,
    tasks: [...m.tasks.values()].map((t) => ({ ...t, targets: [...t.targets.values()] })),
  })),
  media: world.media.all(),
  moments: world.moments.all().map((m) => ({ ...m, tasks: [...m.tasks.values()] })),
  transfers: world.transfers.list,
}));

/** The contact way or join way a QR code belongs to (404 when neither). */
function qrTarget(world: SimWorld, configId: string) {
  const way = world.contactWays.get(configId);
  const join = way ? undefined : world.groups.allJoinWays().find((j) => j.configId === configId);
  if (!way && !join) throw new SimError(404, `no contact way or join way ${configId}`);
  return { way, join };
}

// before "qr/:configId", which would also match `<configId>.png`
route("GET", "qr/:configId.png", "the qr_code image: a PNG QR code encoding the scan page /_sim/qr/:configId", async ({ world, params }) => {
  const id = params.configId ?? "";
  qrTarget(world, id);
  return new RawResponse(200, "image/png", await qrPng(scanPageUrl(world.config.baseUrl, id)));
});

route("GET", "qr/:configId", "the scan page a qr_code encodes: scan as a new customer", ({ world, params }) => {
  const id = params.configId ?? "";
  const { way, join } = qrTarget(world, id);
  const kind = way ? "联系我 contact way" : "加入群聊 join way";
  const action = way ? "scan-contact-way" : "join-group";
  const esc = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll('"', "&quot;");
  const html = `<!doctype html><meta charset="utf-8"><title>${esc(kind)}</title>
<h1>${esc(kind)}</h1><p>config_id <code>${esc(id)}</code>, state <code>${esc(way?.state ?? join?.state ?? "")}</code></p>
<form onsubmit="event.preventDefault();fetch('/_sim/${action}',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({configId:'${esc(id)}',name:this.n.value||undefined})}).then(r=>r.json()).then(j=>{document.getElementById('out').textContent=JSON.stringify(j,null,2)})">
<label>New customer name <input name="n"></label> <button>Scan as a new customer</button></form><pre id="out"></pre>`;
  return new RawResponse(200, "text/html; charset=utf-8", html);
});

route("GET", "", "this list", () => ({ routes: routes.map((r) => ({ method: r.method, path: `/_sim/${r.path}`, summary: r.summary })) }));

export const simRoutes: readonly SimRoute[] = routes;
