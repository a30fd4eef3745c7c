import type { Locator, Page } from "playwright-core";
import { beforeEach, describe, expect, it } from "vitest";
import { buildConsole, useBrowser } from "../support/browser.ts";
import { apiClient, simClient } from "../support/clients.ts";
import { usePlatform } from "../support/platform.ts";

/**
 * 群活码 in the console (Chromium) against the local platform and the strict simulator: an invalid form
 * shows the API's errors on their fields (the name, the capacity, a pool row's unknown chat id), a
 * native code is created over 3 simulator groups in the UI, customers join through its QR until the
 * first group is full, the detail shows that group full (its fill bar at capacity) and the join way
 * listing the others, the stats chart draws, an edit swaps a group of the pool, a landing code with no
 * group shows why it cannot route and its landing QR, and the code is archived from the list. Screenshots:
 * group-codes-form-errors, group-codes-form-pool-error, group-codes-list, group-codes-detail, group-codes-edit.
 */
await buildConsole();
const platform = await usePlatform({ services: ["contact-intake", "group-live-code"], simulator: { seed: "empty", strict: true } });
const sim = simClient(platform);
const api = apiClient(platform);
const CAPACITY = 3;

for (const [userId, name] of [["zhangsan", "张三"], ["lisi", "李四"]]) await sim("staff", { userId, name });
const chatIds: string[] = [];
for (let i = 1; i <= 3; i++) chatIds.push((await sim<{ chatId: string }>("groups", { ownerUserId: "zhangsan", name: `会员${i}群` })).chatId);
// one more group, added by an edit
const extra = (await sim<{ chatId: string }>("groups", { ownerUserId: "lisi", name: "会员4群" })).chatId;
await platform.drain();

const browser = useBrowser();

/** The errors under the form item (within `scope`) that holds the element of `testId`. */
const errorsOf = (scope: Page | Locator, testId: string) => {
  // `has` is matched inside each candidate: the inner locator must start from the page, not the scope
  const page = "goto" in scope ? scope : scope.page();
  return scope.locator(".ant-form-item").filter({ has: page.getByTestId(testId) }).locator(".ant-form-item-explain-error");
};
/** The `<input>` of a test id (antd puts the id on the input or on its wrapper). */
const inputOf = (l: Locator) => l.locator("xpath=descendant-or-self::input").first();

