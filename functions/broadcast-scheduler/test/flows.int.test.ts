import { describe, expect, it } from "vitest";
import { simClient } from "../../../test/support/clients.ts";
import { usePlatform } from "../../../test/support/platform.ts";
import { applyAudienceEvent } from "../src/app/audience-events.ts";
import { createCampaign, listCampaignViews } from "../src/app/campaigns.ts";
import { queueDueRuns } from "../src/app/due.ts";
import { pullPersonalMessages } from "../src/app/personal.ts";
import { planCampaign } from "../src/app/plan.ts";
import { PLAN_LEASE_MS, startRun } from "../src/app/run.ts";
import { sendChunk } from "../src/app/send.ts";
import { trackDueRuns, trackRun } from "../src/app/track.ts";
import { receiveSettingsSchema } from "../src/domain/quota.ts";
import { emptyRecipientCounts } from "../src/domain/run.ts";
import { batchWrite } from "@siyu/store";
import { allRelations } from "../src/store/audience.ts";
import { dueRuns, getCampaign, getRun, insertRun } from "../src/store/campaigns.ts";
import { readLedger } from "../src/store/ledger.ts";
import { chunkItem, chunksOf, claimChunk, finishChunk } from "../src/store/outbox.ts";
import { recipientPage } from "../src/app/recipients.ts";
import { putReceiveSettings } from "../src/store/settings.ts";
import { contactEvent, depsOn } from "./support/deps.ts";

/**
 * The service's use cases in-process (pollers off) against DynamoDB Local and the strict simulator,
 * with the simulator's clock as the service's: the read model's ordering, tracking across many small
 * pages, automatic reminders, the deadline's cancel, the personal-message pull, recurring runs,
 * quiet hours and a group campaign.
 */
const platform = await usePlatform({ services: ["broadcast-scheduler"], pollers: false, simulator: { seed: "empty", strict: true } });
const sim = simClient(platform);
const world = platform.simulator!.world;
const deps = depsOn(platform, { pageLimit: 2 });
const { table } = deps.config;
const HOUR = 3_600_000;

const customers: string[] = [];
await sim("staff", { userId: "alice", name: "Alice" });
await sim("staff", { userId: "bob", name: "Bob" });
for (let i = 0; i < 5; i++) {
  const { externalUserId } = await sim<{ externalUserId: string }>("customers", { name: `客户${i}` });
  await sim("staff-adds-customer", { userId: "alice", externalUserId });
  await applyAudienceEvent(deps, contactEvent("contact.added", { userId: "alice", externalUserId, channelId: "ch1", addedAt: deps.now().toISOString() }, deps.now()));
  customers.push(externalUserId);
}

/** A send-now campaign, run and sent as the queues would. */
async function runNow(body: Record<string, unknown>) {
  const { campaign } = await createCampaign(deps, { schedule: { kind: "now" }, ...body });
  const c = (await getCampaign(table, campaign.campaignId))!;
  const started = await startRun(deps, { campaignId: c.campaignId, runKey: c.nextRunKey!, at: c.nextRunAt! });
  for (const chunk of await chunksOf(table, c.nextRunKey!, { withIds: false })) await sendChunk(deps, c.nextRunKey!, chunk.chunkId);
  return { campaignId: c.campaignId, runKey: c.nextRunKey!, started };
}

describe("the audience read model", () => {
  it("ignores events older than what it holds (out of order and redelivered)", async () => {
    const [c0] = customers;
    const t0 = new Date(Date.parse(deps.now().toISOString()) - 10 * HOUR);
    await applyAudienceEvent(deps, contactEvent("contact.lost", { userId: "alice", externalUserId: c0!, channelId: "ch1", lostAt: t0.toISOString() }, t0));
    await applyAudienceEvent(deps, contactEvent("contact.tags_changed", { userId: "alice", externalUserId: c0!, tagIds: ["etNEW"], changedAt: deps.now().toISOString(), source: "edit" }, deps.now()));
    await applyAudienceEvent(deps, contactEvent("contact.tags_changed", { userId: "alice", externalUserId: c0!, tagIds: ["etOLD"], changedAt: t0.toISOString(), source: "add" }, t0));
    const rel = (await allRelations(table)).find((r) => r.externalUserId === c0);
    expect(rel).toMatchObject({ active: true, tagIds: ["etNEW"], userId: "alice" });
  });
});

