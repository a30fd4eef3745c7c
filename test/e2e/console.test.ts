import { beforeEach, describe, expect, it } from "vitest";
import { buildConsole, useBrowser } from "../support/browser.ts";
import { apiClient, simClient } from "../support/clients.ts";
import { usePlatform } from "../support/platform.ts";

/**
 * The operator console in Debian's Chromium (headless, driven by playwright-core) against the local
 * platform: 首页 in Chinese, a validation error on its field, a channel created in the UI, a customer
 * scanning it through the simulator, the add counted on 首页, the customer in 客户 with its detail, and 标签 with its sync. Screenshots: test/e2e/screenshots/.
 */
await buildConsole();
const platform = await usePlatform({ services: ["contact-intake", "churn-stats"], simulator: { seed: "empty", strict: true } });
const sim = simClient(platform);
const api = apiClient(platform);
await sim("staff", { userId: "liming", name: "李明" });
await sim("staff", { userId: "wangfang", name: "王芳" });

const browser = useBrowser();
const shot = (name: string) => browser.shot(name);

describe("console", () => {
  let page: import("playwright-core").Page;
  beforeEach(() => {
    page = browser.page;
  });

  it("opens 首页 in Chinese, signed in with the local dev token", async () => {
    const t0 = Date.now();
    await page.goto(`${platform.gatewayUrl}/console/`);
    await expect.poll(() => page.getByTestId("today-added").textContent(), { timeout: 15_000 }).toContain("今日新增");
    console.log(`console: 首页 figures rendered ${Date.now() - t0} ms after navigation`);
    await page.getByTestId("home-chart").locator("canvas").waitFor({ timeout: 15_000 });
    expect(await page.getByRole("menuitem", { name: "渠道活码" }).isVisible()).toBe(true);
    await shot("home-empty");
  });

  it("the console token endpoint answers loopback callers only", async () => {
    const res = await fetch(`${platform.gatewayUrl}/_local/console-token`);
    expect(res.status).toBe(200);
    const { token } = (await res.json()) as { token: string };
    expect((await api("GET", "/v1/channels", undefined, { token })).status).toBe(200);
  });

  it("渠道活码: an invalid form shows the API's errors on their fields (in Chinese), then a channel is created", async () => {
    await page.getByRole("menuitem", { name: "渠道活码" }).click();
    await page.getByTestId("empty").waitFor();
    await page.getByTestId("channel-create").click();
    await page.getByTestId("channel-submit").click();
    const itemOf = (testId: string) => page.locator(".ant-form-item").filter({ has: page.getByTestId(testId) }).last();
    // zod's too_small on name and on the first member's userId, each on its own field and worded in Chinese
    await expect.poll(() => itemOf("channel-name").locator(".ant-form-item-explain-error").first().textContent(), { timeout: 15_000 }).toBe("不能为空");
    await expect.poll(() => itemOf("staff-0-userId").locator(".ant-form-item-explain-error").first().textContent()).toBe("不能为空");
    await shot("channels-invalid");

    await page.getByTestId("channel-name").fill("门店海报");
    await page.getByTestId("staff-0-userId").fill("liming");
    await page.getByTestId("channel-submit").click();
    await page.getByTestId("channel-table").getByText("门店海报").waitFor({ timeout: 15_000 });
    await shot("channels-created");
  });

  it("渠道活码: edit sets a member's daily cap; a cap out of range is refused on that member's field", async () => {
    await page.getByTestId("channel-edit-门店海报").click();
    const cap = page.getByTestId("staff-0-dailyCap");
    await cap.fill("0");
    await page.getByTestId("channel-submit").click();
    const capItem = page.locator(".ant-form-item").filter({ has: cap }).last();
    await expect.poll(() => capItem.locator(".ant-form-item-explain-error").first().textContent(), { timeout: 15_000 }).toBe("不能少于 1");
    await cap.fill("2");
    await page.getByTestId("channel-submit").click();
    await page.getByText("已保存").waitFor({ timeout: 15_000 });
    const list = await api("GET", "/v1/channels");
    expect(list.json!.items.find((c: any) => c.name === "门店海报").staff).toEqual([{ userId: "liming", dailyCap: 2, weight: 1 }]);
  });

  it("a customer scans the new channel: 首页 counts the add", async () => {
    const list = await api("GET", "/v1/channels");
    const channel = list.json!.items.find((c: any) => c.name === "门店海报");
    expect(channel, list.text).toBeTruthy();
    const r = await sim<{ callbackStatus: number }>("scan-contact-way", { configId: channel.configId, name: "张三" });
    expect(r.callbackStatus).toBe(200);
    await platform.drain();
    await page.getByRole("menuitem", { name: "首页" }).click();
    await expect.poll(() => page.getByTestId("today-added").locator(".ant-statistic-content-value").textContent(), { timeout: 15_000 }).toBe("1");
    await page.getByTestId("home-chart").locator("canvas").waitFor();
    await shot("home");
    await page.getByRole("menuitem", { name: "渠道活码" }).click();
    await page.getByTestId("channel-open-门店海报").click();
    await expect.poll(() => page.getByTestId("today-liming").textContent(), { timeout: 15_000 }).toBe("1 / 2");
    await shot("channel-detail");
    await page.locator(".ant-drawer-close").click();
    await page.getByTestId("channel-detail").waitFor({ state: "detached" });
    await page.getByRole("menuitem", { name: "流失统计" }).click();
    await page.getByTestId("churn-counts").locator("canvas").waitFor({ timeout: 15_000 });
    await shot("churn");
  });

  it("客户: the scanned customer is listed, filters by staff, and its detail opens", async () => {
    await page.getByRole("menuitem", { name: "客户", exact: true }).click();
    const table = page.getByTestId("customer-table");
    await table.getByText("张三").waitFor({ timeout: 15_000 });
    expect(await table.getByText("跟进中").isVisible()).toBe(true);
    await shot("customers");

    await page.getByTestId("filter-staff").fill("nobody");
    await page.getByTestId("filter-search").click();
    await page.getByTestId("empty").waitFor();
    await page.getByTestId("filter-staff").fill("liming");
    await page.getByTestId("filter-search").click();
    await table.getByText("张三").waitFor();

    await table.getByText("张三").click();
    const detail = page.getByTestId("customer-detail");
    await detail.waitFor({ timeout: 15_000 });
    await detail.getByTestId("customer-relations").getByText("liming").waitFor();
    await detail.getByTestId("customer-timeline").getByText("添加好友").first().waitFor();
    await shot("customer-detail");
    await page.keyboard.press("Escape");
    await detail.waitFor({ state: "detached" });
  });

  it("客户继承: a transfer to the giver is refused on its field; 张三's transfer to 王芳 waits for the customer", async () => {
    await page.getByRole("menuitem", { name: "客户继承" }).click();
    await page.getByTestId("empty").waitFor({ timeout: 15_000 });
    await page.getByTestId("transfer-create").click();
    await page.getByTestId("transfer-from").fill("liming");
    await page.getByTestId("transfer-to").fill("liming");
    await page.getByTestId("transfer-submit").click();
    const toItem = page.locator(".ant-form-item").filter({ has: page.getByTestId("transfer-to") }).last();
    await toItem.locator(".ant-form-item-explain-error").first().waitFor({ timeout: 15_000 });
    await shot("transfer-invalid");

    await page.getByTestId("transfer-to").fill("wangfang");
    await page.getByTestId("transfer-submit").click();
    const detail = page.getByTestId("transfer-detail");
    await detail.waitFor({ timeout: 15_000 });
    await platform.drain();
    await page.getByTestId("transfer-refresh").click();
    await expect.poll(() => detail.getByTestId("transfer-count-waiting").locator(".ant-statistic-content-value").textContent(), { timeout: 15_000 }).toBe("1");
    await detail.getByTestId("transfer-customers-table").getByText("等待客户确认").waitFor();
    await shot("transfer-detail");
    await page.locator(".ant-drawer-close").click();
    await detail.waitFor({ state: "detached" });
    await page.getByTestId("transfer-table").getByText("wangfang").waitFor();
    expect((await sim<{ requests: unknown[] }>("requests?api=externalcontact%2Ftransfer_customer")).requests).toHaveLength(1);
  });

  it("标签: lists the corp tags and syncs them from WeCom", async () => {
    const created = await api("POST", "/v1/tags", { groupName: "客户等级", tags: [{ name: "VIP" }] });
    expect(created.status, created.text).toBeLessThan(300);
    await page.getByRole("menuitem", { name: "标签" }).click();
    await page.getByTestId("tag-table").getByText("VIP").waitFor({ timeout: 15_000 });
    await page.getByTestId("tags-sync").click();
    await page.getByText("同步完成").waitFor({ timeout: 15_000 });
    await page.getByTestId("tag-table").getByText("客户等级").waitFor();
    await shot("tags");
  });

  it("switches to English", async () => {
    await page.getByTestId("lang-toggle").click();
    await page.getByRole("menuitem", { name: "Home" }).click();
    await expect.poll(() => page.getByTestId("today-added").textContent()).toContain("Added today");
    await page.getByTestId("lang-toggle").click();
  });
});
