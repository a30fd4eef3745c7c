import { readFileSync } from "node:fs";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { addDays, corpDay, corpTime, type DomainEvent, makeEvent, nextCorpMidnight } from "@siyu/kernel";
import { beforeEach, describe, expect, it } from "vitest";
import { buildConsole, useBrowser } from "../support/browser.ts";
import { apiClient, simClient } from "../support/clients.ts";
import { usePlatform } from "../support/platform.ts";

/**
 * 首页 and 流失统计 in Chromium against churn-stats and contact-intake with the strict simulator: three
 * customers scan two channels of two staff members, one deletes liming; WeCom also knows of an add
 * Siyu never heard about; ten days ago liming added two customers (no channel), one of whom left
 * five days later (events put straight on churn-stats' queue, as if from the past). 首页 shows the figures per channel and per staff member; 流失统计 groups by
 * staff, exports the API's CSV, draws the retention heatmap and shows the reconciliation with WeCom's
 * behaviour data, the mismatch explained. Screenshots: test/e2e/screenshots/churn-*.png.
 */
const TZ = "Asia/Shanghai";
await buildConsole();
const platform = await usePlatform({ services: ["contact-intake", "churn-stats"], simulator: { seed: "empty", strict: true } });
const sim = simClient(platform);
const api = apiClient(platform);

// Everything happens "today" (Shanghai): don't start within 10 minutes of its midnight.
{
  const now = new Date((await sim<{ now: string }>("clock")).now);
  const untilMidnight = nextCorpMidnight(now, TZ).getTime() - now.getTime();
  if (untilMidnight < 10 * 60_000) await new Promise((r) => setTimeout(r, untilMidnight + 2_000));
}
await sim("staff", { userId: "liming", name: "李明" });
await sim("staff", { userId: "wangfang", name: "王芳" });
const today = corpDay(new Date((await sim<{ now: string }>("clock")).now), TZ);
const corpId = (await sim<{ corpId: string }>("config")).corpId;

/** A contact event of a past day, straight onto churn-stats' events queue. */
async function pastEvent(type: "contact.added" | "contact.lost", externalUserId: string, daysAgo: number) {
  const at = corpTime(addDays(today, -daysAgo), TZ, "10:00").toISOString();
  const data = type === "contact.added" ? { addedAt: at } : { lostAt: at };
  const event: DomainEvent = makeEvent(type, { userId: "liming", externalUserId, channelId: "", ...data }, { corpId, occurredAt: at });
  await platform.sqs.send(
    new SendMessageCommand({ QueueUrl: platform.queueUrl("churn-stats", "events"), MessageBody: JSON.stringify(event), MessageAttributes: { type: { DataType: "String", StringValue: type } } }),
  );
}

async function channel(name: string, staff: string): Promise<{ channelId: string; configId: string }> {
  const res = await api("POST", "/v1/channels", { name, staff: [{ userId: staff }] });
  expect(res.status, res.text).toBe(201);
  return res.json as { channelId: string; configId: string };
}

async function scan(ch: { configId: string }, name: string): Promise<string> {
  const r = await sim<{ externalUserId: string; callbackStatus: number }>("scan-contact-way", { configId: ch.configId, name });
  expect(r.callbackStatus).toBe(200);
  return r.externalUserId;
}

const browser = useBrowser();

/** The cells of the table row that contains `text`. */
const cells = (table: import("playwright-core").Locator, text: string) => table.locator("tbody tr.ant-table-row").filter({ hasText: text }).locator("td");
// 首页's figure tables are plain tables (app/FigureTable.tsx), not antd's Table
const figureCells = (table: import("playwright-core").Locator, text: string) => table.locator("tbody tr").filter({ hasText: text }).locator("td");