describe("tracking across pages, reminders and the deadline", () => {
  it("follows next_cursor to the end, reminds when due (once), cancels at the deadline and closes the run", async () => {
    const text = "分页跟踪";
    const { campaignId, runKey } = await runNow({ name: "分页", audience: { chatType: "single", staff: ["alice"] }, content: { text }, reminders: { auto: true, hoursBeforeDeadline: [4] } });
    const msg = world.mass.all().find((m) => m.text === text)!;
    const before = (await sim<{ requests: { api: string }[] }>("requests?api=externalcontact/get_groupmsg_send_result")).requests.length;
    // while the task is unsent nothing can be delivered: no results are read
    await trackRun(deps, campaignId, runKey);
    expect((await sim<{ requests: { api: string }[] }>("requests?api=externalcontact/get_groupmsg_send_result")).requests.length).toBe(before);
    world.mass.confirm(msg.msgid, "alice");
    await trackRun(deps, campaignId, runKey);
    const pages = (await sim<{ requests: { api: string }[] }>("requests?api=externalcontact/get_groupmsg_send_result")).requests.length - before;
    expect(pages).toBe(3); // 5 recipients, 2 per page
    let run = (await getRun(table, campaignId, runKey))!;
    expect(run.recipients).toMatchObject({ delivered: 5, waiting: 0 });
    const ledger = await readLedger(table, "single");
    expect(customers.every((c) => ledger.get(c)?.some((e) => e.runId === runKey && e.state === "delivered"))).toBe(true);
    // the run's reminder is 4 h before its deadline: nothing is unsent, so nobody is reminded, and the run closes at the deadline
    world.clock.advance(Date.parse(run.deadline) - world.clock.nowMs() + 1000);
    await trackDueRuns(deps);
    run = (await getRun(table, campaignId, runKey))!;
    expect(run.state).toBe("done");
    expect((await getCampaign(table, campaignId))!.status).toBe("done");
  });

  it("reminds an unsent task when its reminder is due, once; at the deadline cancels it and every unsent customer ends cancelled", async () => {
    const text = "到期取消";
    const { campaignId, runKey } = await runNow({ name: "到期", audience: { chatType: "single", staff: ["alice"] }, content: { text }, reminders: { auto: true, hoursBeforeDeadline: [4] } });
    let run = (await getRun(table, campaignId, runKey))!;
    const remindCalls = async () => (await sim<{ requests: unknown[] }>("requests?api=externalcontact/remind_groupmsg_send")).requests.length;
    const reminders = await remindCalls();
    world.clock.advance(Date.parse(run.remindersPlanned[0]!) - world.clock.nowMs() + 1000);
    // the poll is due by then (hourly), and so is the reminder
    await trackDueRuns(deps);
    await trackRun(deps, campaignId, runKey);
    expect((await remindCalls()) - reminders).toBe(1);
    run = (await getRun(table, campaignId, runKey))!;
    expect(run.remindersDone).toEqual(run.remindersPlanned);
    world.clock.advance(5 * HOUR);
    await trackDueRuns(deps);
    run = (await getRun(table, campaignId, runKey))!;
    expect(run.state).toBe("done");
    expect(run.recipients).toMatchObject({ cancelled: 5, waiting: 0 });
    const msg = world.mass.all().find((m) => m.text === text)!;
    expect(() => world.mass.confirm(msg.msgid, "alice")).toThrow(/cancelled/);
    const rows = await recipientPage(table, runKey, { limit: 10, status: "cancelled" });
    expect(rows.items).toHaveLength(5);
  });
});

describe("the receive-quota ledger", () => {
  it("counts members' personal mass messages: under the day rule, a customer who had one today is left out with quota", async () => {
    await putReceiveSettings(table, receiveSettingsSchema.parse({ customers: { wecom: "day" } }), deps.now());
    world.config.receiveFrequency = "day";
    // move to a fresh corp day
    world.clock.advance(24 * HOUR);
    await sim("staff-personal-broadcast", { userId: "alice", externalUserIds: [customers[1]], text: "我自己发的" });
    const out = await pullPersonalMessages(deps);
    expect(out.deliveries).toBeGreaterThanOrEqual(1);
    const at = deps.now();
    const { plan } = await planCampaign(deps, { audience: { chatType: "single", staff: ["alice"] } }, { at, deadline: new Date(at.getTime() + HOUR) });
    expect(plan.excluded).toEqual([expect.objectContaining({ externalUserId: customers[1], reason: "quota", quota: expect.objectContaining({ kind: "day", limit: 1, count: 1 }) })]);
    // a run leaves them out; a second one the same day plans nobody: the first run's tasks count until known
    const first = await runNow({ name: "日限", audience: { chatType: "single", staff: ["alice"] }, content: { text: "日限测试" } });
    expect(first.started).toMatchObject({ outcome: "started", planned: customers.length - 1 });
    const second = await runNow({ name: "日限2", audience: { chatType: "single", staff: ["alice"] }, content: { text: "日限测试2" } });
    expect(second.started).toMatchObject({ outcome: "nothing-to-send" });
    expect((await getRun(table, second.campaignId, second.runKey))!.plan.excluded.quota).toBe(customers.length);
    expect((await sim<{ violations: unknown[] }>("violations")).violations).toEqual([]);
    await putReceiveSettings(table, receiveSettingsSchema.parse({}), deps.now());
    world.config.receiveFrequency = "month";
  });
});

