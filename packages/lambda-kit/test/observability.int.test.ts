import { createSocket } from "node:dgram";
import { makeEvent } from "@siyu/kernel";
import { DEV_WECOM_CREDENTIALS, WecomClient } from "@siyu/wecom";
import type { Context, SQSEvent } from "aws-lambda";
import { afterAll, describe, expect, it } from "vitest";
import { startWecomSimulator } from "../../wecom-sim/src/index.ts";
import { metric, runWithEnv, sqs } from "../src/index.ts";

/**
 * What a function writes to stdout, as CloudWatch Logs receives it in Lambda: JSON log lines with the
 * invocation's Lambda context, and metrics in Embedded Metric Format (Powertools Metrics) — here a
 * consumer invoked with a Lambda context, calling the WeCom simulator over HTTP, its stdout captured.
 */
const sim = await startWecomSimulator({ ...DEV_WECOM_CREDENTIALS, strict: true });
afterAll(() => sim.close());

interface Emf {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [k: string]: unknown;
}

/** Every JSON line written to stdout while `fn` runs. */
async function captured<T>(fn: () => Promise<T>): Promise<{ out: T; lines: Record<string, unknown>[] }> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  try {
    const out = await fn();
    const lines = chunks
      .join("")
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    return { out, lines };
  } finally {
    process.stdout.write = write;
  }
}

const wecom = new WecomClient({ corpId: DEV_WECOM_CREDENTIALS.corpId, secret: DEV_WECOM_CREDENTIALS.secret, baseUrl: sim.url, maxBusyRetries: 0 });

describe("a consumer's logs and metrics in Lambda's formats", () => {
  const handler = sqs({
    queue: "q",
    accepts: ["probe.requested"],
    idempotency: false,
    async handle(event, ctx) {
      ctx.log.info("probe handled", { probeId: event.data.probeId });
      metric("ProbesHandled");
      metric("ProbeLatency", 12, "Milliseconds");
      // WeCom refuses for a frequency rule: counted by errcode (alarmed for 45009/45033)
      sim.world.faults.add({ api: "externalcontact/get_corp_tag_list", errcode: 45009, times: 1, delayMs: 0 });
      await wecom.getCorpTagList().catch(() => undefined);
    },
  });
  const env = { SIYU_SERVICE: "kit-obs", SIYU_CLIENT: "acme", SIYU_CORP_ID: "wwcorp", SIYU_TABLE: "kit-obs-unused", SIYU_TOPIC_ARN: "arn:aws:sns:us-east-1:000000000000:t", SIYU_LOG_LEVEL: "info" };
  const event = (id: string) =>
    ({
      Records: [
        {
          messageId: `m-${id}`,
          receiptHandle: "r",
          body: JSON.stringify(makeEvent("probe.requested", { probeId: id, message: "" }, { corpId: "wwcorp", occurredAt: new Date(), id: `evt-${id}` })),
          attributes: { ApproximateReceiveCount: "1" },
          messageAttributes: {},
          eventSourceARN: "arn:aws:sqs:us-east-1:0:q",
        },
      ],
    }) as unknown as SQSEvent;
  const context = (awsRequestId: string) => ({ awsRequestId, functionName: "siyu-acme-kit-obs-q" }) as Context;

  it("every log line carries the invocation's awsRequestId, the function, coldStart (true only the first time), the service and the event", async () => {
    const first = await captured(() => runWithEnv(env, () => handler(event("p1"), context("req-1"))));
    const line = first.lines.find((l) => l["msg"] === "probe handled");
    expect(line).toMatchObject({ level: "info", awsRequestId: "req-1", functionName: "siyu-acme-kit-obs-q", coldStart: true, service: "kit-obs", corpId: "wwcorp", eventId: "evt-p1", probeId: "p1" });
    const second = await captured(() => runWithEnv(env, () => handler(event("p2"), context("req-2"))));
    expect(second.lines.find((l) => l["msg"] === "probe handled")).toMatchObject({ awsRequestId: "req-2", coldStart: false, eventId: "evt-p2" });
  });

  it("metrics are EMF lines in namespace Siyu with the service and client dimensions; WeCom errors by errcode", async () => {
    const { lines } = await captured(() => runWithEnv(env, () => handler(event("p3"), context("req-3"))));
    const emf = lines.filter((l): l is Emf => typeof l["_aws"] === "object") as Emf[];
    const handled = emf.find((l) => "ProbesHandled" in l)!;
    expect(handled).toBeDefined();
    expect(handled._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: "Siyu", Metrics: expect.arrayContaining([{ Name: "ProbesHandled", Unit: "Count" }, { Name: "ProbeLatency", Unit: "Milliseconds" }]) });
    expect(handled._aws.CloudWatchMetrics[0]!.Dimensions[0]).toEqual(expect.arrayContaining(["service", "client"]));
    expect(handled).toMatchObject({ service: "kit-obs", client: "acme", ProbesHandled: 1, ProbeLatency: 12 });
    const wecom = emf.find((l) => "WecomErrors" in l)!;
    expect(wecom).toMatchObject({ WecomErrors: 1, errcode: "45009", service: "kit-obs" });
    expect(wecom._aws.CloudWatchMetrics[0]!.Dimensions[0]).toEqual(expect.arrayContaining(["service", "client", "errcode"]));
  });
});

