import { DeleteCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { apiClient, readTap, simClient, tapTopic } from "../support/clients.ts";
import { eventually, usePlatform } from "../support/platform.ts";

/**
 * contact-intake's corp tags against the WeCom simulator: Siyu's copy of the tag list, creation with
 * WeCom's limits checked before calling, sync from change_external_tag callbacks and the daily
 * reconciliation, relation tags refreshed from edit_external_contact, and `contact.tags_changed`
 * announcing a relation's tags whenever contact-intake learns them.
 */
const platform = await usePlatform({ services: ["contact-intake"], simulator: { seed: "empty", strict: true } });
const api = apiClient(platform);
const sim = simClient(platform);
const table = platform.tableName("contact-intake");

const wecomCalls = async (api: string) => (await sim<{ requests: { api: string }[] }>(`requests?api=${encodeURIComponent(api)}`)).requests.length;
/** Every group of Siyu's copy (following cursors). */
async function copy(): Promise<{ groups: Record<string, any>[]; total: number }> {
  const groups: Record<string, any>[] = [];
  let cursor: string | null = null;
  let total = 0;
  do {
    const res = await api("GET", `/v1/tags?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    expect(res.status, res.text).toBe(200);
    groups.push(...res.json!.items);
    total = res.json!.total;
    cursor = res.json!.nextCursor;
  } while (cursor);
  return { groups, total };
}
/** The corp tag count Siyu's copy holds (one small page). */
const total = async () => (await api("GET", "/v1/tags?limit=1")).json!.total as number;
const tagNames = (groups: Record<string, any>[], groupName: string) =>
  (groups.find((g) => g.groupName === groupName)?.tags ?? []).map((t: { name: string }) => t.name).sort();

await sim("staff", { userId: "liming", name: "李明" });
const tagsTap = await tapTopic(platform, ["contact.tags_changed"]);
// every contact.tags_changed seen so far, by id (a tap's receive hides what it returned for a while)
const announcements = new Map<string, { id: string; type: string; data: Record<string, any> }>();
async function announcedAll() {
  for (const e of await readTap(platform, tagsTap)) announcements.set(e.id, e);
  return [...announcements.values()];
}
const announced = async (externalUserId: string) => (await announcedAll()).filter((e) => e.data.externalUserId === externalUserId);
const sorted = (ids: readonly string[]) => [...ids].sort();

describe("Siyu's copy of the corp tag list", () => {
  it("follows a tag made in the WeCom console (change_external_tag create)", async () => {
    const made = await sim<{ groupId: string; tagId: string }>("console-tag", { groupName: "渠道", tagName: "门店海报" });
    await platform.drain();
    const { groups, total } = await copy();
    expect(total).toBe(1);
    expect(groups).toEqual([expect.objectContaining({ groupId: made.groupId, groupName: "渠道", tags: [expect.objectContaining({ tagId: made.tagId, name: "门店海报" })] })]);
  });

  it("creates tags through add_corp_tag and stores them; repeating the names calls nothing", async () => {
    const res = await api("POST", "/v1/tags", { groupName: "兴趣", tags: [{ name: "护肤" }, { name: "彩妆", order: 5 }] });
    expect(res.status, res.text).toBe(201);
    expect(res.json!.tags.map((t: { name: string }) => t.name)).toEqual(["护肤", "彩妆"]);
    expect(res.json!.group.groupName).toBe("兴趣");
    expect(tagNames((await copy()).groups, "兴趣")).toEqual(["彩妆", "护肤"]);
    const calls = await wecomCalls("externalcontact/add_corp_tag");
    const again = await api("POST", "/v1/tags", { groupName: "兴趣", tags: [{ name: "护肤" }] });
    expect(again.status).toBe(200);
    expect(again.json!.tags).toEqual([res.json!.tags[0]]);
    expect(await wecomCalls("externalcontact/add_corp_tag")).toBe(calls);
    // by group id, into the same group
    const byId = await api("POST", "/v1/tags", { groupId: res.json!.group.groupId, tags: [{ name: "香氛" }] });
    expect(byId.status).toBe(201);
    expect(tagNames((await copy()).groups, "兴趣")).toEqual(["彩妆", "护肤", "香氛"]);
  });

  it("rejects bad bodies field by field and calls nothing", async () => {
    const calls = await wecomCalls("externalcontact/add_corp_tag");
    const res = await api("POST", "/v1/tags", { groupName: "g".repeat(31), tags: [{ name: "好".repeat(31) }, { name: "ok" }, { name: "ok" }] });
    expect(res.status).toBe(400);
    expect((res.json!.errors as { path: string }[]).map((e) => e.path).sort()).toEqual(["body.groupName", "body.tags.0.name", "body.tags.2.name"]);
    expect((await api("POST", "/v1/tags", { groupId: "etNOPE", tags: [{ name: "x" }] })).json!.type).toBe("https://siyu.dev/problems/unknown-tag-group");
    expect(await wecomCalls("externalcontact/add_corp_tag")).toBe(calls);
  });

  it("stops at WeCom's 3000 corp tags with a 422 corp-tag-limit, before calling WeCom", async () => {
    const start = await total(); // 4
    const names = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ name: `批量${String(from + i).padStart(4, "0")}` }));
    let made = start;
    for (const [group, n] of [["批量A", 1000], ["批量B", 1000], ["批量C", 2999 - start - 2000]] as const) {
      const res = await api("POST", "/v1/tags", { groupName: group, tags: names(made, n) });
      expect(res.status, res.text).toBe(201);
      made += n;
    }
    expect(await total()).toBe(2999);
    const calls = await wecomCalls("externalcontact/add_corp_tag");
    const over = await api("POST", "/v1/tags", { groupName: "批量D", tags: names(5000, 2) });
    expect(over.status).toBe(422);
    expect(over.headers.get("content-type")).toContain("application/problem+json");
    expect(over.json).toMatchObject({ type: "https://siyu.dev/problems/corp-tag-limit", limit: 3000, existing: 2999, adding: 2, room: 1 });
    expect(over.json!.detail).toContain("3000");
    expect(await wecomCalls("externalcontact/add_corp_tag")).toBe(calls);
    // exactly 3000 is allowed, then nothing more
    expect((await api("POST", "/v1/tags", { groupName: "批量D", tags: names(5000, 1) })).status).toBe(201);
    expect((await api("POST", "/v1/tags", { groupName: "批量D", tags: names(6000, 1) })).json!.type).toBe("https://siyu.dev/problems/corp-tag-limit");
    // a name already in the group is not a new tag: still fine at the limit
    expect((await api("POST", "/v1/tags", { groupName: "批量D", tags: names(5000, 1) })).status).toBe(200);
    expect(await total()).toBe(3000);
    expect((await sim<{ violations: unknown[] }>("violations")).violations).toEqual([]);
  });

  it("the daily reconciliation replaces a drifted copy and reports added, removed and renamed", async () => {
    const before = await copy();
    const interest = before.groups.find((g) => g.groupName === "兴趣")!;
    const [a, b] = interest.tags as { tagId: string }[];
    // drift: one tag lost, one renamed, one that WeCom does not have
    await platform.dynamo.send(new DeleteCommand({ TableName: table, Key: { pk: "CORPTAGS", sk: `T#${a!.tagId}` } }));
    await platform.dynamo.send(
      new UpdateCommand({ TableName: table, Key: { pk: "CORPTAGS", sk: `T#${b!.tagId}` }, UpdateExpression: "SET #n = :n", ExpressionAttributeNames: { "#n": "name" }, ExpressionAttributeValues: { ":n": "旧名字" } }),
    );
    await platform.dynamo.send(
      new PutCommand({ TableName: table, Item: { pk: "CORPTAGS", sk: "T#etGHOST", tagId: "etGHOST", groupId: interest.groupId, name: "幽灵", order: 0, gsi1pk: `CORPTAGGROUP#${interest.groupId}`, gsi1sk: "etGHOST" } }),
    );
    const result = (await platform.runSchedule("contact-intake", "tag-reconcile")) as Record<string, number>;
    expect(result).toMatchObject({ added: 1, removed: 1, renamed: 1, total: 3000 });
    const after = await copy();
    expect(after.total).toBe(3000);
    expect(tagNames(after.groups, "兴趣")).toEqual(tagNames(before.groups, "兴趣"));
    // a second run finds nothing to do
    expect(await platform.runSchedule("contact-intake", "tag-reconcile")).toMatchObject({ added: 0, removed: 0, renamed: 0 });
  });
});

