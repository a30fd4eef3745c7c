import { describe, expect, it } from "vitest";
import { buildConsole, useBrowser } from "../support/browser.ts";
import { apiClient, simClient } from "../support/clients.ts";
import { usePlatform } from "../support/platform.ts";

/**
 * 群发 in the console (Chromium) against contact-intake, broadcast-scheduler and the strict WeCom
 * simulator: customers from scans of channels made through the API; the corp's receive rule set to
 * `day` and one customer already sent today's message; the form's API errors on their fields; the
 * preview's recipients and that customer left out with the reason in Chinese; create; the run sent to
 * WeCom, a reminder, one member confirming in the client, and the detail's progress and recipients'
 * states after 同步结果; 设置; edit, and cancel from the list. Screenshots: broadcasts-list, broadcasts-form-preview,
 * broadcasts-detail, broadcasts-settings.
 */
await buildConsole();
const platform = await usePlatform({ services: ["contact-intake", "broadcast-scheduler"], simulator: { seed: "empty", strict: true } });
const api = apiClient(platform);
const sim = simClient(platform);
const world = platform.simulator!.world;
const browser = useBrowser();

const ok = async (method: string, path: string, body?: unknown) => {
  const res = await api(method, path, body);
  expect(res.status, res.text).toBeLessThan(300);
  return res.json!;
};
/** The msgid of a member's task among the messages with this text (one message per add_msg_template call). */
const msgOf = (text: string, userId: string) => world.mass.all().find((m) => m.text === text && m.tasks.has(userId))!.msgid;

// ── the corp: two staff, a channel each, three customers scanning ──
for (const [userId, name] of [["zhangsan", "张三"], ["lisi", "李四"]]) await sim("staff", { userId, name });
const channelZ = await ok("POST", "/v1/channels", { name: "门店-张三", staff: ["zhangsan"] });
const channelL = await ok("POST", "/v1/channels", { name: "门店-李四", staff: ["lisi"] });
const scan = async (configId: string, name: string) => (await sim<{ externalUserId: string }>("scan-contact-way", { configId, name })).externalUserId;
const early = await scan(channelZ.configId, "顾客甲");
const z2 = await scan(channelZ.configId, "顾客乙");
const l1 = await scan(channelL.configId, "顾客丙");
await platform.drain();

// ── the corp's rule is one mass message per customer per day, and 顾客甲 got today's already ──
await sim("config", { receiveFrequency: "day" });
await ok("PUT", "/v1/broadcasts/settings", { customers: { wecom: "day" } });
const first = await ok("POST", "/v1/broadcasts", { name: "早间问候", audience: { chatType: "single", externalUserIds: [early] }, content: { text: "早上好" }, schedule: { kind: "now" } });
await platform.drain();
await sim("staff-confirm-broadcast", { msgId: msgOf("早上好", "zhangsan"), userId: "zhangsan" });
await ok("POST", `/v1/broadcasts/${first.campaignId}/sync`);

const text = "双12 全场 8 折，到店出示本消息再减 20 元";