describe("WeCom calls as X-Ray subsegments, sent to the daemon's UDP address", () => {
  it("a sampled invocation sends one subsegment per WeCom exchange, parented to the function's segment; an unsampled one sends none", async () => {
    const daemon = createSocket("udp4");
    const received: string[] = [];
    daemon.on("message", (msg) => received.push(msg.toString("utf8")));
    await new Promise<void>((resolve) => daemon.bind(0, "127.0.0.1", resolve));
    const port = daemon.address().port;
    try {
      const handler = sqs({
        queue: "q",
        accepts: ["probe.requested"],
        idempotency: false,
        async handle() {
          await wecom.getCorpTagList();
          sim.world.faults.add({ api: "externalcontact/get_corp_tag_list", errcode: 45033, times: 1, delayMs: 0 });
          await wecom.getCorpTagList().catch(() => undefined);
        },
      });
      const root = "1-6a000000-0123456789abcdef01234567";
      const traced = { SIYU_SERVICE: "kit-xray", SIYU_CLIENT: "acme", SIYU_CORP_ID: "wwcorp", SIYU_TABLE: "unused", SIYU_TOPIC_ARN: "arn:aws:sns:us-east-1:000000000000:t", AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${port}` };
      const record = (id: string) =>
        ({
          Records: [
            {
              messageId: `x-${id}`,
              receiptHandle: "r",
              body: JSON.stringify(makeEvent("probe.requested", { probeId: id, message: "" }, { corpId: "wwcorp", occurredAt: new Date(), id: `evt-x-${id}` })),
              attributes: { ApproximateReceiveCount: "1" },
              messageAttributes: {},
              eventSourceARN: "arn:aws:sqs:us-east-1:0:q",
            },
          ],
        }) as unknown as SQSEvent;
      await runWithEnv({ ...traced, _X_AMZN_TRACE_ID: `Root=${root};Parent=53995c3f42cd8ad8;Sampled=1` }, () => handler(record("x1"), { awsRequestId: "rx1", functionName: "f" } as Context));
      await expect.poll(() => received.length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
      const docs = received.map((d) => {
        const [header, body] = d.split("\n");
        expect(JSON.parse(header!)).toEqual({ format: "json", version: 1 });
        return JSON.parse(body!) as Record<string, unknown>;
      });
      const tags = docs.filter((d) => (d["annotations"] as Record<string, unknown>)["wecom_api"] === "externalcontact/get_corp_tag_list");
      expect(tags).toHaveLength(2);
      for (const d of tags) {
        expect(d).toMatchObject({ trace_id: root, parent_id: "53995c3f42cd8ad8", type: "subsegment", namespace: "remote", http: { request: { method: "POST" }, response: { status: 200 } } });
        expect(String((d["http"] as { request: { url: string } }).request.url)).not.toContain("access_token");
        expect(d["end_time"] as number).toBeGreaterThanOrEqual(d["start_time"] as number);
      }
      expect(tags[0]).toMatchObject({ annotations: { wecom_errcode: 0 } });
      expect(tags[1]).toMatchObject({ throttle: true, annotations: { wecom_errcode: 45033 } });

      received.length = 0;
      await runWithEnv({ ...traced, _X_AMZN_TRACE_ID: `Root=${root};Parent=53995c3f42cd8ad8;Sampled=0` }, () => handler(record("x2"), { awsRequestId: "rx2", functionName: "f" } as Context));
      await new Promise((r) => setTimeout(r, 200));
      expect(received).toEqual([]);
    } finally {
      daemon.close();
    }
  });
});