describe("contact.tags_changed", () => {
  let tagged: { externalUserId: string; tagIds: string[] };

  it("an add through a channel with tags announces exactly one, with the channel's tags", async () => {
    // tags of their own (the relation tests below filter by the 兴趣 tags)
    const batch = (await copy()).groups.find((g) => g.groupName === "批量A")!;
    const tagIds = (batch.tags as { tagId: string }[]).slice(0, 2).map((t) => t.tagId);
    const ch = await api("POST", "/v1/channels", { name: "标签渠道", staff: ["liming"], tagIds });
    expect(ch.status, ch.text).toBe(201);
    const scan = await sim<{ externalUserId: string }>("scan-contact-way", { configId: ch.json!.configId, name: "带标签的顾客" });
    await platform.drain();
    const rel = (await api("GET", `/v1/customers/${scan.externalUserId}`)).json!.relations[0];
    expect(rel.tagStatus).toMatchObject({ status: "applied" });
    const events = await announced(scan.externalUserId);
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ userId: "liming", source: "add", changedAt: rel.addedAt });
    expect(sorted(events[0]!.data.tagIds)).toEqual(sorted(tagIds));
    tagged = { externalUserId: scan.externalUserId, tagIds };
  });

  it("a mark_tag that failed (45009) announces nothing with the add, then the tags once its retry applies them", async () => {
    const batch = (await copy()).groups.find((g) => g.groupName === "批量A")!;
    const tagId = (batch.tags as { tagId: string }[])[2]!.tagId;
    const ch = await api("POST", "/v1/channels", { name: "重试标签渠道", staff: ["liming"], tagIds: [tagId] });
    expect(ch.status, ch.text).toBe(201);
    await sim("faults", { api: "externalcontact/mark_tag", errcode: 45009, times: 1 });
    const scan = await sim<{ externalUserId: string }>("scan-contact-way", { configId: ch.json!.configId, name: "重试标签顾客" });
    // recorded with its tags pending (the retry is due 5 s later): nothing to announce yet
    await eventually(async () => (await api("GET", `/v1/customers/${scan.externalUserId}`)).json?.relations?.[0]?.tagStatus?.status === "pending", 4000, "tags pending");
    expect(await announced(scan.externalUserId)).toEqual([]);
    const events = await eventually(async () => {
      const e = await announced(scan.externalUserId);
      return e.length > 0 ? e : undefined;
    }, 20_000, "tags announced after the retry");
    await platform.drain();
    expect(await announced(scan.externalUserId)).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ userId: "liming", source: "followup", tagIds: [tagId] });
    expect((await api("GET", `/v1/customers/${scan.externalUserId}`)).json!.relations[0].tagStatus).toMatchObject({ status: "applied" });
  });

  it("an edit in the client announces the relation's tags as WeCom now has them", async () => {
    const [removed, kept] = tagged.tagIds;
    await sim("staff-edits-customer", { externalUserId: tagged.externalUserId, userId: "liming", removeTagIds: [removed] });
    await platform.drain();
    const events = await announced(tagged.externalUserId);
    expect(events.map((e) => e.data.source)).toEqual(["add", "edit"]);
    expect(events[1]!.data.tagIds).toEqual([kept]);
    expect(events[1]!.data.changedAt > events[0]!.data.changedAt || events[1]!.data.changedAt === events[0]!.data.changedAt).toBe(true);
  });
});

