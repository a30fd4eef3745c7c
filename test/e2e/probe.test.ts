import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { makeEvent } from "@siyu/kernel";
import { describe, expect, it } from "vitest";
import { drainQueue, tapTopic } from "../support/clients.ts";
import { eventually, usePlatform } from "../support/platform.ts";

/**
 * The platform's whole path, over HTTP, with real DynamoDB Local, fauxqs and the real handlers:
 * POST /v1/_probe → commands queue → consumer → table → probe.recorded on the topic → filtered
 * subscription → subscriber → table → GET /v1/_probe/{id}.
 */
const platform = await usePlatform({ services: ["probe"] });
const api = (path: string, init: RequestInit & { token?: string | null } = {}) => {
  const headers = new Headers(init.headers);
  const token = init.token === undefined ? platform.adminToken : init.token;
  if (token) headers.set("authorization", `Bearer ${token}`);
  return fetch(`${platform.gatewayUrl}${path}`, { ...init, headers });
};
const postProbe = (message: string, token?: string | null) =>
  api("/v1/_probe", { method: "POST", body: JSON.stringify({ message }), headers: { "content-type": "application/json" }, token });

async function probeState(id: string) {
  const res = await api(`/v1/_probe/${id}`);
  return res.status === 200 ? ((await res.json()) as Record<string, string>) : undefined;
}

describe("probe path end to end", () => {
  it("travels every moving part and shows both effects", async () => {
    const res = await postProbe("hello");
    expect(res.status).toBe(202);
    expect(res.headers.get("x-request-id")).toBeTruthy();
    const { probeId } = (await res.json()) as { probeId: string };
    const done = await eventually(async () => {
      const s = await probeState(probeId);
      return s?.status === "complete" ? s : undefined;
    }, 15_000, "probe to complete");
    expect(done.message).toBe("hello");
    expect(Date.parse(done.observedAt!)).toBeGreaterThanOrEqual(Date.parse(done.recordedAt!));
  });

  it("answers 404 for an unknown probe and 400 with fields for a bad body", async () => {
    const missing = await api("/v1/_probe/nope");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toContain("application/problem+json");
    const bad = await api("/v1/_probe", { method: "POST", body: JSON.stringify({ message: 42 }), headers: { "content-type": "application/json" } });
    expect(bad.status).toBe(400);
    const problem = (await bad.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path)).toEqual(["body.message"]);
  });
});

describe("JWT authorizer", () => {
  it("rejects missing, expired, wrong-issuer, wrong-audience and tampered tokens with 401, wrong scope with 403", async () => {
    expect((await postProbe("x", null)).status).toBe(401);
    expect((await postProbe("x", await platform.mintToken({ scopes: ["siyu/admin"], expiresIn: -60 }))).status).toBe(401);
    expect((await postProbe("x", await platform.mintToken({ scopes: ["siyu/admin"], issuer: "https://evil.example/" }))).status).toBe(401);
    expect((await postProbe("x", await platform.mintToken({ scopes: ["siyu/admin"], audience: "someone-else" }))).status).toBe(401);
    const good = await platform.mintToken({ scopes: ["siyu/admin"] });
    const tampered = `${good.slice(0, -4)}${good.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`;
    expect((await postProbe("x", tampered)).status).toBe(401);
    const operatorOnly = await postProbe("x", await platform.mintToken({ scopes: ["siyu/operator"] }));
    expect(operatorOnly.status).toBe(403);
    expect(operatorOnly.headers.get("content-type")).toContain("application/problem+json");
    expect((await postProbe("x", good)).status).toBe(202);
  });
});

describe("delivery guarantees", () => {
  it("runs a duplicated command once: one probe.recorded on the topic", async () => {
    const tap = await tapTopic(platform, ["probe.recorded"]);
    const res = await postProbe("dup");
    const { probeId } = (await res.json()) as { probeId: string };
    await eventually(async () => (await probeState(probeId))?.status === "complete", 15_000, "first delivery");
    // SQS at-least-once: the same command arrives twice more
    const command = makeEvent("probe.requested", { probeId, message: "dup" }, { corpId: "wwsiyudev0000001", occurredAt: new Date() });
    await platform.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: platform.queueUrl("probe", "commands"),
        Entries: [0, 1].map((i) => ({ Id: String(i), MessageBody: JSON.stringify(command), MessageAttributes: { type: { DataType: "String", StringValue: command.type } } })),
      }),
    );
    await platform.drain();
    const received = await drainQueue(platform, tap);
    // every message on the tap is a raw envelope (a wrapped or foreign one would fail here, visibly)
    const published = received.filter((m) => (JSON.parse(m.body) as { type: string; data: { probeId: string } }).data.probeId === probeId);
    expect(published).toHaveLength(1);
  });

  it("parks a poison message in the DLQ with its reason and loses nothing else", async () => {
    const res = await postProbe("before poison");
    const { probeId } = (await res.json()) as { probeId: string };
    const valid = makeEvent("probe.requested", { probeId, message: "before poison" }, { corpId: "wwsiyudev0000001", occurredAt: new Date() });
    await platform.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: platform.queueUrl("probe", "commands"),
        Entries: [
          { Id: "poison", MessageBody: "this is not an envelope" },
          { Id: "wrong-type", MessageBody: JSON.stringify({ ...valid, id: "other", type: "contact.lost" }) },
          { Id: "valid", MessageBody: JSON.stringify(valid) },
        ],
      }),
    );
    await platform.drain();
    await eventually(async () => (await probeState(probeId))?.status === "complete", 15_000, "valid record processed");
    const parked = await drainQueue(platform, platform.dlqUrl("probe", "commands"));
    expect(parked.map((m) => m.body).sort()).toEqual([JSON.stringify({ ...valid, id: "other", type: "contact.lost" }), "this is not an envelope"].sort());
    for (const m of parked) expect(m.attributes["siyu-park-reason"]).toBeTruthy();
    expect(parked.find((m) => m.body === "this is not an envelope")!.attributes["siyu-park-reason"]).toMatch(/not JSON/);
  });
});
