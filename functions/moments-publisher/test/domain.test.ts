import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidInput, PostStarted } from "../src/domain/errors.ts";
import { MARGIN_MS, reserveSlot, takeSlot, WINDOW_MS } from "../src/domain/limiter.ts";
import { breach, planPost, type ScheduledRun } from "../src/domain/plan.ts";
import { applyPostPatch, occurrences, parsePostCreate } from "../src/domain/post.ts";
import { resultsCsv, runResults, staffResults } from "../src/domain/results.ts";
import { CLAIM_STALE_MS, isLostMoment, JOB_TTL_MS, newRun, nextStep, type RunRecord } from "../src/domain/run.ts";

const TZ = "Asia/Shanghai";
const now = new Date("2026-12-02T01:00:00.000Z"); // 09:00 corp time
const base = { name: "早晚安", content: { text: "早安☀️ 今日福利" }, schedule: { kind: "now" } };

function pathsOf(body: unknown): string[] {
  try {
    parsePostCreate(body, now, TZ);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInput);
    return (e as InvalidInput).issues.map((i) => i.path);
  }
  return [];
}

describe("the post definition", () => {
  it("defaults: every member, 24 h window, a reminder 2 h before its end, refuse on limits", () => {
    expect(parsePostCreate(base, now, TZ)).toMatchObject({ visibility: { userIds: [], departmentIds: [], tagIds: [] }, windowHours: 24, reminders: { auto: true, hoursBeforeEnd: [2] }, onLimit: "refuse" });
  });

  it("content as WeCom takes it: ≤ 2000 characters, ≤ 9 images or 1 video or 1 link (title ≤ 64 bytes), not empty", () => {
    expect(pathsOf({ ...base, content: { text: "字".repeat(2000) } })).toEqual([]);
    expect(pathsOf({ ...base, content: { text: "字".repeat(2001) } })).toEqual(["body.content.text"]);
    expect(pathsOf({ ...base, content: {} })).toEqual(["body.content.text"]);
    expect(pathsOf({ ...base, content: { images: Array.from({ length: 10 }, (_, i) => ({ mediaKey: `k${i}` })) } })).toEqual(["body.content.images"]);
    expect(pathsOf({ ...base, content: { images: [{ mediaKey: "a" }], video: { mediaKey: "v" } } })).toEqual(["body.content.video"]);
    expect(pathsOf({ ...base, content: { link: { title: "标".repeat(22), url: "https://e.cn", coverKey: "c" } } })).toEqual(["body.content.link.title"]);
    expect(pathsOf({ ...base, content: { link: { title: "ok", url: "ftp://e.cn", coverKey: "c" } } })).toEqual(["body.content.link.url"]);
  });

  it("schedules: an instant in the past, daily with more than 3 times, until before from, reminders outside the window", () => {
    expect(pathsOf({ ...base, schedule: { kind: "at", at: "2026-12-01T00:00:00+08:00" } })).toEqual(["body.schedule.at"]);
    expect(pathsOf({ ...base, schedule: { kind: "daily", times: ["08:00", "12:00", "18:00", "21:30"], from: "2026-12-03", until: "2026-12-10" } })).toEqual(["body.schedule.times"]);
    expect(pathsOf({ ...base, schedule: { kind: "daily", times: ["08:00"], from: "2026-12-10", until: "2026-12-03" } })).toEqual(["body.schedule.until"]);
    expect(pathsOf({ ...base, windowHours: 4, reminders: { auto: true, hoursBeforeEnd: [4] } })).toEqual(["body.reminders.hoursBeforeEnd.0"]);
    expect(pathsOf({ ...base, schedule: { kind: "daily", times: ["08:00", "08:00"], from: "2026-12-03", until: "2026-12-03" } })).toEqual(["body.schedule.times.1"]);
  });

  it("a daily schedule posts at each corp-time clock time on each day (weekdays filter), from now on", () => {
    const s = { kind: "daily" as const, times: ["21:30", "08:00"], from: "2026-12-02", until: "2026-12-04" };
    // 08:00 on the 2nd is past (it is 09:00)
    expect(occurrences(s, now, TZ).map((d) => d.toISOString())).toEqual([
      "2026-12-02T13:30:00.000Z",
      "2026-12-03T00:00:00.000Z",
      "2026-12-03T13:30:00.000Z",
      "2026-12-04T00:00:00.000Z",
      "2026-12-04T13:30:00.000Z",
    ]);
    // 2026-12-05 is a Saturday
    expect(occurrences({ ...s, from: "2026-12-05", until: "2026-12-07", weekdays: [6] }, now, TZ).map((d) => d.toISOString())).toEqual(["2026-12-05T00:00:00.000Z", "2026-12-05T13:30:00.000Z"]);
  });

  it("a patch is refused once the post started, and is validated as a whole", () => {
    const d = parsePostCreate({ ...base, schedule: { kind: "at", at: "2026-12-03T08:00:00+08:00" } }, now, TZ);
    expect(() => applyPostPatch(d, "scheduled", true, { name: "x" }, now, TZ)).toThrow(PostStarted);
    expect(() => applyPostPatch(d, "cancelled", false, { name: "x" }, now, TZ)).toThrow(PostStarted);
    expect(applyPostPatch(d, "scheduled", false, { name: "晚安" }, now, TZ).name).toBe("晚安");
    expect(() => applyPostPatch(d, "scheduled", false, { windowHours: 1 }, now, TZ)).toThrow(InvalidInput);
  });
});

