import { randomBytes } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { THROTTLE_ERRCODES } from "@siyu/wecom/errors";
import { observeWecomCalls, type WecomCall } from "@siyu/wecom/observe";
import { currentEnv } from "./runtime-env.ts";

/**
 * WeCom calls as X-Ray subsegments of the function's segment. With active tracing, Lambda writes the
 * function's own segment and puts the invocation's trace header in `_X_AMZN_TRACE_ID`
 * (`Root=…;Parent=…;Sampled=1`); a subsegment is a JSON document sent over UDP to the X-Ray daemon
 * at `AWS_XRAY_DAEMON_ADDRESS`, after the header line `{"format":"json","version":1}`.
 * Why not Powertools Tracer: see docs/architecture.md ("Traces") — it did the same for 127 KB and
 * ~45 ms of cold-start init, measured, against the bundle goal of 150 KB.
 */

export interface TraceHeader {
  root: string;
  parent: string;
  sampled: boolean;
}

/** `Root=1-…;Parent=…;Sampled=1` → its parts; `undefined` without a root and a parent. */
export function parseTraceHeader(header: string | undefined): TraceHeader | undefined {
  if (!header) return undefined;
  const parts = new Map(
    header.split(";").map((kv) => {
      const i = kv.indexOf("=");
      return [kv.slice(0, i).trim(), kv.slice(i + 1).trim()] as const;
    }),
  );
  const root = parts.get("Root");
  const parent = parts.get("Parent");
  if (!root || !parent) return undefined;
  return { root, parent, sampled: parts.get("Sampled") === "1" };
}

/** The daemon's UDP address: `host:port`, or `tcp:host:port udp:host:port` (the UDP one is used). */
export function daemonAddress(value: string | undefined): { host: string; port: number } | undefined {
  if (!value) return undefined;
  const udp = value
    .split(/\s+/)
    .map((a) => a.replace(/^udp:/, ""))
    .find((a) => !a.startsWith("tcp:"));
  const m = udp ? /^(.+):(\d+)$/.exec(udp) : null;
  if (!m) return undefined;
  return { host: m[1]!, port: Number(m[2]) };
}

/**
 * The subsegment for one WeCom exchange, named after WeCom's host (its node on the service map),
 * the API and errcode as annotations (searchable: `annotation.wecom_errcode = 45009`). X-Ray's flags:
 * `fault` — no answer or a 5xx; `throttle` — WeCom's frequency and busy errcodes; `error` — any
 * other errcode but 0, or a 4xx.
 */
export function wecomSubsegment(call: WecomCall, trace: TraceHeader, id: string): Record<string, unknown> {
  const host = (() => {
    try {
      return new URL(call.url).host;
    } catch {
      return "wecom";
    }
  })();
  const status = call.status;
  const errcode = call.errcode;
  const fault = call.failure !== undefined || (status !== undefined && status >= 500);
  const throttle = !fault && errcode !== undefined && THROTTLE_ERRCODES.has(errcode);
  const error = !fault && !throttle && ((errcode !== undefined && errcode !== 0) || (status !== undefined && status >= 400));
  return {
    name: host,
    id,
    trace_id: trace.root,
    parent_id: trace.parent,
    type: "subsegment",
    namespace: "remote",
    start_time: call.startMs / 1000,
    end_time: Math.max(call.endMs, call.startMs) / 1000,
    http: { request: { method: call.method, url: call.url }, ...(status !== undefined ? { response: { status } } : {}) },
    annotations: { wecom_api: call.api, ...(errcode !== undefined ? { wecom_errcode: errcode } : {}), ...(call.failure ? { wecom_failure: call.failure } : {}) },
    ...(fault ? { fault: true } : {}),
    ...(throttle ? { throttle: true } : {}),
    ...(error ? { error: true } : {}),
  };
}

const HEADER = '{"format":"json","version":1}\n';
let socket: Socket | undefined;

function send(doc: Record<string, unknown>, to: { host: string; port: number }): void {
  if (!socket) {
    socket = createSocket(to.host.includes(":") ? "udp6" : "udp4");
    socket.on("error", () => undefined); // a lost trace never fails the call it describes
    socket.unref();
  }
  socket.send(HEADER + JSON.stringify(doc), to.port, to.host, () => undefined);
}

/**
 * From cold start on, every WeCom exchange of a sampled invocation becomes a subsegment. Without a
 * trace header (tracing off, or locally) nothing is sent.
 */
export function traceWecomCalls(): void {
  observeWecomCalls((call) => {
    const env = currentEnv();
    const trace = parseTraceHeader(env["_X_AMZN_TRACE_ID"]);
    const to = daemonAddress(env["AWS_XRAY_DAEMON_ADDRESS"]);
    if (!trace?.sampled || !to) return;
    send(wecomSubsegment(call, trace, randomBytes(8).toString("hex")), to);
  });
}
