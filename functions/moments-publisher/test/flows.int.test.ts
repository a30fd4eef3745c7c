import { addDays, corpDay, corpTime } from "@siyu/kernel";
import { blobStore } from "@siyu/store";
import { describe, expect, it } from "vitest";
import { simClient } from "../../../test/support/clients.ts";
import { usePlatform } from "../../../test/support/platform.ts";
import { cancelPost, createPost, listPostViews, postDetail, postStats, postStatsCsv, previewPost } from "../src/app/posts.ts";
import { advanceRun } from "../src/app/runs.ts";
import { PlanRefused } from "../src/domain/errors.ts";
import { dueRuns, putLost } from "../src/store/posts.ts";
import { momentDeps } from "./support/deps.ts";

/**
 * Issue 13's acceptance against the strict simulator, the use cases in-process on the simulator's
 * clock (pollers off, so the test moves time for both and plays the per-minute job): a recurring
 * morning/night post to two tags with an image uploaded at run time; staff publishing through
 * `/_sim/staff-publish-moment`; per-staff status, a reminder to the member who has not published, the
 * window's close by moment id, reach, likes and a loss in the results; 12 posts due in one minute
 * reaching WeCom as 10, then 2 a minute later; a tick delivered twice making one task; a cancel before
 * the moment id is known never sending the jobid; and no violation.
 */
const platform = await usePlatform({ services: ["moments-publisher"], simulator: { seed: "empty", strict: true }, pollers: false });
const world = platform.simulator!.world;
const deps = momentDeps(platform);
const TZ = deps.config.timeZone;
const table = deps.config.table;

/** The per-minute job and the runs queue, in one: every due run advanced (concurrently, as consumers would). */
async function tick(): Promise<number> {
  const due = await dueRuns(table, deps.now());
  await Promise.all(due.map((d) => advanceRun(deps, d.postId, d.at)));
  return due.length;
}
const moveTo = (iso: Date) => {
  const ahead = iso.getTime() - world.clock.nowMs();
  expect(ahead).toBeGreaterThanOrEqual(0);
  world.clock.advance(ahead);
};
const sim = simClient(platform);
const requests = (api: string) => world.requests.entries.filter((r) => r.api === api);

