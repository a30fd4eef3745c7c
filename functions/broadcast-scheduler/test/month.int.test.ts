import { addDays, corpDay, corpTime } from "@siyu/kernel";
import { describe, expect, it } from "vitest";
import { usePlatform } from "../../../test/support/platform.ts";
import { pullPersonalMessages } from "../src/app/personal.ts";
import { trackRun } from "../src/app/track.ts";
import { getRun, type RunRecord } from "../src/store/campaigns.ts";
import { chunksOf } from "../src/store/outbox.ts";
import { recipientPage } from "../src/app/recipients.ts";
import { funnelOf } from "../src/domain/run.ts";
import { makeDeps, probe, quietLog, seedCorp, setWeekRule, startCampaign, weekOf } from "./support/month.ts";

/**
 * Issue 12's acceptance point: a simulated month of daily campaigns to a 200-staff, 20,000-customer corp
 * under the corp's `week` rule (7 per ISO week), with members' own mass messages on some days, against
 * the strict simulator: 0 violations, and no customer ever gets more than the rule in any week.
 *
 * The use cases run in-process (pollers off) on the simulator's clock, which the test moves through
 * each day: a campaign at 10:00 (deadline 22:00), a second at 15:00 on Wednesdays and Sundays (deadline 12:00
 * the next day, so it is still open when the next morning's run is planned, and Sunday's spans two
 * weeks), most members confirming at once, one late (in the evening, or the next morning), one never
 * (cancelled at the deadline), members' personal sends at 23:00 on Tuesdays and Fridays (the rule
 * counts them too) and the daily personal pull at 02:30 (the service's cron).
 */
const DAYS = Number(process.env.SIYU_MONTH_DAYS ?? 30);
const STAFF = 200;
const CUSTOMERS = 20_000;
/**
 * The campaigns' audience: the customers of the first SEGMENT members (6: ~650 customers). Each
 * delivered customer costs a run about three single-item DynamoDB writes (its ledger entry, its last
 * interaction, its row), and DynamoDB Local on a shared 2-core machine does a few hundred a second, so
 * a whole-corp run (20,000) takes ~95 s here and a month of them about an hour: `SIYU_MONTH_SEGMENT=200`
 * runs that. Every run still plans against the whole corp's read model (22,000 relations) and ledger,
 * and every customer's deliveries are checked.
 */
const SEGMENT = Number(process.env.SIYU_MONTH_SEGMENT ?? 6);
const RULE = { kind: "week", limit: 7 } as const;

const platform = await usePlatform({ services: ["broadcast-scheduler"], simulator: { seed: "empty", strict: true }, pollers: false });
const world = platform.simulator!.world;
const log = quietLog();
const deps = makeDeps(platform, log);
const TZ = deps.config.timeZone;
const probed = process.env.SIYU_MONTH_TRACE ? probe(deps) : undefined;

const staffId = (n: number) => `s${String(n).padStart(3, "0")}`;
const segment = Array.from({ length: SEGMENT }, (_, i) => staffId(i));
/** Never confirm: their tasks are cancelled at each deadline. */
const never = new Set([staffId(SEGMENT - 1)]);
/** Confirm late: the morning run in the evening, the afternoon run the next morning. */
const late = new Set([staffId(SEGMENT - 2)]);
/** Send their own mass message to all their customers on personal days: inside the segment and outside (second members of segment customers). */
const personal = Array.from({ length: 10 }, (_, i) => staffId(Math.floor(SEGMENT / 2) + i));
/** Day 0 is a Monday. */
const personalDay = (d: number) => d % 7 === 1 || d % 7 === 4;
const afternoonDay = (d: number) => d % 7 === 2 || d % 7 === 6;

interface Open {
  campaignId: string;
  runKey: string;
  msgs: { msgid: string; sender: string }[];
}