describe("planning around the daily limits", () => {
  const at = (iso: string) => new Date(iso);
  const run = (postId: string, when: string, a: Partial<ScheduledRun> = {}): ScheduledRun => ({ postId, at: when, userIds: [], broad: true, tagIds: [], ...a });

  it("a member posts at most 3 a day: a 4th broad post that day is refused, with the reason", () => {
    const day = ["2026-12-03T00:00:00.000Z", "2026-12-03T04:00:00.000Z", "2026-12-03T10:00:00.000Z"].map((x, i) => run(`p${i}`, x, { tagIds: [`t${i}`] }));
    const plan = planPost({ visibility: { userIds: [], departmentIds: [], tagIds: ["t9"] }, onLimit: "refuse" }, [at("2026-12-03T13:30:00.000Z")], day, { timeZone: TZ, customerPostsPerDay: 9 });
    expect(plan.runs).toEqual([]);
    expect(plan.refused).toEqual([{ at: "2026-12-03T13:30:00.000Z", reason: "member-daily-limit", detail: expect.stringContaining("every member") }]);
  });

  it("named senders count for themselves only; a broad post counts for everyone", () => {
    const day = [0, 1, 2].map((i) => run(`p${i}`, `2026-12-03T0${i}:00:00.000Z`, { broad: false, userIds: ["zhangsan"], tagIds: [`t${i}`] }));
    const lisi = planPost({ visibility: { userIds: ["lisi"], departmentIds: [], tagIds: [] }, onLimit: "refuse" }, [at("2026-12-03T10:00:00.000Z")], day, { timeZone: TZ, customerPostsPerDay: 9 });
    expect(lisi.refused).toEqual([]);
    const both = planPost({ visibility: { userIds: ["lisi", "zhangsan"], departmentIds: [], tagIds: [] }, onLimit: "refuse" }, [at("2026-12-03T10:00:00.000Z")], day, { timeZone: TZ, customerPostsPerDay: 9 });
    expect(both.refused[0]).toMatchObject({ reason: "member-daily-limit", detail: expect.stringContaining("zhangsan") });
    expect(breach(day, { userIds: [], broad: true, tagIds: [] }, 9)?.reason).toBe("member-daily-limit");
  });

  it("the corp's customer setting: runs that may reach the same customers count; disjoint tags and senders do not", () => {
    const day = [run("p1", "2026-12-03T00:00:00.000Z", { broad: false, userIds: ["a"], tagIds: ["vip"] })];
    const opts = { timeZone: TZ, customerPostsPerDay: 1 };
    const sameTag = planPost({ visibility: { userIds: ["b"], departmentIds: [], tagIds: ["vip"] }, onLimit: "refuse" }, [at("2026-12-03T10:00:00.000Z")], [run("p1", "2026-12-03T00:00:00.000Z", { tagIds: ["vip"] })], opts);
    expect(sameTag.refused[0]?.reason).toBe("customer-daily-limit");
    const otherSender = planPost({ visibility: { userIds: ["b"], departmentIds: [], tagIds: ["vip"] }, onLimit: "refuse" }, [at("2026-12-03T10:00:00.000Z")], day, opts);
    expect(otherSender.refused).toEqual([]);
    const otherTag = planPost({ visibility: { userIds: ["a"], departmentIds: [], tagIds: ["new"] }, onLimit: "refuse" }, [at("2026-12-03T10:00:00.000Z")], day, opts);
    expect(otherTag.refused).toEqual([]);
  });

  it("move: a run that does not fit goes to the next day that does, at the same clock time", () => {
    const full = [0, 1, 2].map((i) => run(`p${i}`, `2026-12-03T0${i}:00:00.000Z`, { tagIds: [`t${i}`] }));
    const plan = planPost({ visibility: { userIds: [], departmentIds: [], tagIds: ["x"] }, onLimit: "move" }, [at("2026-12-03T13:30:00.000Z")], full, { timeZone: TZ, customerPostsPerDay: 9 });
    expect(plan.refused).toEqual([]);
    expect(plan.runs).toEqual([{ at: "2026-12-04T13:30:00.000Z", movedFrom: "2026-12-03T13:30:00.000Z", movedBecause: { reason: "member-daily-limit", detail: expect.any(String) } }]);
  });

  it("(property) whatever is scheduled, no planned run ever puts a member past 3 a day", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ day: fc.integer({ min: 3, max: 5 }), hour: fc.integer({ min: 0, max: 15 }), users: fc.subarray(["a", "b", "c"]) }), { maxLength: 12 }),
        fc.array(fc.record({ day: fc.integer({ min: 3, max: 5 }), hour: fc.integer({ min: 0, max: 15 }) }), { minLength: 1, maxLength: 6 }),
        fc.subarray(["a", "b", "c"]),
        fc.constantFrom<"refuse" | "move">("refuse", "move"),
        (existing, mine, users, onLimit) => {
          const iso = (d: number, h: number) => new Date(Date.UTC(2026, 11, d, h)).toISOString();
          const scheduled: ScheduledRun[] = [];
          // existing runs are themselves within the limit (they were planned)
          for (const e of existing) {
            const r = run(`e${scheduled.length}`, iso(e.day, e.hour), { broad: e.users.length === 0, userIds: e.users, tagIds: [`e${scheduled.length}`] });
            if (!breach(scheduled.filter((s) => s.at.slice(0, 10) === r.at.slice(0, 10)), r, 99)) scheduled.push(r);
          }
          const occ = [...new Set(mine.map((m) => iso(m.day, m.hour)))].map((x) => new Date(x));
          const plan = planPost({ visibility: { userIds: users, departmentIds: [], tagIds: ["mine"] }, onLimit }, occ, scheduled, { timeZone: "UTC", customerPostsPerDay: 99 });
          const all = [...scheduled, ...plan.runs.map((r) => run("new", r.at, { broad: users.length === 0, userIds: users }))];
          for (const d of new Set(all.map((r) => r.at.slice(0, 10)))) {
            for (const u of ["a", "b", "c"]) {
              const n = all.filter((r) => r.at.slice(0, 10) === d && (r.broad || r.userIds.includes(u))).length;
              expect(n).toBeLessThanOrEqual(3);
            }
          }
          expect(plan.runs.length + plan.refused.length).toBe(occ.length);
        },
      ),
    );
  });
});

