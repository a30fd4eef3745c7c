
import { describe, expect, it } from "vitest";
import { apiClient, readTap, simClient, tapTopic } from "../support/clients.ts";
import { usePlatform } from "../support/platform.ts";

/**
 * contact-intake's customer API against the WeCom simulator, over HTTP: the list (every filter,
 * pages across month partitions, cursors), the detail with its timeline, and churn events on the topic.
 */
const platform = await usePlatform({ services: ["contact-intake"], simulator: { seed: "empty", strict: true } });
const api = apiClient(platform);
const sim = simClient(platform);
const SH = "Asia/Shanghai";



/** Every row of a list, following cursors; checks each page's size. */
async function listAll(query: string, limit: number): Promise<{ rows: Record<string, any>[]; pages: number }> {
  const rows: Record<string, any>[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await api("GET", `/v1/customers?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    expect(res.status, res.text).toBe(200);
    expect(res.json!.items.length).toBeLessThanOrEqual(limit);
    rows.push(...res.json!.items);
    cursor = res.json!.nextCursor;
    pages++;
    if (pages > 50) throw new Error("too many pages");
  } while (cursor);
  return { rows, pages };
}
const corpDay = (iso: string) => new Intl.DateTimeFormat("en-CA", { timeZone: SH, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(iso));

for (const [userId, name] of [["liming", "李明"], ["wangfang", "王芳"]]) await sim("staff", { userId, name });
const channel = (await api("POST", "/v1/channels", { name: "门店海报", staff: ["liming"] })).json!;

/** Customers the test created: external id → { userId, addedAt (sim time) }. */
const added: { externalUserId: string; userId: string; at: string; viaChannel: boolean }[] = [];
async function scan(name: string) {
  const now = (await sim<{ now: string }>("clock")).now;
  const r = await sim<{ externalUserId: string; userId: string }>("scan-contact-way", { configId: channel.configId, name });
  added.push({ externalUserId: r.externalUserId, userId: r.userId, at: now, viaChannel: true });
  return r.externalUserId;
}
async function staffAdds(userId: string, name: string) {
  const now = (await sim<{ now: string }>("clock")).now;
  const { externalUserId } = await sim<{ externalUserId: string }>("customers", { name });
  await sim("staff-adds-customer", { userId, externalUserId });
  added.push({ externalUserId, userId, at: now, viaChannel: false });
  return externalUserId;
}

// three months of adds: 3 in month 1, 2 in month 2 (+40 days), 3 in month 3 (+80 days)
for (let i = 0; i < 3; i++) await scan(`一月顾客${i}`);
await staffAdds("wangfang", "一月王芳的顾客");
await sim("clock", { advanceMs: 40 * 86_400_000 });
for (let i = 0; i < 2; i++) await scan(`二月顾客${i}`);
await sim("clock", { advanceMs: 40 * 86_400_000 });
for (let i = 0; i < 2; i++) await scan(`三月顾客${i}`);
await staffAdds("wangfang", "三月王芳的顾客");
await platform.drain();

describe("GET /v1/customers", () => {
  it("lists every relation newest first across month partitions, page by page", async () => {
    const { rows, pages } = await listAll("", 3);
    expect(rows.map((r) => r.externalUserId).sort()).toEqual(added.map((a) => a.externalUserId).sort());
    expect(pages).toBeGreaterThanOrEqual(3);
    const times = rows.map((r) => r.addedAt);
    expect(times).toEqual([...times].sort().reverse());
    // names come from the profile
    expect(rows.find((r) => r.externalUserId === added[0]!.externalUserId)!.name).toBe("一月顾客0");
    // the months really differ: a range that spans them walks several partitions
    expect(new Set(times.map((t: string) => t.slice(0, 7))).size).toBeGreaterThanOrEqual(3);
  });

  it("filters by staff, channel and status, and pages within the filter", async () => {
    const byStaff = await listAll("userId=wangfang", 1);
    expect(byStaff.rows.map((r) => r.externalUserId).sort()).toEqual(added.filter((a) => a.userId === "wangfang").map((a) => a.externalUserId).sort());
    expect(byStaff.pages).toBeGreaterThanOrEqual(2);
    const byChannel = await listAll(`channelId=${channel.channelId}`, 2);
    expect(byChannel.rows).toHaveLength(added.filter((a) => a.viaChannel).length);
    for (const r of byChannel.rows) expect(r.channelId).toBe(channel.channelId);
    const unknown = await listAll("channelId=unknown", 10);
    expect(unknown.rows.map((r) => r.userId)).toEqual(["wangfang", "wangfang"]);
    expect((await listAll("status=lost", 10)).rows).toEqual([]);
  });

  it("filters by corp-day range of the add", async () => {
    const month2 = added.filter((a) => a.at >= added[4]!.at && a.at < added[6]!.at);
    expect(month2).toHaveLength(2);
    const from = corpDay(month2[0]!.at);
    const to = corpDay(month2[1]!.at);
    const { rows } = await listAll(`addedFrom=${from}&addedTo=${to}`, 1);
    expect(rows.map((r) => r.externalUserId).sort()).toEqual(month2.map((a) => a.externalUserId).sort());
    // from the first month's day to the last: everything, across every partition
    const all = await listAll(`addedFrom=${corpDay(added[0]!.at)}&addedTo=${corpDay(added.at(-1)!.at)}`, 4);
    expect(all.rows).toHaveLength(added.length);
    // a range with nothing in it
    expect((await listAll("addedFrom=2001-01-01&addedTo=2001-12-31", 5)).rows).toEqual([]);
    // by staff and day range together
    const wf = await listAll(`userId=wangfang&addedFrom=${corpDay(added.at(-1)!.at)}`, 5);
    expect(wf.rows.map((r) => r.externalUserId)).toEqual([added.at(-1)!.externalUserId]);
  });

  it("answers field-level 400s for bad filters and foreign cursors", async () => {
    const bad = await api("GET", "/v1/customers?addedFrom=x&addedTo=2024-06-01&limit=101&status=gone");
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    expect((bad.json!.errors as { path: string }[]).map((e) => e.path).sort()).toEqual(["query.addedFrom", "query.limit", "query.status"].sort());
    const reversed = await api("GET", "/v1/customers?addedFrom=2024-06-02&addedTo=2024-06-01");
    expect(reversed.status).toBe(400);
    expect(reversed.json!.errors).toEqual([{ path: "query.addedTo", message: expect.stringContaining("before addedFrom") }]);
    expect((await api("GET", "/v1/customers?addedFrom=2024-02-30")).json!.errors[0].path).toBe("query.addedFrom");

    const garbage = await api("GET", "/v1/customers?cursor=not-a-cursor");
    expect(garbage.status).toBe(400);
    expect(garbage.json!.type).toBe("https://siyu.dev/problems/invalid-cursor");
    // a real cursor used with other filters
    const page = await api("GET", "/v1/customers?limit=1");
    const foreign = await api("GET", `/v1/customers?limit=1&userId=wangfang&cursor=${encodeURIComponent(page.json!.nextCursor)}`);
    expect(foreign.status).toBe(400);
    expect(foreign.json!.type).toBe("https://siyu.dev/problems/invalid-cursor");
    // the same cursor with its own filters works
    expect((await api("GET", `/v1/customers?limit=1&cursor=${encodeURIComponent(page.json!.nextCursor)}`)).status).toBe(200);
    // a tampered cursor (its key moved to another member's partition) is refused, not sent to DynamoDB
    const mine = (await api("GET", "/v1/customers?limit=1&userId=wangfang")).json!.nextCursor as string;
    const decoded = JSON.parse(Buffer.from(mine, "base64url").toString("utf8"));
    decoded.k.gsi1pk = "STAFF#liming";
    const tampered = await api("GET", `/v1/customers?limit=1&userId=wangfang&cursor=${Buffer.from(JSON.stringify(decoded)).toString("base64url")}`);
    expect(tampered.status).toBe(400);
    expect(tampered.json!.type).toBe("https://siyu.dev/problems/invalid-cursor");
  });
});

describe("GET /v1/customers/{externalUserId}", () => {
  it("shows the profile, relations with tags, the timeline newest first and the welcome outcome", async () => {
    const c = added[0]!;
    const res = await api("GET", `/v1/customers/${c.externalUserId}`);
    expect(res.status, res.text).toBe(200);
    const d = res.json!;
    expect(d.profile).toMatchObject({ externalUserId: c.externalUserId, name: "一月顾客0" });
    expect(d.relations).toEqual([expect.objectContaining({ userId: "liming", status: "active", channelId: channel.channelId, tags: [] })]);
    expect(d.timeline[0]).toMatchObject({ kind: "added", userId: "liming", channelId: channel.channelId });
    expect(d.welcomes).toHaveLength(1);
  });

  it("answers a 404 problem for an unknown customer and a 400 for a bad id", async () => {
    const res = await api("GET", "/v1/customers/wmNOBODY");
    expect(res.status).toBe(404);
    expect(res.json!.type).toBe("https://siyu.dev/problems/not-found");
    expect((await api("GET", "/v1/customers/wm%23x")).status).toBe(400);
  });
});

describe("a customer deleting a staff member", () => {
  it("marks the relation lost, adds a timeline entry and publishes exactly one contact.lost, even after redelivery", async () => {
    const tap = await tapTopic(platform, ["contact.lost", "contact.removed"]);
    const c = added[1]!;
    await sim("customer-deletes-staff", { externalUserId: c.externalUserId, userId: c.userId });
    await platform.drain();
    const d = (await api("GET", `/v1/customers/${c.externalUserId}`)).json!;
    expect(d.relations[0]).toMatchObject({ userId: c.userId, status: "lost" });
    expect(d.timeline.map((t: { kind: string }) => t.kind)).toEqual(["lost", "added"]);
    const lost = await listAll("status=lost", 10);
    expect(lost.rows.map((r) => r.externalUserId)).toEqual([c.externalUserId]);

    const { callbacks } = await sim<{ callbacks: unknown[] }>("callbacks");
    await sim("redeliver", { count: callbacks.length });
    await platform.drain();
    const events = await readTap(platform, tap);
    expect(events.filter((e) => e.data.externalUserId === c.externalUserId)).toEqual([
      expect.objectContaining({ type: "contact.lost", data: expect.objectContaining({ userId: c.userId, channelId: channel.channelId }) }),
    ]);
    expect(events).toHaveLength(1);
    // the timeline did not grow either
    expect((await api("GET", `/v1/customers/${c.externalUserId}`)).json!.timeline).toHaveLength(2);
  });

  it("pages the timeline with its own cursor", async () => {
    const c = added[1]!;
    const first = (await api("GET", `/v1/customers/${c.externalUserId}?timelineLimit=1`)).json!;
    expect(first.timeline.map((t: { kind: string }) => t.kind)).toEqual(["lost"]);
    const second = (await api("GET", `/v1/customers/${c.externalUserId}?timelineLimit=1&timelineCursor=${encodeURIComponent(first.timelineNextCursor)}`)).json!;
    expect(second.timeline.map((t: { kind: string }) => t.kind)).toEqual(["added"]);
    const other = await api("GET", `/v1/customers/${added[0]!.externalUserId}?timelineCursor=${encodeURIComponent(first.timelineNextCursor)}`);
    expect(other.status).toBe(400);
  });

  it("broke no WeCom rule", async () => {
    expect((await sim<{ violations: unknown[] }>("violations")).violations).toEqual([]);
  });
});