// the corp: two tags, three members, customers tagged vip / new / neither
const { tags } = world.tags.add({ groupName: "会员等级", tags: [{ name: "VIP" }, { name: "新客" }] });
const [vip, fresh] = [tags[0]!.id, tags[1]!.id];
for (const [userid, name] of [["zhangsan", "张三"], ["lisi", "李四"], ["wangwu", "王五"]] as const) world.staff.add({ userid, name });
const customers: Record<string, string[]> = { zhangsan: [], lisi: [], wangwu: [] };
for (let i = 0; i < 9; i++) {
  const owner = (["zhangsan", "lisi", "wangwu"] as const)[i % 3]!;
  const { externalUserId } = world.customers.add({ name: `客户${i}` });
  world.customers.follow(owner, externalUserId, { addWay: 1, operUserid: externalUserId, tagIds: i < 3 ? [vip] : i < 6 ? [fresh] : [] });
  customers[owner]!.push(externalUserId);
}
// a 1×1 PNG, uploaded by "the console" to the stack's storage
const png = Uint8Array.from(Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64"));
await blobStore(deps.config).put("moments/image/cover.png", png, "image/png");

describe("a recurring morning and night post to two tags", () => {
  const today = corpDay(world.clock.now(), TZ);
  const day1 = addDays(today, 1);
  let postId: string;

  it("is planned at 08:00 and 21:30 corp time for two days, its image still only a key", async () => {
    const out = await createPost(deps, {
      name: "早晚安",
      content: { text: "早安☀️ 会员专享福利", images: [{ mediaKey: "moments/image/cover.png" }] },
      visibility: { tagIds: [vip, fresh] },
      schedule: { kind: "daily", times: ["08:00", "21:30"], from: day1, until: addDays(day1, 1) },
      windowHours: 12,
      reminders: { auto: true, hoursBeforeEnd: [2] },
    });
    postId = out.post.postId;
    expect("plan" in out.post && out.post.plan.schedule).toEqual([corpTime(day1, TZ, "08:00"), corpTime(day1, TZ, "21:30"), corpTime(addDays(day1, 1), TZ, "08:00"), corpTime(addDays(day1, 1), TZ, "21:30")].map((d) => d.toISOString()));
    expect(requests("media/upload_attachment")).toHaveLength(0);
    expect(await tick()).toBe(0);
  });

  it("runs at 08:00: the image uploaded now (attachment_type 1), one task to the two tags, its jobid polled to a moment", async () => {
    moveTo(corpTime(day1, TZ, "08:00"));
    await tick();
    expect(requests("media/upload_attachment")).toHaveLength(1);
    const adds = requests("externalcontact/add_moment_task");
    expect(adds.map((r) => r.errcode)).toEqual([0]);
    world.clock.advance(20_000);
    await tick();
    const run = (await postDetail(deps, postId)).runDetails[0]!;
    expect(run).toMatchObject({ state: "created", momentId: expect.any(String), jobid: expect.any(String), invalidTags: [] });
    const moment = world.moments.get(run.momentId!)!;
    // partly visible (by tag), with the uploaded image's media id
    expect(moment).toMatchObject({ text: "早安☀️ 会员专享福利", visibleType: 0 });
    expect(moment.attachments).toEqual([{ msgtype: "image", image: { media_id: expect.any(String) } }]);
    // every member whose customers carry the tags got a task: the tagged customers' follow users
    expect(world.moments.get(run.momentId!)!.tasks.size).toBe(3);
  });

  it("tracks each member's publishing, reminds the ones who have not, closes by moment id, and reports reach, likes and losses", async () => {
    const run0 = (await postDetail(deps, postId)).runDetails[0]!;
    const momentId = run0.momentId!;
    await sim("staff-publish-moment", { momentId, userId: "zhangsan" });
    await sim("staff-publish-moment", { momentId, userId: "lisi" });
    world.clock.advance(5 * 60_000);
    await tick();
    const tracked = (await postDetail(deps, postId)).runDetails[0]!;
    expect(tracked.staff).toMatchObject({ published: 2, total: 3 });
    expect(tracked.staffStatus).toEqual(expect.arrayContaining([{ userId: "wangwu", published: false }, { userId: "zhangsan", published: true }]));
    // 2 h before the window's end (20:00): an app message to wangwu only
    moveTo(corpTime(day1, TZ, "18:00"));
    await tick();
    const reminders = world.appMessages.sent.filter((m) => String((m.body as { text?: { content?: string } }).text?.content).includes("早晚安"));
    expect(reminders.map((m) => m.touser)).toEqual([["wangwu"]]);
    // a customer likes, another comments; one of zhangsan's reached customers deletes him
    const zsVisible = world.moments.get(momentId)!.tasks.get("zhangsan")!.visibleCustomers;
    expect(zsVisible.length).toBeGreaterThan(0);
    await sim("moment-interaction", { momentId, userId: "zhangsan", externalUserId: zsVisible[0], kind: "like" });
    await sim("moment-interaction", { momentId, userId: "zhangsan", externalUserId: zsVisible[0], kind: "comment", content: "想要" });
    await putLost(table, { userId: "zhangsan", externalUserId: zsVisible[0]!, lostAt: new Date(world.clock.nowMs()).toISOString() });
    await putLost(table, { userId: "zhangsan", externalUserId: zsVisible[0]!, lostAt: new Date(world.clock.nowMs()).toISOString() }); // redelivered
    moveTo(corpTime(day1, TZ, "20:00"));
    await tick();
    // the window's end: cancel_moment_task by moment id stops wangwu's unpublished task only
    expect(requests("externalcontact/cancel_moment_task").map((c) => c.errcode)).toEqual([0]);
    expect(world.moments.get(momentId)!.tasks.get("wangwu")!.cancelled).toBe(true);
    expect(world.moments.get(momentId)!.tasks.get("zhangsan")!.cancelled).toBe(false);
    const stats = await postStats(deps, postId);
    const reachedZs = zsVisible.length;
    const reachedLs = world.moments.get(momentId)!.tasks.get("lisi")!.visibleCustomers.length;
    expect(stats.runs[0]).toMatchObject({ staffPublished: 2, staffTotal: 3, reached: reachedZs + reachedLs, likes: 1, comments: 1, losses: 1 });
    expect(stats.runs[0]!.staff.find((s) => s.userId === "wangwu")).toMatchObject({ published: false, reached: 0 });
    const csv = (await postStatsCsv(deps, postId)).csv;
    expect(csv).toContain("zhangsan,1,");
  });

  it("the night run goes out at 21:30 as its own task", async () => {
    moveTo(corpTime(day1, TZ, "21:30"));
    await tick();
    expect(requests("externalcontact/add_moment_task")).toHaveLength(2);
    // its image was uploaded again: a WeCom media id is not kept past its run
    expect(requests("media/upload_attachment")).toHaveLength(2);
  });
});

describe("WeCom's limits are planned around, never hit", () => {
  it("a 4th post for a member on one day is refused before anything is scheduled; the preview says why", async () => {
    const day = addDays(corpDay(world.clock.now(), TZ), 5);
    const at = (hhmm: string) => corpTime(day, TZ, hhmm).toISOString();
    const third = { name: "午间15:00", content: { text: "第15:00条" }, visibility: { userIds: ["lisi"] }, schedule: { kind: "at", at: at("15:00") } };
    for (const hhmm of ["09:00", "12:00"]) {
      await createPost(deps, { name: `午间${hhmm}`, content: { text: `第${hhmm}条` }, visibility: { userIds: ["lisi"] }, schedule: { kind: "at", at: at(hhmm) } });
    }
    const { post: thirdPost } = await createPost(deps, third);
    // an edit's preview (16:00 instead of 15:00) leaves the post's own run out, as the edit itself does
    const edited = { ...third, schedule: { kind: "at", at: at("16:00") } };
    expect((await previewPost(deps, edited, thirdPost.postId)).plan.refused).toEqual([]);
    expect((await previewPost(deps, edited)).plan.refused).toHaveLength(1);
    const fourth = { name: "第四条", content: { text: "太多了" }, visibility: { userIds: ["lisi"] }, schedule: { kind: "at", at: at("18:00") } };
    const preview = await previewPost(deps, fourth);
    expect(preview.plan.refused).toEqual([{ at: at("18:00"), reason: "member-daily-limit", detail: expect.stringContaining("lisi") }]);
    await expect(createPost(deps, fourth)).rejects.toBeInstanceOf(PlanRefused);
    const moved = await createPost(deps, { ...fourth, onLimit: "move" });
    expect("plan" in moved.post && moved.post.plan.moved).toEqual([{ from: at("18:00"), to: corpTime(addDays(day, 1), TZ, "18:00").toISOString(), reason: "member-daily-limit", detail: expect.any(String) }]);
  });

  it("12 posts due in the same minute reach WeCom as 10, then 2 a minute later", async () => {
    // the night run's call is out of the limiter's minute
    world.clock.advance(120_000);
    const staff = Array.from({ length: 12 }, (_, i) => `burst${i}`);
    for (const userid of staff) world.staff.add({ userid, name: userid });
    const before = requests("externalcontact/add_moment_task").length;
    for (const userid of staff) await createPost(deps, { name: `快闪${userid}`, content: { text: `快闪 ${userid}` }, visibility: { userIds: [userid] }, schedule: { kind: "now" } });
    await tick();
    expect(requests("externalcontact/add_moment_task").length - before).toBe(10);
    world.clock.advance(30_000);
    await tick();
    expect(requests("externalcontact/add_moment_task").length - before).toBe(10);
    world.clock.advance(35_000);
    await tick();
    expect(requests("externalcontact/add_moment_task").length - before).toBe(12);
  });

  it("an edit while a run waits for its limiter slot cancels that run: only the new content reaches WeCom", async () => {
    world.clock.advance(120_000);
    const fill = Array.from({ length: 10 }, (_, i) => `fill${i}`);
    for (const userid of [...fill, "edited"]) world.staff.add({ userid, name: userid });
    for (const userid of fill) await createPost(deps, { name: `占位${userid}`, content: { text: `占位 ${userid}` }, visibility: { userIds: [userid] }, schedule: { kind: "now" } });
    await tick();
    const { post } = await createPost(deps, { name: "改前", content: { text: "旧内容" }, visibility: { userIds: ["edited"] }, schedule: { kind: "now" } });
    await tick();
    expect((await postDetail(deps, post.postId)).runDetails[0]!.state).toBe("ready");
    const { updatePost } = await import("../src/app/posts.ts");
    await updatePost(deps, post.postId, { content: { text: "新内容" } });
    world.clock.advance(65_000);
    await tick();
    world.clock.advance(20_000);
    await tick();
    const texts = world.moments.all().map((m) => m.text);
    expect(texts).toContain("新内容");
    expect(texts).not.toContain("旧内容");
    expect((await postDetail(deps, post.postId)).runDetails.map((r) => r.state).sort()).toEqual(["cancelled", "created"]);
  });

  it("a tick delivered twice (and the job racing a consumer) makes one task", async () => {
    world.clock.advance(120_000);
    world.staff.add({ userid: "twice", name: "twice" });
    const before = requests("externalcontact/add_moment_task").length;
    const { post } = await createPost(deps, { name: "一次", content: { text: "只发一次" }, visibility: { userIds: ["twice"] }, schedule: { kind: "now" } });
    const [run] = (await postDetail(deps, post.postId)).runDetails;
    await Promise.all([advanceRun(deps, post.postId, run!.at), advanceRun(deps, post.postId, run!.at), tick(), tick()]);
    expect(requests("externalcontact/add_moment_task").length - before).toBe(1);
  });

  it("a cancel before the moment id is known waits for it: cancel_moment_task never gets the jobid", async () => {
    world.clock.advance(120_000);
    world.staff.add({ userid: "early", name: "early" });
    const { post } = await createPost(deps, { name: "撤回", content: { text: "马上撤回" }, visibility: { userIds: ["early"] }, schedule: { kind: "now" } });
    await tick();
    const submitted = (await postDetail(deps, post.postId)).runDetails[0]!;
    expect(submitted).toMatchObject({ state: "submitted", jobid: expect.any(String), momentId: null });
    await cancelPost(deps, post.postId);
    world.clock.advance(20_000);
    await tick();
    const after = (await postDetail(deps, post.postId)).runDetails[0]!;
    expect(after).toMatchObject({ state: "closed", momentId: expect.any(String) });
    // WeCom answers a jobid given as a moment id with 41060 (and the simulator records it): every cancel here succeeded
    expect(requests("externalcontact/cancel_moment_task").map((c) => c.errcode).every((e) => e === 0)).toBe(true);
    expect(world.moments.get(after.momentId!)!.tasks.get("early")!.cancelled).toBe(true);
  });

  it("the list filters by state (a filtered page may be short; the cursor goes on)", async () => {
    const ids = async (state?: "scheduled" | "running" | "finished" | "cancelled") => {
      const out: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await listPostViews(deps, { limit: 3, cursor, state });
        out.push(...page.items.map((p) => { expect(state === undefined || p.state === state).toBe(true); return p.postId; }));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return out;
    };
    const [all, cancelled, scheduled] = [await ids(), await ids("cancelled"), await ids("scheduled")];
    expect(cancelled).toHaveLength(1);
    expect(scheduled.length).toBeGreaterThan(0);
    expect(all.length).toBeGreaterThan(cancelled.length + scheduled.length - 1);
    expect(all).toEqual(expect.arrayContaining([...cancelled, ...scheduled]));
  });

  it("a lost add_moment_task answer: the run finds its moment in get_moment_list and adopts it — one task, never a second", async () => {
    world.clock.advance(120_000);
    world.staff.add({ userid: "lost", name: "lost" });
    const before = requests("externalcontact/add_moment_task").length;
    // WeCom makes the task but the answer comes after the client's timeout
    await sim("faults", { api: "externalcontact/add_moment_task", errcode: 0, delayMs: 6000, times: 1 });
    const { post } = await createPost(deps, { name: "丢失的回答", content: { text: "回答丢了也只发一次" }, visibility: { userIds: ["lost"] }, schedule: { kind: "now" } });
    await tick();
    expect((await postDetail(deps, post.postId)).runDetails[0]).toMatchObject({ state: "claimed", jobid: null });
    // the claim goes stale; the run looks for its moment before anything is sent again
    // (WeCom takes the delayed request after the client gave up: wait until it has, however loaded the machine)
    const made = () => requests("externalcontact/add_moment_task").at(-1)?.errcode === 0;
    for (const until = Date.now() + 20_000; !made() && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
    expect(made()).toBe(true);
    world.clock.advance(2 * 60_000);
    await tick();
    const run = (await postDetail(deps, post.postId)).runDetails[0]!;
    expect(run).toMatchObject({ state: "created", momentId: expect.any(String) });
    expect(world.moments.get(run.momentId!)!.text).toBe("回答丢了也只发一次");
    expect(requests("externalcontact/add_moment_task").length - before).toBe(1);
  }, 30_000);

  it("a refusal (41048) fails the run with its reason; nothing is retried", async () => {
    world.clock.advance(120_000);
    world.staff.add({ userid: "refused", name: "refused" });
    const before = requests("externalcontact/add_moment_task").length;
    await sim("faults", { api: "externalcontact/add_moment_task", errcode: 41048, times: 1 });
    const refused = (await createPost(deps, { name: "拒", content: { text: "被拒" }, visibility: { userIds: ["refused"] }, schedule: { kind: "now" } })).post;
    await tick();
    expect((await postDetail(deps, refused.postId)).runDetails[0]).toMatchObject({ state: "failed", error: { errcode: 41048 } });
    world.clock.advance(120_000);
    await tick();
    expect(requests("externalcontact/add_moment_task").length - before).toBe(1);
  });

  it("WeCom rate-limited (45009): the run is ready again after a wait, then sent — one task", async () => {
    world.clock.advance(120_000);
    world.staff.add({ userid: "busy", name: "busy" });
    const before = requests("externalcontact/add_moment_task").length;
    await sim("faults", { api: "externalcontact/add_moment_task", errcode: 45009, times: 1 });
    const busy = (await createPost(deps, { name: "忙", content: { text: "稍后再试" }, visibility: { userIds: ["busy"] }, schedule: { kind: "now" } })).post;
    await tick();
    expect((await postDetail(deps, busy.postId)).runDetails[0]).toMatchObject({ state: "ready", error: { errcode: 45009 } });
    // not before its wait is over
    await tick();
    expect(requests("externalcontact/add_moment_task").length - before).toBe(1);
    world.clock.advance(70_000);
    await tick();
    expect((await postDetail(deps, busy.postId)).runDetails[0]!.state).toMatch(/^(submitted|created)$/);
    expect(requests("externalcontact/add_moment_task").slice(before).map((r) => r.errcode)).toEqual([45009, 0]);
  });

  it("the simulator saw no call WeCom would reject for a limit or frequency rule", () => {
    expect(world.violations.entries).toEqual([]);
  });
});
