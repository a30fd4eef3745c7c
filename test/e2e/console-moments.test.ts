import { describe, expect, it } from "vitest";
import { buildConsole, useBrowser } from "../support/browser.ts";
import { apiClient, simClient } from "../support/clients.ts";
import { eventually, usePlatform } from "../support/platform.ts";

/**
 * The console's 朋友圈 pages in Chromium against the local platform (the moments e2e's services, the
 * strict simulator): an invalid form shows the API's errors on their fields; 设置 saves the corp's
 * per-customer limit; a post made in the UI with an uploaded image, the phone preview showing it as
 * typed, the plan shown before create (first with a run refused and why, in Chinese); the
 * calendar shows it on its day (and a recurring post on each of its days); its run goes out (the runs
 * queue and the per-minute job, as the service e2e drives them), one of its two members publishes
 * through `/_sim/staff-publish-moment`, the post is cancelled in the UI (its window closes by moment
 * id and results are collected), and 结果 shows 1/2 published. Screenshots: test/e2e/screenshots/.
 */
await buildConsole();
const platform = await usePlatform({ services: ["contact-intake", "moments-publisher"], simulator: { seed: "empty", strict: true } });
const api = apiClient(platform);
const sim = simClient(platform);

await sim("staff", { userId: "zhangsan", name: "张三" });
await sim("staff", { userId: "lisi", name: "李四" });
await sim("staff", { userId: "wangwu", name: "王五" });
const { externalUserId } = await sim<{ externalUserId: string }>("customers", { name: "顾客甲" });
await sim("staff-adds-customer", { userId: "zhangsan", externalUserId });
await platform.drain();

const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
const corpDay = (d: Date) => new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" }).format(d);
const today = corpDay(new Date());
const inDays = (n: number) => corpDay(new Date(Date.now() + n * 86_400_000));

// a recurring post (made through the API): the calendar shows it on each of its days
const daily = await api("POST", "/v1/moments", { name: "早安问候", content: { text: "早安☀️" }, visibility: { userIds: ["lisi"] }, schedule: { kind: "daily", times: ["08:00"], from: inDays(1), until: inDays(3) } });
expect(daily.status, daily.text).toBe(201);
// lisi posts today already: with 1 post a customer may see a day, a second one reaching lisi's customers is refused
const first = await api("POST", "/v1/moments", { name: "今日推荐", content: { text: "今日推荐" }, visibility: { userIds: ["lisi"] }, schedule: { kind: "now" } });
expect(first.status, first.text).toBe(201);

const browser = useBrowser();
const item = (testId: string) => browser.page.locator(".ant-form-item").filter({ has: browser.page.getByTestId(testId) });

