import { describe, expect, it } from "vitest";
import { apiClient, drainQueue, simClient } from "../support/clients.ts";
import { eventually, usePlatform } from "../support/platform.ts";

/**
 * Moments over HTTP on the local platform (the time-travelling flows are in
 * functions/moments-publisher/test/flows.int.test.ts): problems for bad input; an image uploaded
 * through the upload URL the API hands out; a post sent now through the runs queue (media to WeCom at
 * run time, the jobid polled by the per-minute job) to a moment; the member publishes; stats as JSON
 * and CSV; contact-intake's `contact.lost` reaching the service's loss facts; no violation.
 */
const platform = await usePlatform({ services: ["contact-intake", "moments-publisher"], simulator: { seed: "empty", strict: true } });
const api = apiClient(platform);
const sim = simClient(platform);
const world = platform.simulator!.world;

await sim("staff", { userId: "zhangsan", name: "张三" });
const { externalUserId } = await sim<{ externalUserId: string }>("customers", { name: "顾客甲" });
await sim("staff-adds-customer", { userId: "zhangsan", externalUserId });
await platform.drain();

const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");

describe("bad input changes nothing", () => {
  it("answers with problems: every failing field, a bad id, an unknown post, a media key never uploaded", async () => {
    const empty = await api("POST", "/v1/moments", { name: "", content: {}, schedule: { kind: "weekly" } });
    expect(empty.status).toBe(400);
    expect(empty.headers.get("content-type")).toContain("application/problem+json");
    expect((empty.json!.errors as { path: string }[]).map((e) => e.path)).toEqual(expect.arrayContaining(["body.name", "body.content.text", "body.schedule.kind"]));
    expect((await api("GET", "/v1/moments/not-an-id!")).status).toBe(400);
    expect((await api("GET", "/v1/moments/zzzzzzzz")).status).toBe(404);
    const ghost = await api("POST", "/v1/moments", { name: "x", content: { images: [{ mediaKey: "moments/image/ghost.png" }] }, schedule: { kind: "now" } });
    expect(ghost.status, ghost.text).toBe(400);
    expect(ghost.json!.errors).toEqual([{ path: "body.content.images.0.mediaKey", message: expect.stringContaining("no file") }]);
    expect((await api("POST", "/v1/moments", { name: "x", content: { images: [{ mediaKey: "../../etc/passwd" }] }, schedule: { kind: "now" } })).status).toBe(400);
    expect((await api("POST", "/v1/moments/media", { kind: "image", contentType: "image/gif" })).status).toBe(400);
    expect((await api("GET", "/v1/moments")).json!.items).toEqual([]);
  });
});

describe("a post sent now", () => {
  let postId: string;

  it("uploads its image through the URL the API gave, and is sent through the runs queue", async () => {
    const slot = await api("POST", "/v1/moments/media", { kind: "image", contentType: "image/png", filename: "新品.png" });
    expect(slot.status, slot.text).toBe(201);
    const put = await fetch(slot.json!.upload.url, { method: "PUT", headers: slot.json!.upload.headers, body: png });
    expect(put.status).toBeLessThan(300);
    const res = await api("POST", "/v1/moments", { name: "新品上市", content: { text: "新品上市，会员 9 折", images: [{ mediaKey: slot.json!.mediaKey }] }, visibility: { userIds: ["zhangsan"] }, schedule: { kind: "now" } }, { headers: { "idempotency-key": "moment-1" } });
    expect(res.status, res.text).toBe(201);
    postId = res.json!.postId;
    const again = await api("POST", "/v1/moments", { name: "新品上市", content: { text: "新品上市，会员 9 折", images: [{ mediaKey: slot.json!.mediaKey }] }, visibility: { userIds: ["zhangsan"] }, schedule: { kind: "now" } }, { headers: { "idempotency-key": "moment-1" } });
    expect(again.status).toBe(200);
    await platform.drain();
    // the per-minute job polls the jobid until WeCom has the moment
    await eventually(async () => {
      await platform.runSchedule("moments-publisher", "due");
      await platform.drain();
      const d = await api("GET", `/v1/moments/${postId}`);
      return d.json!.runDetails[0].state === "created";
    }, 30_000, "the moment created");
    expect(world.requests.entries.filter((r) => r.api === "externalcontact/add_moment_task")).toHaveLength(1);
    expect(world.requests.entries.filter((r) => r.api === "media/upload_attachment")).toHaveLength(1);
  });

  it("the member publishes; a loss reaches the service; stats as JSON and as CSV", async () => {
    const d = (await api("GET", `/v1/moments/${postId}`)).json!;
    const momentId = d.runDetails[0].momentId as string;
    await sim("staff-publish-moment", { momentId, userId: "zhangsan" });
    // the customer deletes zhangsan: contact-intake's contact.lost → the moments service's loss facts
    await sim("customer-deletes-staff", { externalUserId, userId: "zhangsan" });
    await platform.drain();
    const cancelled = await api("POST", `/v1/moments/${postId}/cancel`);
    expect(cancelled.status, cancelled.text).toBe(200);
    await platform.drain();
    await eventually(async () => {
      await platform.runSchedule("moments-publisher", "due");
      await platform.drain();
      const s = await api("GET", `/v1/moments/${postId}/stats`);
      return s.json!.totals.runsWithResults === 1 ? s : undefined;
    }, 30_000, "results collected");
    const stats = (await api("GET", `/v1/moments/${postId}/stats`)).json!;
    // the customer was reached and lost within 7 days (the loss came through contact-intake's event)
    expect(stats.totals).toMatchObject({ staffPublished: 1, staffTotal: 1, reached: 1, losses: 1 });
    const csv = await api("GET", `/v1/moments/${postId}/stats`, undefined, { headers: { accept: "text/csv" } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    // (fetch's text() drops the byte-order mark)
    expect(csv.text.split("\r\n")[0]).toBe("朋友圈,发表时间,状态,员工,已发表,触达客户,点赞,评论,7日内流失");
    expect(await drainQueue(platform, platform.dlqUrl("moments-publisher", "runs"))).toEqual([]);
    expect(await drainQueue(platform, platform.dlqUrl("moments-publisher", "lost"))).toEqual([]);
  });

  it("the gateway serves the OpenAPI document of the services it runs", async () => {
    const res = await fetch(`${platform.gatewayUrl}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { operationId: string }>> };
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.paths["/v1/moments/{postId}/stats"]?.get?.operationId).toBe("getMomentStats");
    expect(doc.paths["/v1/channels"]?.post?.operationId).toBe("createChannel");
    expect(doc.paths["/v1/broadcasts"]).toBeUndefined();
  });

  it("the simulator saw no call WeCom would reject for a limit or frequency rule", async () => {
    expect((await sim<{ violations: unknown[] }>("violations")).violations).toEqual([]);
  });
});