describe("schedules", () => {
  it("a recurring campaign runs once per scheduled instant and has its next run due", async () => {
    const until = new Date(deps.now().getTime() + 10 * 24 * HOUR).toISOString();
    const { campaign } = await createCampaign(deps, {
      name: "每日早安",
      audience: { chatType: "single", staff: ["bob"] },
      content: { text: "早安" },
      schedule: { kind: "recurring", cron: "0 9 * * ? *", until },
    });
    const c = (await getCampaign(table, campaign.campaignId))!;
    const first = { campaignId: c.campaignId, runKey: c.nextRunKey!, at: c.nextRunAt! };
    expect(await startRun(deps, first)).toMatchObject({ outcome: "nothing-to-send" }); // bob has no customers
    expect(await startRun(deps, first)).toMatchObject({ outcome: "exists" });
    const after = (await getCampaign(table, c.campaignId))!;
    expect(after.runs).toBe(1);
    expect(Date.parse(after.nextRunAt!) - Date.parse(first.at)).toBe(24 * HOUR);
    world.clock.advance(Date.parse(after.nextRunAt!) - world.clock.nowMs() + 1000);
    expect((await dueRuns(table, deps.now())).map((d) => d.runKey)).toContain(after.nextRunKey);
    expect((await queueDueRuns(deps)).queued).toBeGreaterThanOrEqual(1);
  });

  it("a run due in quiet hours waits for their end (nobody is planned inside them)", async () => {
    const hhmm = (d: Date) => new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(d);
    const now = deps.now();
    await putReceiveSettings(table, receiveSettingsSchema.parse({ customers: { quietHours: [{ from: hhmm(new Date(now.getTime() - HOUR)), to: hhmm(new Date(now.getTime() + HOUR)) }] } }), now);
    const { campaign } = await createCampaign(deps, { name: "静默", audience: { chatType: "single", staff: ["alice"] }, content: { text: "静默时段" }, schedule: { kind: "now" } });
    const c = (await getCampaign(table, campaign.campaignId))!;
    const out = await startRun(deps, { campaignId: c.campaignId, runKey: c.nextRunKey!, at: c.nextRunAt! });
    expect(out.outcome).toBe("deferred");
    expect(await getRun(table, c.campaignId, c.nextRunKey!)).toBeUndefined();
    const until = (out as { until: string }).until;
    expect(Date.parse(until)).toBeGreaterThan(now.getTime());
    expect((await dueRuns(table, new Date(Date.parse(until) + 1000))).map((d) => d.runKey)).toContain(c.nextRunKey);
    await putReceiveSettings(table, receiveSettingsSchema.parse({}), now);
  });
});

describe("a start that died while planning", () => {
  it("is left alone while its lease lives, then taken over: leftovers cleared, planned again, sent once", async () => {
    const { campaign } = await createCampaign(deps, { name: "接管", audience: { chatType: "single", staff: ["alice"] }, content: { text: "接管测试" }, schedule: { kind: "now" } });
    const c = (await getCampaign(table, campaign.campaignId))!;
    const trigger = { campaignId: c.campaignId, runKey: c.nextRunKey!, at: c.nextRunAt! };
    // the dead attempt: its run row (planning) and a stray chunk of a plan that no longer holds
    const dead = { runKey: trigger.runKey, campaignId: c.campaignId, chatType: "single" as const, at: trigger.at, deadline: trigger.at, state: "planning" as const, startedAt: trigger.at, plan: { audience: 0, planned: 0, perSender: {}, excluded: { quota: 0, "not-a-follower": 0, duplicate: 0, "quiet-hours": 0, "excluded-tag": 0 } }, chunks: 0, recipients: emptyRecipientCounts(), remindersPlanned: [], remindersDone: [], updatedAt: deps.now().toISOString() };
    expect(await insertRun(table, dead)).toBe(true);
    await batchWrite(table, [chunkItem(trigger.runKey, { chunkId: "00007", sender: "ghost", ids: ["wmGHOST"] })]);
    expect(await startRun(deps, trigger)).toMatchObject({ outcome: "exists" });
    world.clock.advance(PLAN_LEASE_MS + 1000);
    expect(await startRun(deps, trigger)).toMatchObject({ outcome: "started", chunks: 1 });
    const chunks = await chunksOf(table, trigger.runKey);
    expect(chunks.map((x) => x.sender)).toEqual(["alice"]);
    expect((await getRun(table, c.campaignId, trigger.runKey))!.state).toBe("tracking");
  });
});