describe("the corp-wide 10-a-minute limiter", () => {
  it("the 11th call inside a minute waits until the first leaves the (widened) window", () => {
    let recent: number[] = [];
    const t0 = 1_000_000;
    for (let i = 0; i < 10; i++) {
      const d = takeSlot(recent, t0 + i * 100);
      expect(d.ok).toBe(true);
      if (d.ok) recent = d.recent;
    }
    const eleventh = takeSlot(recent, t0 + 5_000);
    expect(eleventh).toEqual({ ok: false, retryAt: t0 + WINDOW_MS + MARGIN_MS });
    expect(takeSlot(recent, t0 + WINDOW_MS + MARGIN_MS).ok).toBe(true);
  });

  it("(property) the stored calls never hold 11 inside any minute", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 600_000 }), { maxLength: 200 }), (times) => {
        let recent: number[] = [];
        const made: number[] = [];
        for (const t of [...times].sort((a, b) => a - b)) {
          const d = takeSlot(recent, t);
          if (d.ok) {
            recent = d.recent;
            made.push(t);
          }
        }
        for (const t of made) expect(made.filter((x) => x > t - WINDOW_MS && x <= t).length).toBeLessThanOrEqual(10);
      }),
    );
  });
});

describe("reserving limiter slots ahead", () => {
  it("100 runs asking at once get 100 distinct slots, 10 a window, the last batch ~9 windows later", () => {
    let taken: number[] = [];
    const t0 = 5_000_000;
    const slots: number[] = [];
    for (let i = 0; i < 100; i++) {
      const r = reserveSlot(taken, t0 + i);
      taken = r.taken;
      slots.push(r.at);
    }
    expect(new Set(slots).size).toBe(100);
    const w = WINDOW_MS + MARGIN_MS;
    for (const x of slots) expect(slots.filter((s) => s > x - w && s <= x).length).toBeLessThanOrEqual(10);
    expect(Math.max(...slots) - t0).toBeLessThan(9 * w + 1000);
  });

  it("(property) however calls and reservations interleave, no window of 62 s ever holds 11", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300_000 }), { minLength: 1, maxLength: 80 }), (asks) => {
        let taken: number[] = [];
        const got: number[] = [];
        for (const t of [...asks].sort((a, b) => a - b)) {
          const r = reserveSlot(taken, t);
          expect(r.at).toBeGreaterThanOrEqual(t);
          taken = r.taken;
          got.push(r.at);
        }
        const w = WINDOW_MS + MARGIN_MS;
        for (const x of got) expect(got.filter((s) => s > x - w && s <= x).length).toBeLessThanOrEqual(10);
      }),
    );
  });
});

