import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { apiRoutes } from "./api/index.ts";
import type { ApiRoute, RawBody } from "./api/route.ts";
import { RawResponse, type SimHandler, simRoutes } from "./api/sim.ts";
import { ERR, errmsgOf, SimError, WecomError } from "./errors.ts";
import { Router } from "./router.ts";
import type { SimWorld } from "./world/world.ts";

/**
 * The HTTP face of the simulator: `/cgi-bin/...` answers like qyapi.weixin.qq.com (JSON with
 * errcode/errmsg, HTTP 200 even for errors), `/_sim/...` is the world API.
 */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/**
 * Bytes of an upload kept for its handler: above WeCom's 10 MB media limit, so an oversized file
 * still reaches the handler and gets WeCom's size errcode (with `size` telling how big it was).
 */
const MAX_UPLOAD_BYTES = 12 * 1024 * 1024;

const apiRouter = new Router<ApiRoute>();
for (const r of apiRoutes) apiRouter.add(r.method, r.path, r);
const simRouter = new Router<SimHandler>();
for (const r of simRoutes) simRouter.add(r.method, r.path, r.handler);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new SimError(413, "body too large"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** An upload's bytes: the first `MAX_UPLOAD_BYTES` are kept, the rest only counted (the request is read to its end so the answer still goes out). */
function readRaw(req: IncomingMessage): Promise<RawBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      const room = MAX_UPLOAD_BYTES - size;
      if (room > 0) chunks.push(room >= c.length ? c : c.subarray(0, room));
      size += c.length;
    });
    req.on("end", () => resolve({ contentType: req.headers["content-type"], bytes: Buffer.concat(chunks), size }));
    req.on("error", reject);
  });
}

/** A POST's JSON body ({} when empty, and for every other method); `notJson` is what to throw for anything else. */
async function readJson(req: IncomingMessage, notJson: () => Error): Promise<unknown> {
  if (req.method !== "POST") return {};
  const text = await readBody(req);
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw notJson();
  }
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function hint(world: SimWorld): string {
  return `${world.clock.nowSec()}_${world.ids.chars(8)}_sim`;
}

async function handleApi(world: SimWorld, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? "GET";
  const api = url.pathname.slice("/cgi-bin/".length).replace(/\/+$/, "");
  const record = world.requests.start(world.clock.now().toISOString(), method, url.pathname, api, url.searchParams);
  try {
    world.tick();
    let match = apiRouter.match(method, api);
    // GET endpoints read only the query string; WeCom does not mind a POST to them.
    if (match && "wrongMethod" in match && method === "POST" && match.wrongMethod.includes("GET")) match = apiRouter.match("GET", api);
    if (!match) {
      record.errcode = 404;
      sendJson(res, 404, { errcode: 404, errmsg: `the simulator does not implement /cgi-bin/${api}` });
      return;
    }
    if ("wrongMethod" in match) throw new WecomError(ERR.EMPTY_PARAMETER, `use ${match.wrongMethod.join("/")} for ${api}`);
    const route = match.handler;
    const raw = route.rawBody && method === "POST" ? await readRaw(req) : undefined;
    const body = raw ? {} : await readJson(req, () => new WecomError(ERR.DATA_FORMAT, "Warning: wrong json format."));
    const fault = world.faults.take(api);
    if (fault) {
      if (fault.delayMs > 0) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.error) throw fault.error;
    }
    if (route.auth) world.tokens.check(url.searchParams.get("access_token"));
    world.rateLimits.hit(api);
    const result = await route.handler({ world, api, query: url.searchParams, body, ...(raw ? { raw } : {}) });
    record.errcode = 0;
    sendJson(res, 200, { errcode: 0, errmsg: "ok", ...result });
  } catch (err) {
    if (err instanceof WecomError) {
      record.errcode = err.errcode;
      if (err.violation) world.violations.record(api, err.errcode, err.violation.rule, err.violation.detail);
      sendJson(res, 200, { errcode: err.errcode, errmsg: errmsgOf(err, hint(world)) });
      return;
    }
    record.errcode = -1;
    console.error(`[wecom-sim] ${method} ${url.pathname} failed:`, err);
    sendJson(res, 500, { errcode: -1, errmsg: `simulator error: ${err instanceof Error ? err.message : String(err)}` });
  }
}

async function handleSim(world: SimWorld, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? "GET";
  const sub = url.pathname.slice("/_sim".length);
  try {
    world.tick();
    const match = simRouter.match(method, sub);
    if (!match) throw new SimError(404, `no world API ${method} /_sim${sub} (GET /_sim lists them)`);
    if ("wrongMethod" in match) throw new SimError(405, `use ${match.wrongMethod.join("/")}`);
    const body = await readJson(req, () => new SimError(400, "body is not JSON"));
    const out = await match.handler({ world, body, query: url.searchParams, params: match.params });
    if (out instanceof RawResponse) {
      res.writeHead(out.status, { "content-type": out.contentType });
      res.end(out.body);
      return;
    }
    sendJson(res, 200, out ?? {});
  } catch (err) {
    if (err instanceof SimError) {
      sendJson(res, err.status, { error: err.message, ...err.extra });
      return;
    }
    if (err instanceof WecomError) {
      // a client-side action refused by a WeCom rule (e.g. a 4th moment today)
      if (err.violation) world.violations.record(`client:${sub.replace(/^\//, "")}`, err.errcode, err.violation.rule, err.violation.detail);
      sendJson(res, 409, { error: err.message, errcode: err.errcode, ...(err.violation ? { rule: err.violation.rule } : {}) });
      return;
    }
    console.error(`[wecom-sim] ${method} ${url.pathname} failed:`, err);
    sendJson(res, 500, { error: err instanceof Error ? err.message : String(err) });
  }
}

export function createSimServer(world: SimWorld): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://wecom-sim.local");
    const handler = url.pathname.startsWith("/cgi-bin/")
      ? handleApi
      : url.pathname === "/_sim" || url.pathname.startsWith("/_sim/")
        ? handleSim
        : null;
    if (!handler) {
      sendJson(res, 404, { errcode: 404, errmsg: `not found: ${url.pathname} (WeCom APIs live under /cgi-bin/, the world API under /_sim/)` });
      return;
    }
    handler(world, req, res, url).catch((err) => {
      console.error("[wecom-sim] unhandled", err);
      if (!res.headersSent) sendJson(res, 500, { error: String(err) });
    });
  });
}