describe("a send that died after WeCom answered", () => {
  it("is finished by the redelivery: rows, staff and counts follow, once; the recipients list shows planned ones before", async () => {
    const text = "半途而废";
    const { campaign } = await createCampaign(deps, { name: "补记", audience: { chatType: "single", staff: ["alice"] }, content: { text }, schedule: { kind: "now" } });
    const c = (await getCampaign(table, campaign.campaignId))!;
    const runKey = c.nextRunKey!;
    await startRun(deps, { campaignId: c.campaignId, runKey, at: c.nextRunAt! });
    const [chunk] = await chunksOf(table, runKey);
    // before the send: the list shows the planned recipients from the outbox, paged
    const first = await recipientPage(table, runKey, { limit: 3 });
    expect(first.items.map((r) => r.status)).toEqual(["planned", "planned", "planned"]);
    const rest = await recipientPage(table, runKey, { limit: 3, cursor: first.nextCursor! });
    expect([...first.items, ...rest.items].map((r) => r.id).sort()).toEqual([...chunk!.ids].sort());
    await expect(recipientPage(table, runKey, { limit: 3, cursor: "bm90LWEtY3Vyc29y" })).rejects.toMatchObject({ status: 400, type: "invalid-cursor" });
    // the dead try: claimed, called, recorded — and stopped before settling
    const claim = await claimChunk(table, runKey, chunk!.chunkId, deps.now());
    expect(claim).toBeDefined();
    const out = await (await deps.wecom()).addMsgTemplate({ chat_type: "single", sender: "alice", external_userid: chunk!.ids, text: { content: text } });
    expect(await finishChunk(table, runKey, chunk!.chunkId, claim!, { state: "sent", msgid: out.msgid, failIds: [], at: deps.now(), via: "answer" })).toBe(true);
    expect(await sendChunk(deps, runKey, chunk!.chunkId)).toBe("already-done");
    expect(await sendChunk(deps, runKey, chunk!.chunkId)).toBe("already-done");
    const run = (await getRun(table, c.campaignId, runKey))!;
    expect(run.recipients).toMatchObject({ planned: 0, waiting: chunk!.ids.length });
    expect(world.mass.all().filter((m) => m.text === text)).toHaveLength(1);
    const rows = await recipientPage(table, runKey, { limit: 50, status: "waiting" });
    expect(rows.items).toHaveLength(chunk!.ids.length);
  });
});

describe("a group campaign", () => {
  it("plans each group under its owner and sends chat_type group with the owner as sender", async () => {
    const g = await sim<{ chatId: string }>("groups", { ownerUserId: "bob", name: "VIP群", externalUserIds: customers.slice(0, 2) });
    await applyAudienceEvent(deps, contactEvent("group.created", { chatId: g.chatId, ownerUserId: "bob", createdAt: deps.now().toISOString() }, deps.now()));
    const text = "群发到群";
    const { runKey, started } = await runNow({ name: "群", audience: { chatType: "group", owners: ["bob"] }, content: { text } });
    expect(started).toMatchObject({ outcome: "started", planned: 1 });
    const msg = world.mass.all().find((m) => m.text === text)!;
    expect(msg.chatType).toBe("group");
    expect([...msg.tasks.keys()]).toEqual(["bob"]);
    expect((await chunksOf(table, runKey))[0]).toMatchObject({ state: "sent", sender: "bob", ids: [g.chatId] });
  });
});

describe("the campaign list", () => {
  it("filters by status across short pages and carries each campaign's latest run with its funnel", async () => {
    const { campaignId: ran } = await runNow({ name: "列表进度", audience: { chatType: "single", staff: ["alice"] }, content: { text: "列表进度" } });
    const at = new Date(deps.now().getTime() + 48 * HOUR).toISOString();
    const { campaign: later } = await createCampaign(deps, { name: "定时", audience: { chatType: "single" }, content: { text: "稍后" }, schedule: { kind: "at", at } });
    const scheduled: { campaignId: string; status: string }[] = [];
    let cursor: string | undefined;
    do {
      const page = await listCampaignViews(deps, { limit: 1, status: "scheduled", ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(1);
      scheduled.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(scheduled.length).toBeGreaterThan(0);
    expect(scheduled.every((c) => c.status === "scheduled")).toBe(true);
    expect(scheduled.map((c) => c.campaignId)).toContain(later.campaignId);
    expect(scheduled.map((c) => c.campaignId)).not.toContain(ran);

    const all = (await listCampaignViews(deps, { limit: 200 })).items;
    const running = all.find((c) => c.campaignId === ran)!;
    expect(running.latestRun).toMatchObject({ state: "tracking", funnel: { planned: 5, tasked: 5, waiting: 5, delivered: 0 } });
    expect(all.find((c) => c.campaignId === later.campaignId)!.latestRun).toBeNull();
  });
});