describe("a run's steps", () => {
  const r0 = newRun("p1", "2026-12-02T02:00:00.000Z", 24, [2]);
  const at = (iso: string) => new Date(iso);
  const on = { remindersOn: true };

  it("waits for its instant, prepares and sends in its window, is missed after it", () => {
    expect(nextStep(r0, at("2026-12-02T01:59:00.000Z"), on)).toEqual({ kind: "wait", until: "2026-12-02T02:00:00.000Z" });
    expect(nextStep(r0, at("2026-12-02T02:00:00.000Z"), on)).toEqual({ kind: "prepare" });
    const ready: RunRecord = { ...r0, state: "ready", attachments: [] };
    expect(nextStep(ready, at("2026-12-02T02:00:00.000Z"), on)).toEqual({ kind: "send" });
    expect(nextStep({ ...ready, nextAt: "2026-12-02T02:01:02.000Z" }, at("2026-12-02T02:00:30.000Z"), on)).toEqual({ kind: "wait", until: "2026-12-02T02:01:02.000Z" });
    expect(nextStep({ ...ready, cancelRequestedAt: "x", nextAt: "2026-12-02T02:01:02.000Z" }, at("2026-12-02T02:00:30.000Z"), on)).toEqual({ kind: "cancel-unsent" });
    const preparing: RunRecord = { ...r0, state: "preparing", claim: { token: "t", at: "2026-12-02T02:00:00.000Z" } };
    expect(nextStep(preparing, at("2026-12-02T02:01:00.000Z"), on).kind).toBe("wait");
    expect(nextStep(preparing, new Date(Date.parse("2026-12-02T02:00:00.000Z") + CLAIM_STALE_MS), on)).toEqual({ kind: "release" });
    expect(nextStep(r0, at("2026-12-03T02:00:00.000Z"), on)).toEqual({ kind: "miss" });
    expect(nextStep({ ...r0, cancelRequestedAt: "x" }, at("2026-12-02T02:00:00.000Z"), on)).toEqual({ kind: "cancel-unsent" });
  });

  it("a claimed run waits for its claim, then looks for a lost answer twice, a minute apart", () => {
    const claimed: RunRecord = { ...r0, state: "claimed", claim: { token: "t", at: "2026-12-02T02:00:00.000Z" } };
    const stale = new Date(Date.parse("2026-12-02T02:00:00.000Z") + CLAIM_STALE_MS);
    expect(nextStep(claimed, at("2026-12-02T02:01:00.000Z"), on)).toEqual({ kind: "wait", until: stale.toISOString() });
    expect(nextStep(claimed, stale, on)).toEqual({ kind: "find-lost" });
    expect(nextStep({ ...claimed, lostCheckAt: stale.toISOString() }, stale, on).kind).toBe("wait");
  });

  it("polls its jobid for 24 h at most; once created: reminders, tracking, the window's close, results for 7 days", () => {
    const sub: RunRecord = { ...r0, state: "submitted", jobid: "j", submittedAt: "2026-12-02T02:00:00.000Z" };
    expect(nextStep(sub, at("2026-12-02T02:01:00.000Z"), on)).toEqual({ kind: "poll" });
    expect(nextStep(sub, new Date(Date.parse("2026-12-02T02:00:00.000Z") + JOB_TTL_MS), on)).toEqual({ kind: "expire" });
    const created: RunRecord = { ...r0, state: "created", momentId: "m", trackedAt: "2026-12-02T02:00:00.000Z" };
    expect(nextStep(created, at("2026-12-02T02:01:00.000Z"), on)).toEqual({ kind: "wait", until: "2026-12-02T02:05:00.000Z" });
    expect(nextStep(created, at("2026-12-03T00:00:00.000Z"), on)).toEqual({ kind: "remind", index: 0 });
    expect(nextStep(created, at("2026-12-03T00:00:00.000Z"), { remindersOn: false })).toEqual({ kind: "track" });
    expect(nextStep(created, at("2026-12-03T02:00:00.000Z"), on)).toEqual({ kind: "close" });
    expect(nextStep({ ...created, cancelRequestedAt: "x" }, at("2026-12-02T03:00:00.000Z"), on)).toEqual({ kind: "cancel" });
    const closed: RunRecord = { ...created, state: "closed", closedAt: "2026-12-03T02:00:00.000Z" };
    expect(nextStep(closed, at("2026-12-03T02:00:00.000Z"), on)).toEqual({ kind: "collect", final: false });
    expect(nextStep({ ...closed, resultsAt: "2026-12-03T02:00:00.000Z" }, at("2026-12-03T03:00:00.000Z"), on)).toEqual({ kind: "wait", until: "2026-12-04T02:00:00.000Z" });
    expect(nextStep({ ...closed, resultsAt: "2026-12-08T02:00:00.000Z" }, at("2026-12-09T02:00:00.000Z"), on)).toEqual({ kind: "collect", final: true });
    expect(nextStep({ ...closed, finalAt: "x" }, at("2026-12-20T00:00:00.000Z"), on)).toEqual({ kind: "done" });
  });

  it("a lost answer's moment: corp-created, same text, made after the claim", () => {
    const claimed: RunRecord = { ...r0, state: "claimed", claim: { token: "t", at: "2026-12-02T02:00:00.000Z" } };
    const sec = Date.parse("2026-12-02T02:00:05.000Z") / 1000;
    expect(isLostMoment({ create_time: String(sec), create_type: 0, text: { content: "早安" } }, claimed, "早安")).toBe(true);
    expect(isLostMoment({ create_time: String(sec), create_type: 1, text: { content: "早安" } }, claimed, "早安")).toBe(false);
    expect(isLostMoment({ create_time: String(sec - 3600), create_type: 0, text: { content: "早安" } }, claimed, "早安")).toBe(false);
  });
});