describe("console: 首页 and 流失统计", () => {
  let page: import("playwright-core").Page;
  beforeEach(() => {
    page = browser.page;
  });

  it("counts adds on two channels of two staff members and one loss (and an older cohort)", async () => {
    await pastEvent("contact.added", "wm-old-1", 10);
    await pastEvent("contact.added", "wm-old-2", 10);
    await pastEvent("contact.lost", "wm-old-2", 5);
    const poster = await channel("海报", "liming");
    const live = await channel("直播", "wangfang");
    const c1 = await scan(poster, "客户甲");
    await scan(poster, "客户乙");
    await scan(live, "客户丙");
    await sim("clock", { advanceMs: 2_000 });
    expect((await sim<{ callbackStatus: number }>("customer-deletes-staff", { externalUserId: c1, userId: "liming" })).callbackStatus).toBe(200);
    // WeCom knows of an add Siyu never heard about (the callback URL was down)
    await sim("config", { callbackUrl: null });
    await sim("staff-adds-customer", { userId: "wangfang", externalUserId: c1 });
    await sim("config", { callbackUrl: `${platform.gatewayUrl}/wecom/callback` });
    await platform.drain();
    const reconciled = await platform.runSchedule("churn-stats", "reconcile", corpTime(addDays(today, 1), TZ, "06:30"));
    expect(reconciled).toMatchObject({ mismatches: 1, errors: 0 });
    // and yesterday's, as the 06:30 job of today would: a day that is over, with group statistics
    expect(await platform.runSchedule("churn-stats", "reconcile", corpTime(today, TZ, "06:30"))).toMatchObject({ mismatches: 0, errors: 0 });
  });

  it("首页: today per channel (names, not ids) and per staff member, vs yesterday", async () => {
    await page.goto(`${platform.gatewayUrl}/console/`);
    await expect.poll(() => page.getByTestId("today-added").locator(".ant-statistic-content-value").textContent(), { timeout: 15_000 }).toBe("3");
    const channels = page.getByTestId("home-channel-table");
    await channels.getByText("海报").waitFor({ timeout: 15_000 });
    // 名称, 新增, 流失, 净增, 流失率: each figure with its change vs yesterday (nothing yesterday)
    const figures = async (table: typeof channels, name: string) => (await figureCells(table, name).allTextContents()).map((s) => s.trim());
    expect(await figures(channels, "海报")).toEqual(["海报", "2↑2", "1↑1", "1↑1", "—"]);
    expect(await figures(channels, "直播")).toEqual(["直播", "1↑1", "0持平", "1↑1", "—"]);
    // wm-old-1 is still connected, through no channel: nothing moved, a rate of 0 both days
    expect(await figures(channels, "（无渠道）")).toEqual(["（无渠道）", "0持平", "0持平", "0持平", "0.0%持平"]);
    const staff = page.getByTestId("home-staff-table");
    // liming started the day with wm-old-1 and lost 1: 100 %, yesterday 0 %
    expect(await figures(staff, "liming")).toEqual(["liming", "2↑2", "1↑1", "1↑1", "100.0%↑100.0个百分点"]);
    expect(await figures(staff, "wangfang")).toEqual(["wangfang", "1↑1", "0持平", "1↑1", "—"]);
    // a rise in losses is red, a rise in adds green
    expect(await figureCells(staff, "liming").nth(2).locator("small span").evaluate((e) => (globalThis as any).getComputedStyle(e).color)).toBe("rgb(207, 19, 34)");
    expect(await figureCells(staff, "liming").nth(1).locator("small span").evaluate((e) => (globalThis as any).getComputedStyle(e).color)).toBe("rgb(63, 134, 0)");
    await page.getByTestId("home-chart").locator("canvas").waitFor({ timeout: 15_000 });
    await browser.shot("churn-home");
  });

  it("流失统计 grouped by staff: both staff members, their totals and the charts", async () => {
    await page.getByRole("menuitem", { name: "流失统计" }).click();
    await page.getByTestId("churn-counts").locator("canvas").waitFor({ timeout: 15_000 });
    const table = page.getByTestId("churn-series-table");
    await table.getByText(today).waitFor();
    await page.getByTestId("churn-groupby").getByText("按员工").click();
    await table.getByText("liming").waitFor({ timeout: 15_000 });
    // 员工, 新增, 流失, 删除, 转入, 转出, 净增, 日初, 日末, 流失率 (the range's totals), after the expand column
    expect((await cells(table, "liming").allTextContents()).slice(1)).toEqual(["liming", "4", "2", "0", "0", "0", "2", "0", "2", "50.0%"]);
    expect((await cells(table, "wangfang").allTextContents()).slice(1, 3)).toEqual(["wangfang", "1"]);
    await page.getByTestId("churn-counts").locator("canvas").waitFor();
    await browser.shot("churn-staff");
  });

  it("导出 CSV downloads the API's CSV of the filters (header row as the API writes it)", async () => {
    const [download] = await Promise.all([page.waitForEvent("download", { timeout: 15_000 }), page.getByTestId("churn-export").click()]);
    const from = addDays(today, -29);
    expect(download.suggestedFilename()).toBe(`churn-${from}-${today}.csv`);
    const text = readFileSync((await download.path())!, "utf8");
    expect(text.startsWith("\uFEFF")).toBe(true);
    const lines = text.slice(1).split("\r\n").filter(Boolean);
    expect(lines[0]).toBe("日期,员工,新增,流失,删除,转入,转出,净增,日初客户数,日末客户数,流失率");
    expect(lines).toContain(`${today},liming,2,1,0,0,0,1,1,2,1.0000`);
    expect(lines).toContain(`${addDays(today, -10)},liming,2,0,0,0,0,2,0,2,`);
    // every day of the range, for both staff members
    expect(lines).toHaveLength(1 + 2 * 30);
  });

  it("a range the API refuses shows its error on the date field", async () => {
    const inputs = page.locator(".ant-picker-range input");
    await inputs.nth(0).click();
    await inputs.nth(0).fill(addDays(today, -400));
    await inputs.nth(0).press("Enter");
    await inputs.nth(1).fill(today);
    await inputs.nth(1).press("Enter");
    const field = page.locator(".ant-form-item").filter({ has: page.locator(".ant-picker-range") });
    await expect.poll(() => field.locator(".ant-form-item-explain-error").textContent(), { timeout: 15_000 }).toBe("the range is at most 366 days (both ends included)");
    await page.keyboard.press("Escape");
    await browser.shot("churn-range-error");
    await page.getByText("近 30 天").click();
    await page.getByTestId("churn-series-table").getByText("liming").waitFor({ timeout: 15_000 });
  });

  it("留存: the cohort heatmap renders; horizons not yet over are empty, not 0", async () => {
    await page.getByTestId("churn-groupby").getByText("按天").click();
    await page.getByTestId("tab-cohorts").click();
    await page.getByTestId("cohort-heatmap").locator("canvas").first().waitFor({ timeout: 15_000 });
    const table = page.getByTestId("cohort-table");
    expect(await cells(table, today).allTextContents()).toEqual([today, "3", "未到期", "未到期", "未到期"]);
    // added 10 days ago: both there the next day, one left on day 5, day 30 not over
    expect(await cells(table, addDays(today, -10)).allTextContents()).toEqual([addDays(today, -10), "2", "100.0%（2）", "50.0%（1）", "未到期"]);
    await browser.shot("churn-cohorts");
    // per channel: one group at a time, picked by its name
    await page.getByTestId("churn-groupby").getByText("按渠道").click();
    await page.getByTestId("cohort-group").click();
    await page.locator(".ant-select-item-option").filter({ hasText: "直播" }).click();
    await expect.poll(() => cells(page.getByTestId("cohort-table"), today).allTextContents(), { timeout: 15_000 }).toEqual([today, "1", "未到期", "未到期", "未到期"]);
    await page.getByTestId("cohort-group").click();
    await page.locator(".ant-select-item-option").filter({ hasText: "（无渠道）" }).click();
    await expect.poll(() => cells(page.getByTestId("cohort-table"), addDays(today, -10)).allTextContents()).toEqual([addDays(today, -10), "2", "100.0%（2）", "50.0%（1）", "未到期"]);
  });

  it("对账: Siyu next to WeCom's behaviour data per member, the difference highlighted and explained", async () => {
    await page.getByTestId("tab-reconciliation").click();
    // yesterday first: nothing happened, both agree; WeCom's group statistics of its owners
    await page.getByTestId("recon-groups").getByText("wangfang").waitFor({ timeout: 15_000 });
    expect((await cells(page.getByTestId("recon-table"), "liming").allTextContents()).slice(0, 5)).toEqual(["liming", "0 / 0", "0 / 0", "0", "一致"]);
    expect(await page.getByText("对账时该日尚未结束").count()).toBe(0);
    await browser.shot("churn-reconciliation-yesterday");
    const picker = page.getByTestId("recon-date");
    await picker.click();
    await picker.fill(today);
    await picker.press("Enter");
    const table = page.getByTestId("recon-table");
    await page.getByText("对账时该日尚未结束").waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("recon-mismatches").textContent()).toBe("1");
    expect((await cells(table, "liming").allTextContents()).slice(0, 5)).toEqual(["liming", "2 / 2", "1 / 1", "0", "一致"]);
    const wangfang = cells(table, "wangfang");
    expect((await wangfang.allTextContents()).slice(0, 5)).toEqual(["wangfang", "1 / 2", "0 / 0", "0", "不一致"]);
    expect(await wangfang.nth(1).locator(".ant-typography-danger").count()).toBe(1);
    const why = await wangfang.nth(5).textContent();
    expect(why).toContain("新增：思域 1，企业微信 2（企业微信多 1）。");
    expect(why).toContain("可能有事件丢失或仍在途中");
    await browser.shot("churn-reconciliation");
  });
});
