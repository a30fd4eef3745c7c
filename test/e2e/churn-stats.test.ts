import { GetQueueAttributesCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { addDays, corpDay, corpTime, type DomainEvent, makeEvent, nextCorpMidnight } from "@siyu/kernel";
import { describe, expect, it } from "vitest";
import { main as rebuildCli } from "../../functions/churn-stats/src/cli/rebuild.ts";
import { readTap, simClient, tapTopic } from "../support/clients.ts";
import { eventually, usePlatform } from "../support/platform.ts";

/**
 * churn-stats with contact-intake and the WeCom simulator, all over HTTP: a scripted day of adds on
 * three channels and two staff, losses, a mutual delete, a staff removal and a re-add, every callback
 * redelivered by "WeCom" and every domain event redelivered by "SNS"; then the figures per day,
 * staff, channel and corp, the CSV, cohorts, loss alerts, the digest, the reconciliation against
 * WeCom's statistics and the rebuild; then the next day, a transfer through contact-intake's transfer
 * API (WeCom completes it after 24 h), and the app-message limits.
 */
const TZ = "Asia/Shanghai";
const platform = await usePlatform({ services: ["contact-intake", "churn-stats"], simulator: { seed: "empty", strict: true } });

const sim = simClient(platform);
const api = async (method: string, path: string, opts: { body?: unknown; token?: string | null; accept?: string } = {}) => {
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? platform.adminToken : opts.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  if (opts.accept) headers.accept = opts.accept;
  const res = await fetch(`${platform.gatewayUrl}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  // keep a byte-order mark (Response.text() drops it)
  const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, text, json: text.startsWith("{") ? (JSON.parse(text) as Record<string, any>) : undefined };
};

const eventsQueue = platform.queueUrl("churn-stats", "events");
const publishToChurn = (event: DomainEvent) =>
  platform.sqs.send(new SendMessageCommand({ QueueUrl: eventsQueue, MessageBody: JSON.stringify(event), MessageAttributes: { type: { DataType: "String", StringValue: event.type } } }));

// --- the world -----------------------------------------------------------------------------------------------------

// Everything below happens "today" in Asia/Shanghai by the simulator's clock (CreateTime); don't start
// within 10 minutes of Shanghai midnight.
{
  const now = new Date((await sim<{ now: string }>("clock")).now);
  const untilMidnight = nextCorpMidnight(now, TZ).getTime() - now.getTime();
  if (untilMidnight < 10 * 60_000) await new Promise((r) => setTimeout(r, untilMidnight + 2_000));
}
const corpId = (await sim<{ corpId: string }>("config")).corpId;
for (const [userId, name] of [
  ["liming", "李明"],
  ["wangfang", "王芳"],
  ["zhaolei", "赵磊"],
  ["sunli", "孙丽"],
]) {
  await sim("staff", { userId, name });
}
const tap = await tapTopic(platform, ["contact.added", "contact.lost", "contact.removed", "contact.transferred"]);
await platform.drain();

const simNow = async () => new Date((await sim<{ now: string }>("clock")).now);
/** One second of CreateTime resolution between steps on the same relation (sim clock only). */
const tick = () => sim("clock", { advanceMs: 2_000 });

async function channel(name: string, staff: string[]): Promise<{ channelId: string; configId: string }> {
  const res = await api("POST", "/v1/channels", { body: { name, staff } });
  expect(res.status, res.text).toBe(201);
  return { channelId: res.json!.channelId, configId: res.json!.configId };
}

async function scan(ch: { configId: string }, who: { name?: string; externalUserId?: string }) {
  const r = await sim<{ externalUserId: string; userId: string; callbackStatus: number }>("scan-contact-way", { configId: ch.configId, ...who });
  expect(r.callbackStatus).toBe(200);
  await platform.drain();
  return r;
}

async function step(path: string, body: Record<string, string>) {
  await tick();
  const r = await sim<{ callbackStatus: number }>(path, body);
  expect(r.callbackStatus).toBe(200);
  await platform.drain();
}

let today = "";
let poster: { channelId: string; configId: string };
let live: { channelId: string; configId: string };
let store: { channelId: string; configId: string };
const c: Record<string, string> = {};

describe("a scripted day", () => {
  it("turns on loss alerts (settings are off by default)", async () => {
    const before = await api("GET", "/v1/stats/settings");
    expect(before.json).toMatchObject({ lossAlerts: false, dailyDigest: false, digestLeadUserId: null });
    const put = await api("PUT", "/v1/stats/settings", { body: { lossAlerts: true, dailyDigest: true, digestLeadUserId: "zhaolei" } });
    expect(put.status, put.text).toBe(200);
    expect(put.json).toMatchObject({ lossAlerts: true, dailyDigest: true, digestLeadUserId: "zhaolei" });
  });

  it("plays: 10 adds on three channels, losses, a mutual delete, a removal, a re-add", async () => {
    poster = await channel("海报", ["liming"]);
    live = await channel("直播", ["wangfang"]);
    store = await channel("门店", ["liming"]);
    today = corpDay(await simNow(), TZ);

    for (const [k, ch] of [
      ["c1", poster],
      ["c2", poster],
      ["c3", poster],
      ["c4", live],
      ["c5", live],
      ["c6", live],
      ["c7", store],
      ["c8", store],
      ["c9", poster],
    ] as const) {
      const r = await scan(ch, { name: `客户${k}` });
      c[k] = r.externalUserId;
      expect(r.userId).toBe(ch === live ? "wangfang" : "liming");
    }
    // c9 also adds wangfang: one customer, two relations
    expect((await scan(live, { externalUserId: c.c9! })).userId).toBe("wangfang");

    await step("customer-deletes-staff", { externalUserId: c.c1!, userId: "liming" }); // lost
    await step("customer-deletes-staff", { externalUserId: c.c4!, userId: "wangfang" }); // lost
    await step("customer-deletes-staff", { externalUserId: c.c2!, userId: "liming" }); // mutual delete: lost…
    await step("staff-deletes-customer", { externalUserId: c.c2!, userId: "liming" }); // …then removed: one loss
    await step("staff-deletes-customer", { externalUserId: c.c5!, userId: "wangfang" }); // removed
    await tick();
    expect((await scan(poster, { externalUserId: c.c1! })).userId).toBe("liming"); // re-add after the loss
    await step("customer-deletes-staff", { externalUserId: c.c9!, userId: "liming" }); // lost relation; c9 still follows wangfang

    // WeCom redelivers every callback; SNS redelivers every domain event (new envelope ids)
    const { callbacks } = await sim<{ callbacks: unknown[] }>("callbacks");
    await sim("redeliver", { count: callbacks.length });
    await platform.drain();
    const published = (await readTap(platform, tap)) as DomainEvent[];
    expect(published.filter((e) => e.type === "contact.added")).toHaveLength(11);
    expect(published.filter((e) => e.type === "contact.lost")).toHaveLength(4);
    expect(published.filter((e) => e.type === "contact.removed")).toHaveLength(2);
    for (const e of published) await publishToChurn({ ...e, id: `${e.id}-redelivered` });
    await platform.drain();
    expect(corpDay(await simNow(), TZ)).toBe(today);
  });
});

const point = (series: any, date: string) => series.points.find((p: any) => p.date === date);
const zeroDay = { added: 0, lost: 0, removed: 0, transferredIn: 0, transferredOut: 0, net: 0 };

describe("figures", () => {
  it("per corp (distinct customers), every day of the range present", async () => {
    const from = addDays(today, -2);
    const to = addDays(today, 1);
    const res = await api("GET", `/v1/stats/churn?from=${from}&to=${to}&groupBy=day`);
    expect(res.status, res.text).toBe(200);
    expect(res.json!.series).toHaveLength(1);
    const corp = res.json!.series[0];
    expect(corp).toMatchObject({ group: "corp", kind: "corp" });
    expect(corp.points.map((p: any) => p.date)).toEqual([from, addDays(today, -1), today, to]);
    expect(point(corp, from)).toEqual({ date: from, ...zeroDay, customersAtStart: 0, customersAtEnd: 0, churnRate: null });
    // c1..c9 are 9 customers; c1 came back (a new add); c1, c2, c4 lost; c5 removed; c9 still follows wangfang
    expect(point(corp, today)).toEqual({
      date: today,
      added: 10,
      lost: 3,
      removed: 1,
      transferredIn: 0,
      transferredOut: 0,
      net: 6,
      customersAtStart: 0,
      customersAtEnd: 6,
      churnRate: null,
    });
    expect(point(corp, to)).toEqual({ date: to, ...zeroDay, customersAtStart: 6, customersAtEnd: 6, churnRate: 0 });
    expect(corp.totals).toEqual({ ...zeroDay, added: 10, lost: 3, removed: 1, net: 6, customersAtStart: 0, customersAtEnd: 6, churnRate: 0.3 });
  });

  it("per staff member (relations)", async () => {
    const res = await api("GET", `/v1/stats/churn?from=${today}&to=${today}&groupBy=staff`);
    expect(res.status, res.text).toBe(200);
    const byId = Object.fromEntries(res.json!.series.map((s: any) => [s.id, point(s, today)]));
    expect(Object.keys(byId).sort()).toEqual(["liming", "wangfang"]);
    // liming: c1 c2 c3 c9 c7 c8 + c1 again = 7 adds; lost c1 c2 c9 (c2's removal is the mutual delete's second half)
    expect(byId.liming).toEqual({ date: today, added: 7, lost: 3, removed: 0, transferredIn: 0, transferredOut: 0, net: 4, customersAtStart: 0, customersAtEnd: 4, churnRate: null });
    // wangfang: c4 c5 c6 c9; lost c4; removed c5
    expect(byId.wangfang).toEqual({ date: today, added: 4, lost: 1, removed: 1, transferredIn: 0, transferredOut: 0, net: 2, customersAtStart: 0, customersAtEnd: 2, churnRate: null });
    const one = await api("GET", `/v1/stats/churn?from=${today}&to=${today}&userId=liming`);
    expect(point(one.json!.series[0], today)).toEqual(byId.liming);
  });

  it("per channel (the channel of the add)", async () => {
    const res = await api("GET", `/v1/stats/churn?from=${today}&to=${today}&groupBy=channel`);
    expect(res.status, res.text).toBe(200);
    const byId = Object.fromEntries(res.json!.series.map((s: any) => [s.id, point(s, today)]));
    expect(Object.keys(byId).sort()).toEqual([poster.channelId, live.channelId, store.channelId].sort());
    expect(byId[poster.channelId]).toMatchObject({ added: 5, lost: 3, removed: 0, transferredIn: 0, transferredOut: 0, customersAtEnd: 2 });
    expect(byId[live.channelId]).toMatchObject({ added: 4, lost: 1, removed: 1, transferredIn: 0, transferredOut: 0, customersAtEnd: 2 });
    expect(byId[store.channelId]).toMatchObject({ added: 2, lost: 0, removed: 0, customersAtEnd: 2 });
  });

  it("exports the same figures as CSV (Chinese header, BOM, CRLF)", async () => {
    const from = addDays(today, -1);
    const json = await api("GET", `/v1/stats/churn?from=${from}&to=${today}&groupBy=staff`);
    const csv = await api("GET", `/v1/stats/churn?from=${from}&to=${today}&groupBy=staff`, { accept: "text/csv" });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    expect(csv.text.startsWith("\uFEFF")).toBe(true);
    const lines = csv.text.slice(1).split("\r\n").filter(Boolean);
    expect(lines[0]).toBe("日期,员工,新增,流失,删除,转入,转出,净增,日初客户数,日末客户数,流失率");
    const expected = json.json!.series.flatMap((s: any) =>
      s.points.map((p: any) =>
        [p.date, s.id, p.added, p.lost, p.removed, p.transferredIn, p.transferredOut, p.net, p.customersAtStart, p.customersAtEnd, p.churnRate === null ? "" : p.churnRate.toFixed(4)].join(","),
      ),
    );
    expect(lines.slice(1)).toEqual(expected);
    const en = await api("GET", `/v1/stats/churn?from=${today}&to=${today}&lang=en`, { accept: "text/csv" });
    expect(en.text.slice(1).split("\r\n")[0]).toBe("date,added,lost,removed,transferredIn,transferredOut,net,customersAtStart,customersAtEnd,churnRate");
  });

  it("cohorts: today's adds per channel; horizons unknown until the days are over", async () => {
    const res = await api("GET", `/v1/stats/cohorts?from=${today}&to=${today}&groupBy=channel`);
    expect(res.status, res.text).toBe(200);
    const sizes = Object.fromEntries(res.json!.cohorts.map((c: any) => [c.id, c.points[0].size]));
    expect(sizes).toEqual({ [poster.channelId]: 5, [live.channelId]: 4, [store.channelId]: 2 });
    expect(res.json!.cohorts[0].points[0]).toMatchObject({ retained1: null, rate1: null, retained30: null });
    const corp = await api("GET", `/v1/stats/cohorts?from=${today}&to=${today}`);
    expect(corp.json!.cohorts[0].points[0].size).toBe(10);
    const csv = await api("GET", `/v1/stats/cohorts?from=${today}&to=${today}&groupBy=staff`, { accept: "text/csv" });
    expect(csv.text.slice(1).split("\r\n")[0]).toBe("添加日期,员工,新增客户数,次日留存数,7日留存数,30日留存数,次日留存率,7日留存率,30日留存率");
  });

  it("rejects bad queries with field errors (problem+json), and callers without a token", async () => {
    const reversed = await api("GET", `/v1/stats/churn?from=${today}&to=${addDays(today, -1)}`);
    expect(reversed.status).toBe(400);
    expect(reversed.headers.get("content-type")).toContain("application/problem+json");
    expect(reversed.json!.errors.map((e: any) => e.path)).toEqual(["query.to"]);
    const bad = await api("GET", "/v1/stats/churn?from=2024-02-30&groupBy=week");
    expect(bad.json!.errors.map((e: any) => e.path).sort()).toEqual(["query.from", "query.groupBy", "query.to"]);
    const long = await api("GET", `/v1/stats/churn?from=${addDays(today, -366)}&to=${today}`);
    expect(long.json!.errors).toEqual([{ path: "query.to", message: "the range is at most 366 days (both ends included)" }]);
    const crossed = await api("GET", `/v1/stats/churn?from=${today}&to=${today}&groupBy=staff&channelId=x`);
    expect(crossed.json!.errors.map((e: any) => e.path)).toEqual(["query.channelId"]);
    const settings = await api("PUT", "/v1/stats/settings", { body: { lossAlerts: "yes", dailyDigest: true } });
    expect(settings.status).toBe(400);
    expect(settings.json!.errors.map((e: any) => e.path)).toContain("body.lossAlerts");
    const unchanged = await api("GET", "/v1/stats/settings");
    expect(unchanged.json).toMatchObject({ lossAlerts: true, digestLeadUserId: "zhaolei" });
    expect((await api("GET", `/v1/stats/churn?from=${today}&to=${today}`, { token: null })).status).toBe(401);
    expect((await api("GET", "/v1/stats/reconciliation?date=2020-01-01")).status).toBe(404);
  });
});

describe("alerts, digest, reconciliation", () => {
  it("sent one loss alert per counted loss, whatever the redeliveries (none for the mutual delete's second half)", async () => {
    const { appMessages } = await sim<{ appMessages: { touser: string[]; body: { text: { content: string } } }[] }>("app-messages");
    const alerts = appMessages.filter((m) => m.body.text.content.startsWith("【客户流失提醒】"));
    const per = (u: string) => alerts.filter((m) => m.touser.includes(u)).map((m) => m.body.text.content);
    expect(per("liming")).toHaveLength(3);
    expect(per("wangfang")).toHaveLength(1);
    for (const k of ["c1", "c2", "c9"]) expect(per("liming").some((t) => t.includes(c[k]!))).toBe(true);
    expect(per("wangfang")[0]).toContain(c.c4);
    expect(per("liming").find((t) => t.includes(c.c9!))).toContain("该客户仍是 1 位同事的客户");
  });

  it("sends the 09:00 digest of the day to the lead, once", async () => {
    const nine = corpTime(addDays(today, 1), TZ, "09:00");
    const first = (await platform.runSchedule("churn-stats", "daily-digest", nine)) as { status: string; text: string };
    expect(first.status).toBe("sent");
    expect(first.text).toContain(`【客户流失日报】${today}`);
    expect(first.text).toContain("新增 10，流失 3，删除 1，净增 6");
    expect(first.text).toContain("流失最多的员工：liming 3、wangfang 1");
    const again = (await platform.runSchedule("churn-stats", "daily-digest", nine)) as { status: string };
    expect(again.status).toBe("already-sent");
    const { appMessages } = await sim<{ appMessages: { touser: string[]; body: { text: { content: string } } }[] }>("app-messages");
    expect(appMessages.filter((m) => m.touser.includes("zhaolei"))).toHaveLength(1);
  });

  it("reconciles with WeCom's behaviour data: one call per member, paced; a missed event shows as a mismatch", async () => {
    // WeCom knows of an add Siyu never heard about (the callback URL was down)
    await sim("config", { callbackUrl: null });
    await sim("staff-adds-customer", { userId: "zhaolei", externalUserId: c.c6! });
    await sim("config", { callbackUrl: `${platform.gatewayUrl}/wecom/callback` });
    const before = (await sim<{ requests: unknown[] }>("requests")).requests.length;
    const out = (await platform.runSchedule("churn-stats", "reconcile", corpTime(addDays(today, 1), TZ, "06:30"))) as Record<string, number>;
    expect(out).toMatchObject({ mismatches: 1, errors: 0 });
    const res = await api("GET", `/v1/stats/reconciliation?date=${today}`);
    expect(res.status, res.text).toBe(200);
    const r = res.json!;
    expect(r).toMatchObject({ date: today, partial: true, mismatches: 1, groupChats: { fetched: false } });
    const staff = Object.fromEntries(r.staff.map((s: any) => [s.userId, s]));
    expect(staff.liming).toMatchObject({ mismatch: false, siyu: { added: 7, lost: 3 }, wecom: { newContactCnt: 7, negativeFeedbackCnt: 3 } });
    expect(staff.wangfang).toMatchObject({ mismatch: false, siyu: { added: 4, lost: 1 }, wecom: { newContactCnt: 4, negativeFeedbackCnt: 1 } });
    expect(staff.zhaolei).toMatchObject({ mismatch: true, differences: [{ field: "added", siyu: 0, wecom: 1 }] });
    const calls = (await sim<{ requests: { api: string; at?: string; body?: any }[] }>("requests")).requests.slice(before).filter((q) => q.api.includes("get_user_behavior_data"));
    expect(calls).toHaveLength(Object.keys(staff).length);
  });

  it("broke no WeCom rule (group statistics are not asked for a day that is not over)", async () => {
    const { violations } = await sim<{ violations: unknown[] }>("violations");
    expect(violations).toEqual([]);
  });
});

describe("rebuild", () => {
  it("gives the same answer as live counting (CLI and the queued job)", async () => {
    const before = await api("GET", `/v1/stats/churn?from=${today}&to=${today}&groupBy=staff`);
    const cli = await rebuildCli(["--from", today, "--to", today, "--table", platform.tableName("churn-stats"), "--endpoint", platform.endpoints.dynamodb, "--json"]);
    expect(cli.code, cli.output).toBe(0);
    const report = JSON.parse(cli.output);
    expect(report).toMatchObject({ days: 1, rowsChanged: 0 });
    expect(report.rowsCompared).toBeGreaterThan(10);
    const queued = await api("POST", "/v1/stats/rebuild", { body: { from: today, to: today } });
    expect(queued.status, queued.text).toBe(202);
    await platform.drain();
    const after = await api("GET", `/v1/stats/churn?from=${today}&to=${today}&groupBy=staff`);
    expect(after.json).toEqual(before.json);
    const bad = await api("POST", "/v1/stats/rebuild", { body: { from: today, to: addDays(today, -3) } });
    expect(bad.json!.errors.map((e: any) => e.path)).toEqual(["body.to"]);
  });
});

describe("the next day: a transfer through contact-intake", () => {
  it("moves the customer from the giver to the taker without a loss or an add, for staff and channel; the corp is unchanged", async () => {
    const transferTap = await tapTopic(platform, ["contact.added", "contact.lost", "contact.removed", "contact.transferred"]);
    const res = await api("POST", "/v1/transfers", { body: { fromUserId: "liming", toUserId: "wangfang", externalUserIds: [c.c3!] } });
    expect(res.status, res.text).toBe(202);
    await platform.drain();
    // WeCom completes an on-job transfer after 24 h: the giver's DELETE_BY_TRANSFER, the taker's add
    await sim("clock", { advanceMs: 86_400_000 + 60_000 });
    await platform.drain();
    await platform.runSchedule("contact-intake", "transfer-results");
    await platform.drain();
    const tomorrow = addDays(today, 1);
    expect(corpDay(await simNow(), TZ)).toBe(tomorrow);
    const events = (await readTap(platform, transferTap)) as DomainEvent[];
    expect(events.map((e) => e.type)).toEqual(["contact.transferred"]);
    // SNS redelivers it
    await publishToChurn({ ...events[0]!, id: `${events[0]!.id}-redelivered` });
    await platform.drain();

    const staff = await api("GET", `/v1/stats/churn?from=${today}&to=${tomorrow}&groupBy=staff`);
    const byId = Object.fromEntries(staff.json!.series.map((s: any) => [s.id, point(s, tomorrow)]));
    expect(byId.liming).toEqual({ date: tomorrow, ...zeroDay, transferredOut: 1, customersAtStart: 4, customersAtEnd: 3, churnRate: 0 });
    expect(byId.wangfang).toEqual({ date: tomorrow, ...zeroDay, transferredIn: 1, customersAtStart: 2, customersAtEnd: 3, churnRate: 0 });
    const channels = await api("GET", `/v1/stats/churn?from=${tomorrow}&to=${tomorrow}&channelId=${poster.channelId}`);
    expect(point(channels.json!.series[0], tomorrow)).toMatchObject({ transferredIn: 1, transferredOut: 1, added: 0, lost: 0, customersAtStart: 2, customersAtEnd: 2 });
    const corp = await api("GET", `/v1/stats/churn?from=${tomorrow}&to=${tomorrow}`);
    expect(point(corp.json!.series[0], tomorrow)).toEqual({ date: tomorrow, ...zeroDay, customersAtStart: 6, customersAtEnd: 6, churnRate: 0 });
    // the cohort member c3 survives its transfer: liming's cohort of today keeps it
    const cohorts = await api("GET", `/v1/stats/cohorts?from=${today}&to=${today}&userId=liming`);
    expect(cohorts.json!.cohorts[0].points[0].size).toBe(7);
  });
});

describe("WeCom's per-member app-message limit", () => {
  it("sends 30 alerts in a minute to one member and defers the rest instead of calling WeCom", async () => {
    const at = (await simNow()).toISOString();
    for (let i = 0; i < 32; i++) {
      // relations that predate Siyu, lost now: each a counted loss
      await publishToChurn(makeEvent("contact.lost", { userId: "sunli", externalUserId: `wm-burst-${i}`, channelId: "", lostAt: at }, { corpId, occurredAt: at }));
    }
    const sent = await eventually(
      async () => {
        const { appMessages } = await sim<{ appMessages: { touser: string[] }[] }>("app-messages");
        const n = appMessages.filter((m) => m.touser.includes("sunli")).length;
        return n >= 30 ? n : undefined;
      },
      20_000,
      "30 alerts to sunli",
    );
    await new Promise((r) => setTimeout(r, 1_000));
    const { appMessages } = await sim<{ appMessages: { touser: string[] }[] }>("app-messages");
    expect(sent).toBe(30);
    expect(appMessages.filter((m) => m.touser.includes("sunli"))).toHaveLength(30);
    const q = await platform.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: platform.queueUrl("churn-stats", "alerts"), AttributeNames: ["ApproximateNumberOfMessagesDelayed"] }),
    );
    expect(Number(q.Attributes!.ApproximateNumberOfMessagesDelayed)).toBe(2);
    const { violations } = await sim<{ violations: unknown[] }>("violations");
    expect(violations).toEqual([]);
  });
});
