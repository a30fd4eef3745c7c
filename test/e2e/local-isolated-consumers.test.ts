import { BroadcastChannel, threadId } from "node:worker_threads";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, it } from "vitest";
import { apiClient, drainQueue } from "../support/clients.ts";
import { eventually, usePlatform } from "../support/platform.ts";

/**
 * The local platform with `isolateConsumers`: each queue's consumer runs in a worker thread of its own
 * (as `pnpm bench intake` runs it). The probe's whole path still completes, a poison message is still
 * parked with its reason, drain() sees the workers' batches, and close() ends the workers.
 */
// each worker's setup module announces its thread: the consumers really run off this thread
const announced: number[] = [];
const announcements = new BroadcastChannel("siyu-test-worker-announce");
announcements.onmessage = (m) => announced.push((m as { data: { threadId: number } }).data.threadId);
const platform = await usePlatform({
  services: ["probe"],
  isolateConsumers: { setupModule: new URL("../support/worker-announce.ts", import.meta.url).href },
});
const api = apiClient(platform);
afterAll(() => announcements.close());

describe("consumers in worker threads", () => {
  it("starts one worker per queue, none of them this thread", async () => {
    const queues = (await platform.health()).services.probe!.queues;
    await eventually(async () => announced.length >= Object.keys(queues).length, 10_000, "every worker to announce itself");
    expect(new Set(announced).size).toBe(Object.keys(queues).length);
    expect(announced).not.toContain(threadId);
  });

  it("runs the probe path end to end and drains", async () => {
    const created = await api("POST", "/v1/_probe", { message: "isolated" });
    expect(created.status).toBe(202);
    const { probeId } = created.json!;
    const done = await eventually(async () => {
      const r = await api("GET", `/v1/_probe/${probeId}`);
      return r.status === 200 && r.json?.status === "complete" ? r.json : undefined;
    }, 15_000, "probe to complete");
    expect(done).toMatchObject({ message: "isolated", status: "complete" });
    await platform.drain();
  });

  it("parks a poison message in the DLQ with its reason", async () => {
    await platform.sqs.send(new SendMessageCommand({ QueueUrl: platform.queueUrl("probe", "commands"), MessageBody: "not an envelope" }));
    const parked = await eventually(async () => {
      const messages = await drainQueue(platform, platform.dlqUrl("probe", "commands"));
      return messages.length ? messages : undefined;
    }, 15_000, "the poison message in the DLQ");
    expect(parked[0]!.body).toBe("not an envelope");
    expect(parked[0]!.attributes["siyu-park-reason"]).toBeTruthy();
    await platform.drain();
  });
});