describe(`a simulated month: ${DAYS} days of daily campaigns in a ${STAFF}-staff, ${CUSTOMERS}-customer corp under the week rule`, () => {
  it("never sends past the rule: no violation, no customer over 7 in any week, the rule binds, every funnel adds up", { timeout: 30 * 60_000 }, async () => {
    const timings: Record<string, number> = {};
    const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      const t = performance.now();
      try {
        return await fn();
      } finally {
        timings[name] = (timings[name] ?? 0) + (performance.now() - t);
        if (probed) console.log(`${name}: ${Math.round(performance.now() - t)} ms — ${probed.report()}`);
      }
    };
    /** Move the simulator's clock to a corp wall time (it only moves forward). */
    const at = (day: string, hhmm: string) => {
      const target = corpTime(day, TZ, hhmm).getTime();
      const ahead = target - world.clock.nowMs();
      expect(ahead, `the clock is already past ${day} ${hhmm}`).toBeGreaterThanOrEqual(0);
      world.clock.advance(ahead);
    };

    // start on a Monday, a few days out, so the month holds whole weeks
    let first = addDays(corpDay(world.clock.now(), TZ), 1);
    while (new Date(`${first}T12:00:00Z`).getUTCDay() !== 1) first = addDays(first, 1);
    const seeded = await timed("seed", () => seedCorp(world, deps.config.table, { staff: STAFF, customers: CUSTOMERS, staffId, before: corpTime(first, TZ) }));
    await timed("settings", () => setWeekRule(world, deps.config.table, world.clock.now()));
    at(first, "00:00");

    const runs: RunRecord[] = [];
    const close = async (o: Open) => {
      await timed("track", () => trackRun(deps, o.campaignId, o.runKey));
      const run = (await getRun(deps.config.table, o.campaignId, o.runKey))!;
      expect(run.state, o.runKey).toBe("done");
      runs.push(run);
    };
    const confirm = (o: Open, who: (sender: string) => boolean) => {
      for (const m of o.msgs) if (who(m.sender)) world.mass.confirm(m.msgid, m.sender);
    };
    const prompt = (s: string) => !never.has(s) && !late.has(s);
    const launch = async (day: string, slot: "A" | "B", deadline: Date): Promise<Open> =>
      timed(`campaign ${slot}`, () => startCampaign(deps, { name: `${day} ${slot}`, text: `【${day} ${slot}】本周好物推荐`, deadline, staff: SEGMENT < STAFF ? segment : undefined }));

    let afternoon: Open | undefined;
    let personalSends = 0;
    for (let d = 0; d < DAYS; d++) {
      const day = addDays(first, d);
      at(day, "02:30");
      await timed("personal pull", () => pullPersonalMessages(deps));
      if (afternoon) {
        const b = afternoon;
        at(day, "08:00");
        confirm(b, (s) => late.has(s));
        at(day, "09:00");
        await timed("track", () => trackRun(deps, b.campaignId, b.runKey));
      }
      at(day, "10:00");
      const morning = await launch(day, "A", corpTime(day, TZ, "22:00"));
      at(day, "10:30");
      confirm(morning, prompt);
      at(day, "11:00");
      await timed("track", () => trackRun(deps, morning.campaignId, morning.runKey));
      if (afternoon) {
        at(day, "12:00");
        await close(afternoon);
        afternoon = undefined;
      }
      if (afternoonDay(d)) {
        at(day, "15:00");
        const b = await launch(day, "B", corpTime(addDays(day, 1), TZ, "12:00"));
        afternoon = b;
        at(day, "15:30");
        confirm(b, prompt);
        at(day, "16:00");
        await timed("track", () => trackRun(deps, b.campaignId, b.runKey));
      }
      at(day, "21:00");
      confirm(morning, (s) => late.has(s));
      at(day, "22:00");
      await close(morning);
      if (personalDay(d)) {
        at(day, "23:00");
        for (const userid of personal) world.mass.personalSend({ userid, text: `${day} ${userid} 的私聊群发` });
        personalSends += personal.length;
      }
    }
    if (afternoon) {
      at(addDays(first, DAYS), "12:00");
      await close(afternoon);
    }

    // ── the simulator's own record: what each customer received, and when ──
    expect(world.violations.entries).toEqual([]);
    const received = new Map<string, { at: number; personal: boolean }[]>();
    let corpTasks = 0;
    let corpDeliveries = 0;
    let personalDeliveries = 0;
    for (const m of world.mass.all()) {
      for (const task of m.tasks.values()) {
        if (m.createType === 0) corpTasks++;
        for (const t of task.targets.values()) {
          if (t.status !== 1) continue;
          if (m.createType === 0) corpDeliveries++;
          else personalDeliveries++;
          const times = received.get(t.id) ?? [];
          times.push({ at: t.sendTime!, personal: m.createType === 1 });
          received.set(t.id, times);
        }
      }
    }
    const weeks = new Map<string, Map<number, { count: number; personal: number }>>();
    for (const [id, times] of received) {
      const perWeek = new Map<number, { count: number; personal: number }>();
      for (const t of times) {
        const w = perWeek.get(weekOf(t.at)) ?? { count: 0, personal: 0 };
        w.count++;
        if (t.personal) w.personal++;
        perWeek.set(weekOf(t.at), w);
      }
      weeks.set(id, perWeek);
    }
    const all = [...weeks.entries()].flatMap(([id, perWeek]) => [...perWeek.entries()].map(([week, w]) => ({ id, week, ...w })));
    expect(all.filter((w) => w.count > RULE.limit).slice(0, 5)).toEqual([]);
    const atLimit = all.filter((w) => w.count === RULE.limit);
    // members' own messages took part of the quota (the ledger counted them)
    expect(atLimit.filter((w) => w.personal > 0).length).toBeGreaterThan(0);

    // the rule is used to the full, not wasted: a customer whose members all confirm at once gets
    // exactly the limit in every whole week (9 campaigns a week are offered), whatever the personal sends
    const byCustomer = new Map<string, string[]>();
    for (const r of world.customers.allRelations()) byCustomer.set(r.externalUserId, [...(byCustomer.get(r.externalUserId) ?? []), r.userid]);
    const promptOnly = [...byCustomer.entries()].filter(([, members]) => members.every((m) => segment.includes(m) && prompt(m))).map(([id]) => id);
    expect(promptOnly.length).toBeGreaterThan(0);
    const firstWeek = weekOf(corpTime(first, TZ).getTime());
    for (let w = firstWeek; w < firstWeek + Math.floor(DAYS / 7); w++) {
      const counts = new Set(promptOnly.map((id) => weeks.get(id)?.get(w)?.count ?? 0));
      expect([...counts], `week ${w - firstWeek}`).toEqual([RULE.limit]);
    }

    // ── Siyu's side: the rule bound, each run's funnel adds up and matches what WeCom delivered ──
    const planned = DAYS + Array.from({ length: DAYS }, (_, d) => d).filter(afternoonDay).length;
    expect(runs).toHaveLength(planned);
    let quotaExcluded = 0;
    let siyuDelivered = 0;
    for (const run of runs) {
      const f = funnelOf(run.recipients);
      expect(run.state).toBe("done");
      expect(f.planned).toBe(run.plan.planned);
      expect(f.planned).toBe(f.tasked + f.failed + f.pending);
      expect(f.tasked).toBe(f.confirmed + f.waiting + f.cancelled);
      expect(f.confirmed).toBe(f.delivered + f.notAFriend + f.quotaHit);
      expect({ pending: f.pending, waiting: f.waiting, quotaHit: f.quotaHit, failed: f.failed }).toEqual({ pending: 0, waiting: 0, quotaHit: 0, failed: 0 });
      const excluded = run.plan.excluded;
      expect(run.plan.audience).toBe(run.plan.planned + excluded.quota + excluded["not-a-follower"] + excluded["quiet-hours"] + excluded["excluded-tag"]);
      quotaExcluded += excluded.quota;
      siyuDelivered += f.delivered;
      // WeCom's answer per customer of this run's tasks is what the run counted
      const chunks = await chunksOf(deps.config.table, run.runKey, { withIds: false });
      let simDelivered = 0;
      for (const c of chunks) {
        const task = world.mass.get(c.msgid!)!.tasks.get(c.sender)!;
        for (const t of task.targets.values()) if (t.status === 1) simDelivered++;
      }
      expect(f.delivered, run.runKey).toBe(simDelivered);
    }
    expect(siyuDelivered).toBe(corpDeliveries);
    const binding = runs.filter((r) => r.plan.excluded.quota > 0);
    expect(binding.length).toBeGreaterThan(DAYS / 4);
    // the left-out rows name the window that binds
    const sample = binding[binding.length - 1]!;
    const rows = (await recipientPage(deps.config.table, sample.runKey, { limit: 50, status: "excluded" })).items.filter((r) => r.reason === "quota");
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.quota).toMatchObject({ kind: "week", limit: RULE.limit, count: expect.any(Number) });
    expect(Math.min(...rows.map((r) => r.quota!.count))).toBeGreaterThanOrEqual(RULE.limit);
    expect(log.warnings).toEqual([]);

    const ms = (k: string) => Math.round((timings[k] ?? 0) / 1000);
    console.log(
      `month: ${DAYS} days, ${runs.length} runs, ${corpTasks} tasks, ${corpDeliveries} campaign deliveries + ${personalDeliveries} personal (${personalSends} personal sends), ` +
        `${quotaExcluded} quota exclusions over ${binding.length} runs, ${atLimit.length} customer-weeks at the limit (${atLimit.filter((w) => w.personal > 0).length} with personal messages), ${world.violations.entries.length} violations; ` +
        `seed ${seeded.relations} relations ${ms("seed")} s, campaign A ${ms("campaign A")} s, B ${ms("campaign B")} s, track ${ms("track")} s, pull ${ms("personal pull")} s`,
    );
  });
});