describe("群发", () => {
  it("lists the campaigns with status, audience and progress", async () => {
    const page = browser.page;
    await page.goto(`${platform.gatewayUrl}/console/broadcasts`);
    const table = page.getByTestId("bc-table");
    await table.getByText("早间问候").waitFor({ timeout: 15_000 });
    const row = table.locator("tr").filter({ hasText: "早间问候" });
    expect(await row.getByText("发送中").isVisible()).toBe(true);
    expect(await row.getByText("指定客户 1 人").isVisible()).toBe(true);
    expect(await row.getByTestId("bc-row-progress").textContent()).toContain("1/1");
    await browser.shot("broadcasts-list");
  });

  it("shows the API's errors on their fields, and the plan with the left-out customer and why before creating", async () => {
    const page = browser.page;
    await page.getByTestId("bc-new").click();
    await page.getByTestId("bc-preview").click();
    await page.getByTestId("bc-plan").waitFor({ timeout: 15_000 });
    await page.getByTestId("bc-submit").click();
    const item = (testId: string) => page.locator(".ant-form-item").filter({ has: page.getByTestId(testId) });
    await item("bc-name").locator(".ant-form-item-explain-error").first().waitFor({ timeout: 15_000 });
    expect(await item("bc-text").locator(".ant-form-item-explain-error").textContent()).toContain("text or at least one attachment");

    await page.getByTestId("bc-name").fill("双12预告");
    await page.getByTestId("bc-text").fill(text);
    await page.getByTestId("bc-preview").click();
    const plan = page.getByTestId("bc-plan");
    await expect.poll(() => plan.getByTestId("bc-plan-planned").locator(".ant-statistic-content-value").textContent(), { timeout: 15_000 }).toBe("2");
    expect(await plan.getByTestId("bc-plan-senders").textContent()).toMatch(/zhangsan · 1.*lisi · 1|lisi · 1.*zhangsan · 1/);
    const excluded = plan.getByTestId("bc-plan-excluded").locator("tr").filter({ hasText: early });
    expect(await excluded.textContent()).toContain("已达企业微信群发接收上限：每天最多 1 条，今天已收到");
    await browser.shot("broadcasts-form-preview");
  });

  it("creates it; the run goes to WeCom, staff are reminded, one confirms, and the detail shows progress and each recipient's state", async () => {
    const page = browser.page;
    await page.getByTestId("bc-submit").click();
    const detail = page.getByTestId("bc-detail");
    await detail.waitFor({ timeout: 15_000 });
    await platform.drain();
    expect(world.mass.all().filter((m) => m.text === text).map((m) => [...m.tasks.keys()]).sort()).toEqual([["lisi"], ["zhangsan"]]);

    await page.getByTestId("bc-sync").click();
    await page.getByTestId("bc-notice").getByText("已同步").waitFor({ timeout: 15_000 });
    await page.getByTestId("bc-remind").click();
    await expect.poll(() => page.getByTestId("bc-notice").textContent(), { timeout: 15_000 }).toMatch(/已提醒：(lisi、zhangsan|zhangsan、lisi)/);

    await sim("staff-confirm-broadcast", { msgId: msgOf(text, "zhangsan"), userId: "zhangsan" });
    await page.getByTestId("bc-sync").click();
    const staff = page.getByTestId("bc-staff");
    await staff.locator("tr").filter({ hasText: "zhangsan" }).getByText("已发送").first().waitFor({ timeout: 15_000 });
    expect(await staff.locator("tr").filter({ hasText: "lisi" }).getByText("未发送").first().isVisible()).toBe(true);
    expect(await page.getByTestId("bc-progress-staff").textContent()).toContain("员工已发送 1 / 2");
    expect(await page.getByTestId("bc-progress-delivered").textContent()).toContain("客户已送达 1 / 2");

    const recipients = page.getByTestId("bc-recipients");
    const state = (id: string) => recipients.locator("tr").filter({ hasText: id });
    await state(z2).getByText("已送达").waitFor({ timeout: 15_000 });
    expect(await state(l1).getByText("待员工发送").isVisible()).toBe(true);
    expect(await state(early).textContent()).toContain("已达企业微信群发接收上限");
    await browser.shot("broadcasts-detail");

    // the recipients' state filter asks the API for one state
    await page.getByTestId("bc-recipient-status").click();
    await page.locator(".ant-select-item-option").filter({ hasText: "已送达" }).click();
    await expect.poll(() => recipients.locator("tbody tr.ant-table-row").count(), { timeout: 15_000 }).toBe(1);
    expect((await sim<{ violations: unknown[] }>("violations")).violations).toEqual([]);
  });

  it("设置 shows the corp's receive rule and saves quiet hours, a bad time refused on its field", async () => {
    const page = browser.page;
    await page.getByTestId("bc-tab-settings").click();
    const rule = page.getByTestId("bc-rule-customers");
    await rule.waitFor({ timeout: 15_000 });
    expect(await rule.locator(".ant-radio-wrapper-checked").textContent()).toBe("每天 1 条");
    // quiet hours for groups: a bad time is refused on its field, a good one saved
    await page.getByTestId("bc-add-quiet-groups").click();
    await page.getByTestId("bc-quiet-from-groups").fill("25:00");
    await page.getByTestId("bc-settings-save").click();
    await page.getByTestId("bc-quiet-groups").locator(".ant-form-item-explain-error").getByText("HH:MM").waitFor({ timeout: 15_000 });
    await page.getByTestId("bc-quiet-from-groups").fill("22:00");
    await page.getByTestId("bc-settings-save").click();
    await page.getByText("设置已保存").waitFor({ timeout: 15_000 });
    expect((await ok("GET", "/v1/broadcasts/settings")).groups.quietHours).toEqual([{ from: "22:00", to: "08:00" }]);
    await browser.shot("broadcasts-settings");
    await page.getByTestId("bc-tab-campaigns").click();
  });

  it("edits a scheduled campaign (the form filled from it), then cancels it from the list after a confirm", async () => {
    const page = browser.page;
    const at = new Date(Date.now() + 2 * 86_400_000).toISOString();
    await ok("POST", "/v1/broadcasts", { name: "周末活动", audience: { chatType: "single", staff: ["lisi"] }, content: { text: "周末见" }, schedule: { kind: "at", at } });
    await page.getByTestId("bc-back").click();
    let row = page.getByTestId("bc-table").locator("tr").filter({ hasText: "周末活动" });
    await row.getByText("待发送").waitFor({ timeout: 15_000 });
    await row.getByTestId("bc-edit").click();
    expect(await page.getByTestId("bc-name").inputValue()).toBe("周末活动");
    expect(await page.getByTestId("bc-staff").textContent()).toContain("lisi");
    await page.getByTestId("bc-name").fill("周末活动（改）");
    await page.getByTestId("bc-preview").click();
    // 顾客丙 may still get 双12 (its task is unsent) any day up to its deadline: under the day rule, no room that day
    const leftOut = page.getByTestId("bc-plan-excluded").locator("tr").filter({ hasText: l1 });
    expect(await leftOut.textContent({ timeout: 15_000 })).toContain("已达企业微信群发接收上限：每天最多 1 条");
    await page.getByTestId("bc-submit").click();
    await page.getByTestId("bc-detail").getByText("周末活动（改）").waitFor({ timeout: 15_000 });
    await page.getByTestId("bc-back").click();
    row = page.getByTestId("bc-table").locator("tr").filter({ hasText: "周末活动（改）" });
    await row.getByText("待发送").waitFor({ timeout: 15_000 });
    await row.getByTestId("bc-cancel").click();
    await page.locator(".ant-popconfirm").getByRole("button", { name: "取消群发" }).click();
    await row.getByText("已取消").waitFor({ timeout: 15_000 });

    await page.getByTestId("bc-status-filter").getByText("已取消").click();
    await expect.poll(() => page.getByTestId("bc-table").locator("tbody tr.ant-table-row").count(), { timeout: 15_000 }).toBe(1);
  });
});