describe("results", () => {
  it("per staff: reached only when published, losses of reached customers within 7 days", () => {
    const staff = staffResults({
      tasks: [
        { userid: "a", publish_status: 1 },
        { userid: "b", publish_status: 0 },
      ],
      reached: new Map([
        ["a", ["c1", "c2", "c2", "c3"]],
        ["b", ["c9"]],
      ]),
      interactions: new Map([["a", { likes: 2, comments: 1 }]]),
      lost: [
        { userId: "a", externalUserId: "c1", lostAt: "2026-12-03T00:00:00.000Z" },
        { userId: "a", externalUserId: "c2", lostAt: "2026-12-20T00:00:00.000Z" },
        { userId: "x", externalUserId: "c3", lostAt: "2026-12-03T00:00:00.000Z" },
      ],
      runAt: "2026-12-02T00:00:00.000Z",
    });
    expect(staff).toEqual([
      { userId: "a", published: true, reached: 3, likes: 2, comments: 1, losses: 1 },
      { userId: "b", published: false, reached: 0, likes: 0, comments: 0, losses: 0 },
    ]);
    const r = runResults({ at: "2026-12-02T00:00:00.000Z", state: "closed", momentId: "m" }, staff);
    expect(r).toMatchObject({ staffPublished: 1, staffTotal: 2, reached: 3, likes: 2, comments: 1, losses: 1, interactionRate: 1, lossRate: 0.3333 });
    const csv = resultsCsv("=早安", [r]);
    expect(csv.startsWith("\uFEFF朋友圈,")).toBe(true);
    expect(csv).toContain("'=早安,2026-12-02T00:00:00.000Z,closed,a,1,3,2,1,1\r\n");
  });
});
