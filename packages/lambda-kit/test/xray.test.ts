import { describe, expect, it } from "vitest";
import { daemonAddress, parseTraceHeader, wecomSubsegment } from "../src/xray.ts";

const trace = { root: "1-67891233-abcdef012345678912345678", parent: "53995c3f42cd8ad8", sampled: true };
const call = { api: "externalcontact/add_contact_way", method: "POST" as const, url: "https://qyapi.weixin.qq.com/cgi-bin/externalcontact/add_contact_way", startMs: 1_700_000_000_000, endMs: 1_700_000_000_120 };

describe("X-Ray trace header and daemon address", () => {
  it("reads Lambda's trace header; unsampled or partial headers are told apart", () => {
    expect(parseTraceHeader("Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1")).toEqual(trace);
    expect(parseTraceHeader("Root=1-a-b;Parent=c;Sampled=0")).toEqual({ root: "1-a-b", parent: "c", sampled: false });
    expect(parseTraceHeader("Root=1-a-b;Sampled=1")).toBeUndefined();
    expect(parseTraceHeader("")).toBeUndefined();
    expect(parseTraceHeader(undefined)).toBeUndefined();
    expect(parseTraceHeader("garbage")).toBeUndefined();
  });

  it("reads the daemon's UDP address in both of Lambda's forms", () => {
    expect(daemonAddress("169.254.79.129:2000")).toEqual({ host: "169.254.79.129", port: 2000 });
    expect(daemonAddress("tcp:127.0.0.1:2000 udp:127.0.0.2:2001")).toEqual({ host: "127.0.0.2", port: 2001 });
    expect(daemonAddress("nonsense")).toBeUndefined();
    expect(daemonAddress(undefined)).toBeUndefined();
  });
});

describe("a WeCom exchange as a subsegment", () => {
  it("a done call: WeCom's host as the name, the API and errcode 0 as annotations, times in seconds, no flag", () => {
    const doc = wecomSubsegment({ ...call, status: 200, errcode: 0 }, trace, "0123456789abcdef");
    expect(doc).toEqual({
      name: "qyapi.weixin.qq.com",
      id: "0123456789abcdef",
      trace_id: trace.root,
      parent_id: trace.parent,
      type: "subsegment",
      namespace: "remote",
      start_time: 1_700_000_000,
      end_time: 1_700_000_000.12,
      http: { request: { method: "POST", url: call.url }, response: { status: 200 } },
      annotations: { wecom_api: "externalcontact/add_contact_way", wecom_errcode: 0 },
    });
  });

  it("45009, 45033 and -1 are throttles; another errcode is an error; no answer or a 5xx is a fault", () => {
    for (const errcode of [45009, 45033, -1]) {
      const doc = wecomSubsegment({ ...call, status: 200, errcode }, trace, "a");
      expect(doc).toMatchObject({ throttle: true, annotations: { wecom_errcode: errcode } });
      expect(doc).not.toHaveProperty("error");
      expect(doc).not.toHaveProperty("fault");
    }
    expect(wecomSubsegment({ ...call, status: 200, errcode: 41054 }, trace, "a")).toMatchObject({ error: true });
    expect(wecomSubsegment({ ...call, status: 404, failure: "response" }, trace, "a")).toMatchObject({ fault: true, http: { response: { status: 404 } } });
    const timeout = wecomSubsegment({ ...call, failure: "timeout" }, trace, "a");
    expect(timeout).toMatchObject({ fault: true, annotations: { wecom_failure: "timeout" } });
    expect(timeout["http"]).toEqual({ request: { method: "POST", url: call.url } });
    expect(wecomSubsegment({ ...call, status: 502, failure: "response" }, trace, "a")).not.toHaveProperty("error");
  });
});
