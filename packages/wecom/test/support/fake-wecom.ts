/**
 * A tiny scripted HTTP server standing in for qyapi.weixin.qq.com in client tests.
 * Each test scripts replies per API path and inspects the recorded requests.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  api: string;
  query: URLSearchParams;
  /** The parsed JSON body; undefined for an empty or non-JSON one (see `raw`). */
  body: unknown;
  contentType: string | undefined;
  raw: Buffer;
}

export type Reply =
  | Record<string, unknown>
  | { __status: number; __text: string }
  | { __delayMs: number; __reply: Record<string, unknown> }
  | { __stallBody: true };

export type Handler = (req: RecordedRequest, nthForApi: number) => Reply | undefined | Promise<Reply | undefined>;

export interface FakeWecom {
  baseUrl: string;
  requests: RecordedRequest[];
  count(api: string): number;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Default: gettoken hands out TOKEN-1, TOKEN-2, …; every other API answers errcode 0. */
export async function startFakeWecom(handler?: Handler): Promise<FakeWecom> {
  const requests: RecordedRequest[] = [];
  const perApi = new Map<string, number>();
  const open = new Set<ServerResponse>();
  const server = createServer(async (req, res) => {
    open.add(res);
    res.on("close", () => open.delete(res));
    const url = new URL(req.url ?? "/", "http://x");
    const api = url.pathname.replace(/^\/cgi-bin\//, "");
    const raw = await readBody(req);
    const contentType = req.headers["content-type"];
    const json = raw.length > 0 && !contentType?.startsWith("multipart/");
    const rec: RecordedRequest = { method: req.method ?? "", api, query: url.searchParams, body: json ? JSON.parse(raw.toString("utf8")) : undefined, contentType, raw };
    requests.push(rec);
    const n = (perApi.get(api) ?? 0) + 1;
    perApi.set(api, n);
    let reply: Reply | undefined = await handler?.(rec, n);
    if (reply === undefined) {
      reply = api === "gettoken" ? { errcode: 0, errmsg: "ok", access_token: `TOKEN-${n}`, expires_in: 7200 } : { errcode: 0, errmsg: "ok" };
    }
    if ("__stallBody" in reply) {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"errcode":');
      return; // never finish: the client must time out while reading the body
    }
    if ("__delayMs" in reply) {
      const delayed = reply as { __delayMs: number; __reply: Record<string, unknown> };
      await new Promise((r) => setTimeout(r, delayed.__delayMs));
      reply = delayed.__reply;
    }
    if ("__status" in reply) {
      res.writeHead(reply.__status as number, { "content-type": "text/plain" });
      res.end(reply.__text);
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(reply));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    count: (api) => requests.filter((r) => r.api === api).length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