describe("relation tags", () => {
  it("follow edit_external_contact: tags a member adds or removes in the client show on the customer and in the tag filter", async () => {
    const { groups } = await copy();
    const interest = groups.find((g) => g.groupName === "兴趣")!;
    const [skin, makeup] = interest.tags as { tagId: string; name: string }[];
    const { externalUserId } = await sim<{ externalUserId: string }>("customers", { name: "爱护肤的顾客" });
    await sim("staff-adds-customer", { userId: "liming", externalUserId });
    await platform.drain();
    await sim("staff-edits-customer", { externalUserId, userId: "liming", addTagIds: [skin!.tagId, makeup!.tagId] });
    await platform.drain();
    let d = (await api("GET", `/v1/customers/${externalUserId}`)).json!;
    expect(d.relations[0].tags.map((t: { name: string }) => t.name).sort()).toEqual([skin!.name, makeup!.name].sort());
    expect(d.relations[0].tags[0]).toMatchObject({ groupName: "兴趣" });
    const bySkin = (await api("GET", `/v1/customers?tagId=${skin!.tagId}`)).json!;
    expect(bySkin.items.map((r: { externalUserId: string }) => r.externalUserId)).toEqual([externalUserId]);

    // a later edit (WeCom's CreateTime has 1 s resolution: two edits of one relation in the same second share a callback key)
    await sim("clock", { advanceMs: 1500 });
    await sim("staff-edits-customer", { externalUserId, userId: "liming", removeTagIds: [skin!.tagId] });
    await platform.drain();
    d = (await api("GET", `/v1/customers/${externalUserId}`)).json!;
    expect(d.relations[0].tags.map((t: { tagId: string }) => t.tagId)).toEqual([makeup!.tagId]);
    expect((await api("GET", `/v1/customers?tagId=${skin!.tagId}`)).json!.items).toEqual([]);
    expect((await api("GET", `/v1/customers?tagId=${makeup!.tagId}&userId=liming`)).json!.items).toHaveLength(1);
  });

  it("changes nothing when WeCom redelivers every callback", async () => {
    const before = await copy();
    const announcedBefore = new Set((await announcedAll()).map((e) => e.id));
    expect(announcedBefore.size).toBeGreaterThan(0);
    const { callbacks } = await sim<{ callbacks: unknown[] }>("callbacks");
    const calls = (await sim<{ requests: unknown[] }>("requests")).requests.length;
    await sim("redeliver", { count: callbacks.length });
    await platform.drain();
    expect(await copy()).toEqual(before);
    // a redelivered add or edit announces nothing new (if anything, the id it announced before)
    expect((await announcedAll()).map((e) => e.id).filter((id) => !announcedBefore.has(id))).toEqual([]);
    const after = await sim<{ requests: { api: string }[] }>("requests");
    expect(after.requests.slice(calls).filter((r) => r.api !== "gettoken")).toEqual([]);
    expect((await sim<{ violations: unknown[] }>("violations")).violations).toEqual([]);
  });
});