describe("console 朋友圈", () => {
  it("an invalid form shows the API's errors on their fields", async () => {
    const page = browser.page;
    await page.goto(`${platform.gatewayUrl}/console/moments`);
    await page.getByTestId("moment-calendar").waitFor({ timeout: 15_000 });
    await page.getByTestId("moment-new").click();
    await page.getByTestId("moment-check").click();
    await expect.poll(() => item("moment-name").locator(".ant-form-item-explain-error").first().textContent(), { timeout: 15_000 }).toContain("不能为空");
    expect(await item("moment-text").locator(".ant-form-item-explain-error").first().textContent()).toContain("a moment needs text or an attachment");
    expect(await page.getByTestId("moment-plan").count()).toBe(0);
  });

  it("设置: the corp's per-customer daily limit is saved", async () => {
    const page = browser.page;
    await page.getByRole("button", { name: /取\s*消/ }).first().click();
    await page.getByTestId("moment-name").waitFor({ state: "detached" });
    await page.getByTestId("moment-settings-tab").click();
    await page.getByTestId("moment-customer-posts").fill("1");
    await page.getByTestId("moment-settings-save").click();
    await page.getByText("设置已保存").waitFor({ timeout: 15_000 });
    expect((await api("GET", "/v1/moments/settings")).json!.customerPostsPerDay).toBe(1);
  });

  it("a post with an uploaded image: the phone preview follows the form, the plan (a refused run and why) shows before create", async () => {
    const page = browser.page;
    await page.getByTestId("moment-new").click();
    await page.getByTestId("moment-name").fill("新品上市");
    await page.getByTestId("moment-text").fill("新品上市，会员 9 折");
    await expect.poll(() => page.getByTestId("moment-preview-text").textContent()).toBe("新品上市，会员 9 折");
    await page.getByTestId("moment-attach").getByText("图片（最多 9 张）").click();
    await page.getByTestId("moment-images").setInputFiles({ name: "新品.png", mimeType: "image/png", buffer: png });
    await page.getByTestId("moment-preview-images").locator("img").waitFor({ timeout: 15_000 });
    await item("moment-senders").locator("input").fill("zhangsan,");
    await item("moment-senders").locator("input").fill("lisi,");
    await expect.poll(() => page.getByTestId("moment-phone").textContent()).toContain("zhangsan");

    // lisi's customers have seen today's post: the run is refused, in Chinese, and create stays disabled
    await page.getByTestId("moment-check").click();
    const plan = page.getByTestId("moment-plan");
    await plan.getByTestId("plan-reason-refused").waitFor({ timeout: 15_000 });
    expect(await plan.getByTestId("plan-reason-refused").textContent()).toContain("客户当天可能看到超过 1 条朋友圈（企业设置）");
    expect(await page.getByTestId("moment-create-submit").isDisabled()).toBe(true);
    await browser.shot("moments-plan-refused");

    await item("moment-senders").locator(".ant-select-selection-item").filter({ hasText: "lisi" }).locator(".ant-select-selection-item-remove").click();
    await item("moment-senders").locator("input").fill("wangwu,");
    await page.getByTestId("moment-check").click();
    await plan.waitFor({ timeout: 15_000 });
    expect(await plan.textContent()).toContain("共 1 次发表");
    expect(await plan.getByText("可以发表").count()).toBe(1);
    await page.locator(".ant-modal-body").evaluate((body) => body.scrollTo(0, 0));
    await browser.shot("moments-form");

    await page.getByTestId("moment-create-submit").click();
    await page.getByText("已创建朋友圈").waitFor({ timeout: 15_000 });
    await page.getByTestId("moment-name").waitFor({ state: "detached" });
    const list = await api("GET", "/v1/moments");
    const post = list.json!.items.find((p: { name: string }) => p.name === "新品上市");
    expect(post).toMatchObject({ content: { text: "新品上市，会员 9 折", images: [{ mediaKey: expect.stringMatching(/^moments\/image\//) }] }, visibility: { userIds: ["zhangsan", "wangwu"] } });
  });

  it("the calendar shows the post on its day and the recurring one on each of its days", async () => {
    const page = browser.page;
    await page.getByTestId("moment-calendar-tab").click();
    await page.getByTestId(`moment-day-${today}`).getByText("新品上市").waitFor({ timeout: 15_000 });
    for (const day of [inDays(1), inDays(2), inDays(3)].filter((d) => d.slice(0, 7) === today.slice(0, 7))) {
      expect(await page.getByTestId(`moment-day-${day}`).textContent()).toContain("08:00 早安问候");
    }
    await page.waitForTimeout(400); // the tabs' ink bar slides to 日历
    await browser.shot("moments-calendar");
    await page.getByTestId("moment-list-tab").click();
    await page.getByTestId("moment-table").getByText("早安问候").waitFor();
    await page.getByTestId("moment-state-filter").getByText("已取消").click();
    await page.getByTestId("empty").waitFor();
    await page.getByTestId("moment-state-filter").getByText("全部").click();
    await page.getByTestId("moment-table").getByText("新品上市").waitFor();
  });

  it("the run goes out, one of two members publishes, the post is cancelled: 结果 shows 1/2 published", async () => {
    const page = browser.page;
    const postId = (await api("GET", "/v1/moments")).json!.items.find((p: { name: string }) => p.name === "新品上市").postId as string;
    // the runs queue sends it; the per-minute job polls the jobid until WeCom has the moment
    const momentId = await eventually(
      async () => {
        await platform.drain();
        await platform.runSchedule("moments-publisher", "due");
        await platform.drain();
        return (await api("GET", `/v1/moments/${postId}`)).json!.runDetails[0].momentId as string | null;
      },
      30_000,
      "the moment created",
    );
    await sim("staff-publish-moment", { momentId, userId: "zhangsan" });

    await page.getByTestId("moment-table").getByText("新品上市").click();
    const drawer = page.locator(".ant-drawer");
    await drawer.getByTestId("moment-runs").getByText("员工发表中").waitFor({ timeout: 15_000 });
    await drawer.getByTestId("moment-cancel").click();
    await page.getByTestId("moment-cancel-ok").click();
    await drawer.locator(".ant-drawer-title").getByText("已取消").waitFor({ timeout: 15_000 });
    // the cancel closes the moment by its id; the results are collected at the close
    await eventually(
      async () => {
        await platform.drain();
        await platform.runSchedule("moments-publisher", "due");
        await platform.drain();
        return (await api("GET", `/v1/moments/${postId}/stats`)).json!.totals.runsWithResults === 1;
      },
      30_000,
      "results collected",
    );
    await drawer.getByTestId("moment-refresh").click();
    await drawer.getByTestId("moment-results-tab").click();
    const results = drawer.getByTestId("moment-results");
    await expect.poll(() => results.getByTestId("moment-published").textContent(), { timeout: 15_000 }).toBe("1/2");
    expect(await results.getByTestId("moment-reached").textContent()).toContain("1");
    const staff = results.getByTestId("moment-staff-table");
    expect(await staff.locator("tr").filter({ hasText: "zhangsan" }).textContent()).toContain("已发表");
    expect(await staff.locator("tr").filter({ hasText: "wangwu" }).textContent()).toContain("未发表");
    const download = page.waitForEvent("download");
    await results.getByTestId("moment-csv").click();
    expect((await download).suggestedFilename()).toBe(`moment-${postId}.csv`);
    await browser.shot("moments-results");
  });

  it("编辑: a post that has not run yet is edited (planned again as a whole)", async () => {
    const page = browser.page;
    await page.locator(".ant-drawer-close").click();
    await page.locator(".ant-drawer-title").waitFor({ state: "detached" });
    await page.getByTestId("moment-table").getByText("早安问候").click();
    await page.getByTestId("moment-edit").click();
    await page.getByTestId("moment-text").fill("早安☀️ 今天也有会员福利");
    // its own runs are left out of its plan: the 3 days still fit the corp's 1 a day
    await page.getByTestId("moment-check").click();
    await expect.poll(() => page.getByTestId("moment-plan").textContent(), { timeout: 15_000 }).toContain("共 3 次发表");
    expect(await page.getByTestId("moment-plan").getByText("可以发表").count()).toBe(3);
    await page.getByTestId("moment-save").click();
    await page.getByText("已保存").waitFor({ timeout: 15_000 });
    const post = (await api("GET", `/v1/moments/${daily.json!.postId}`)).json!;
    expect(post).toMatchObject({ content: { text: "早安☀️ 今天也有会员福利" }, schedule: { kind: "daily", times: ["08:00"], from: inDays(1), until: inDays(3) }, runs: 3 });
    await page.locator(".ant-drawer").getByTestId("moment-preview-text").getByText("今天也有会员福利").waitFor();
  });

  it("the simulator saw no call WeCom would reject for a limit or frequency rule", async () => {
    expect((await sim<{ violations: unknown[] }>("violations")).violations).toEqual([]);
  });
});