describe("console 群活码", () => {
  let page: Page;
  beforeEach(() => {
    page = browser.page;
  });

  it("an invalid form shows each API error on its field, then a code over 3 groups is created", async () => {
    await page.goto(`${platform.gatewayUrl}/console/`);
    await page.getByRole("menuitem", { name: "群活码" }).click();
    await page.getByTestId("empty").waitFor({ timeout: 15_000 });
    // the form is taller than the default viewport: a tall one shows all of it in the screenshots
    await page.setViewportSize({ width: 1280, height: 1400 });
    await page.getByTestId("code-create").click();

    // no name and a capacity WeCom cannot route: both fields show the API's message
    const name = page.getByTestId("code-name");
    const capacity = inputOf(page.getByTestId("code-capacity"));
    await capacity.fill("500");
    await page.getByTestId("code-submit").click();
    await errorsOf(page, "code-name").first().waitFor({ timeout: 10_000 });
    expect(await errorsOf(page, "code-capacity").first().textContent()).toContain("200");
    await browser.shot("group-codes-form-errors");

    // a group WeCom does not know: the error is on that row's chat id
    await name.fill("会员福利群");
    await capacity.fill(String(CAPACITY));
    const rows = page.getByTestId("pool-row");
    await inputOf(rows.nth(0).getByTestId("pool-chat-id")).fill("wrNOPE");
    await inputOf(rows.nth(0).getByTestId("pool-owner")).fill("zhangsan");
    await page.getByTestId("code-submit").click();
    await expect.poll(() => errorsOf(rows.nth(0), "pool-chat-id").allTextContents(), { timeout: 10_000 }).toEqual([expect.stringContaining("does not know")]);
    expect(await errorsOf(page, "code-name").count()).toBe(0);
    await page.getByTestId("code-welcome").fill("欢迎加入会员福利群，回复 1 领取新人券");
    await browser.shot("group-codes-form-pool-error");

    for (let i = 0; i < chatIds.length; i++) {
      if (i > 0) await page.getByTestId("code-add-group").click();
      await inputOf(rows.nth(i).getByTestId("pool-chat-id")).fill(chatIds[i]!);
      await inputOf(rows.nth(i).getByTestId("pool-owner")).fill("zhangsan");
    }
    await page.getByTestId("code-submit").click();
    const table = page.getByTestId("code-table");
    await table.getByText("会员福利群").waitFor({ timeout: 15_000 });
    await page.getByTestId("code-form").waitFor({ state: "detached" });
    expect(await table.getByText("3 个群 · 0 个已满").isVisible()).toBe(true);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it("customers join through the simulator until a group is full: the detail shows it full, the others listed, and the stats chart", async () => {
    await platform.drain();
    const code = (await api("GET", "/v1/group-codes?status=active")).json!.items[0];
    expect(code.joinWay.configId, JSON.stringify(code)).toEqual(expect.any(String));
    // each group holds its owner: CAPACITY - 1 customers fill the first (WeCom routes to the first listed with room)
    const joined: { chatId: string; externalUserId: string }[] = [];
    for (let i = 1; i < CAPACITY; i++) joined.push(await sim<{ chatId: string; externalUserId: string }>("join-group", { configId: code.joinWay.configId, name: `顾客${i}` }));
    expect(joined.map((j) => j.chatId)).toEqual([chatIds[0], chatIds[0]]);
    // one of them is invited into a second group too: a duplicate across the code's groups
    await sim("invite-to-group", { chatId: chatIds[1], externalUserId: joined[0]!.externalUserId });
    await platform.drain();

    await page.reload();
    const table = page.getByTestId("code-table");
    await table.getByText("3 个群 · 1 个已满").waitFor({ timeout: 15_000 });
    await browser.shot("group-codes-list");

    await table.getByTestId("code-open").first().click();
    const detail = page.getByTestId("code-detail");
    await detail.waitFor({ timeout: 15_000 });
    const full = detail.locator(`tr[data-row-key="${chatIds[0]}"]`);
    await full.getByText("已满").waitFor({ timeout: 10_000 });
    expect(await full.getByTestId("fill-bar").textContent()).toContain(`${CAPACITY}/${CAPACITY}`);
    expect(await full.getByText("当前展示").count()).toBe(0);
    for (const id of chatIds.slice(1)) {
      const row = detail.locator(`tr[data-row-key="${id}"]`);
      await row.getByText("当前展示").waitFor();
      expect(await row.getByText("已满").count()).toBe(0);
    }
    expect(await detail.locator(`tr[data-row-key="${chatIds[1]}"]`).getByTestId("fill-bar").textContent()).toContain(`2/${CAPACITY}`);
    // the welcome template exists in WeCom and each listed group's owner was told to pick it
    await detail.getByTestId("welcome-template").getByText("已创建").waitFor();
    expect(await detail.getByText("已通知").count()).toBeGreaterThanOrEqual(2);
    await detail.getByTestId("code-stats-chart").locator("canvas").waitFor({ timeout: 15_000 });
    expect(await detail.getByTestId("stat-duplicates").locator(".ant-statistic-content-value").textContent()).toBe("1");
    // the drawer scrolls inside the viewport: a tall one shows all of it
    await page.setViewportSize({ width: 1280, height: 1500 });
    await browser.shot("group-codes-detail");
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.keyboard.press("Escape");
    await detail.waitFor({ state: "detached" });
  });

  it("an edit removes a group and adds another; the mode cannot change", async () => {
    const table = page.getByTestId("code-table");
    await table.getByTestId("code-edit").click();
    const rows = page.getByTestId("pool-row");
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(3);
    expect(await page.getByTestId("code-mode").locator("xpath=ancestor-or-self::*[contains(@class,'ant-select')]").first().getAttribute("class")).toContain("disabled");
    // an existing group is kept or removed, not edited
    expect(await inputOf(rows.nth(0).getByTestId("pool-chat-id")).isDisabled()).toBe(true);
    await rows.nth(2).getByTestId("pool-remove").click();
    await page.getByTestId("code-add-group").click();
    await inputOf(rows.nth(2).getByTestId("pool-chat-id")).fill(extra);
    await inputOf(rows.nth(2).getByTestId("pool-owner")).fill("lisi");
    await browser.shot("group-codes-edit");
    await page.getByTestId("code-submit").click();
    await page.getByTestId("code-form").waitFor({ state: "detached", timeout: 15_000 });
    const code = (await api("GET", "/v1/group-codes?status=active")).json!.items[0];
    const d = (await api("GET", `/v1/group-codes/${code.codeId}`)).json!;
    expect(d.groups.map((g: { chatId: string }) => g.chatId)).toEqual([chatIds[0], chatIds[1], extra]);
    expect(d.mode).toBe("native");
  });

  it("the QR shows the join way's image (a landing code's: its URL's); archive from the list moves the code to 已停用", async () => {
    const table = page.getByTestId("code-table");
    await table.getByTestId("code-qr").click();
    await page.getByTestId("qr-native").locator("img").waitFor();
    await page.locator(".ant-modal-close").click();
    await page.getByTestId("qr-native").waitFor({ state: "detached" });

    // a landing code with no group yet: it says why it cannot route, and its QR is its landing URL's
    const landing = await api("POST", "/v1/group-codes", { name: "落地页码", mode: "landing", ownerUserId: "zhangsan" });
    expect(landing.status, landing.text).toBe(201);
    await platform.drain();
    await page.reload();
    const landingRow = table.locator(`tr[data-row-key="${landing.json!.codeId}"]`);
    await landingRow.getByText("无法入群：没有可用的群").waitFor({ timeout: 15_000 });
    await landingRow.getByTestId("code-qr").click();
    await page.getByTestId("qr-landing").locator("canvas").waitFor();
    expect(await page.getByTestId("qr-landing").textContent()).toContain(`/g/${landing.json!.codeId}`);
    await page.locator(".ant-modal-close").click();
    await page.getByTestId("qr-landing").waitFor({ state: "detached" });

    const native = table.locator("tr").filter({ hasText: "会员福利群" });
    await native.getByTestId("code-archive").click();
    await page.getByTestId("code-archive-ok").click();
    await native.waitFor({ state: "detached", timeout: 15_000 });
    await page.getByTestId("code-status").getByText("已停用").click();
    await page.getByTestId("code-table").getByText("会员福利群").waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("code-table").getByText("落地页码").count()).toBe(0);
    expect((await api("GET", "/v1/group-codes?status=archived")).json!.items).toHaveLength(1);
  });

  it("the simulator saw no call WeCom would reject", async () => {
    expect((await sim<{ violations: unknown[] }>("violations")).violations).toEqual([]);
  });
});
