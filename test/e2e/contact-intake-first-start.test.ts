import { describe, expect, it } from "vitest";
import { runFirstStart } from "../../packages/local/src/first-start.ts";
import { apiClient, simClient } from "../support/clients.ts";
import { usePlatform } from "../support/platform.ts";
import { decodeQrPng, PNG_SIGNATURE } from "../support/qr.ts";

/**
 * A first start is complete: on a corp that already has tags (the simulator's demo corp), Siyu's
 * copy of the tag list is filled from WeCom by `POST /v1/tags/sync` and by the first-start run of
 * `pnpm dev`; a channel's QR code is a real, scannable image that the landing page shows.
 */
const platform = await usePlatform({ services: ["contact-intake"], simulator: { seed: "demo", strict: true } });
const api = apiClient(platform);
const sim = simClient(platform);

const tagCalls = async () => (await sim<{ requests: unknown[] }>("requests?api=externalcontact/get_corp_tag_list")).requests.length;
/** The copy as `{ groupName: [tag names] }`, from every page of `GET /v1/tags`. */
async function copy(): Promise<{ total: number; groups: Record<string, string[]> }> {
  const groups: Record<string, string[]> = {};
  let cursor: string | null = null;
  let total = 0;
  do {
    const res = await api("GET", `/v1/tags?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    expect(res.status, res.text).toBe(200);
    for (const g of res.json!.items as { groupName: string; tags: { name: string }[] }[]) groups[g.groupName] = g.tags.map((t) => t.name).sort();
    total = res.json!.total;
    cursor = res.json!.nextCursor;
  } while (cursor);
  return { total, groups };
}
/** What WeCom (the simulator) holds, in the same shape. */
async function wecomTags(): Promise<Record<string, string[]>> {
  const { tags } = await sim<{ tags: { groupName: string; tags: { name: string }[] }[] }>("state");
  return Object.fromEntries(tags.map((g) => [g.groupName, g.tags.map((t) => t.name).sort()]));
}
const zero = { added: 0, removed: 0, renamed: 0, changed: 0, groupsAdded: 0, groupsRemoved: 0, groupsRenamed: 0 };

describe("POST /v1/tags/sync", () => {
  it("refuses a request without a valid admin token, before calling WeCom", async () => {
    const calls = await tagCalls();
    const none = await api("POST", "/v1/tags/sync", undefined, { token: null });
    expect(none.status).toBe(401);
    expect(none.json!.type).toBe("https://siyu.dev/problems/unauthorized");
    expect((await api("POST", "/v1/tags/sync", undefined, { token: "not.a.token" })).status).toBe(401);
    expect((await api("POST", "/v1/tags/sync", undefined, { token: await platform.mintToken({ scopes: ["siyu/admin"], expiresIn: -60 }) })).status).toBe(401);
    expect((await api("POST", "/v1/tags/sync", undefined, { token: await platform.mintToken({ scopes: ["siyu/operator"] }) })).status).toBe(403);
    expect(await tagCalls()).toBe(calls);
  });

  it("maps WeCom refusing or not answering to a problem and leaves the copy unchanged", async () => {
    await sim("faults", { api: "externalcontact/get_corp_tag_list", errcode: 48002 });
    const refused = await api("POST", "/v1/tags/sync");
    expect(refused.status, refused.text).toBe(502);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(refused.json).toMatchObject({ type: "https://siyu.dev/problems/wecom-rejected", errcode: 48002 });
    expect(refused.json!.detail).toContain("get_corp_tag_list");
    // longer than the client's 5 s timeout
    await sim("faults", { api: "externalcontact/get_corp_tag_list", errcode: 0, delayMs: 5_500 });
    const silent = await api("POST", "/v1/tags/sync");
    expect(silent.status, silent.text).toBe(503);
    expect(silent.json).toMatchObject({ type: "https://siyu.dev/problems/wecom-unavailable" });
    expect((await copy()).total).toBe(0);
  });

  it("fills an empty copy from WeCom's tag list and answers what changed; a second sync changes nothing", async () => {
    const wecom = await wecomTags();
    const tagCount = Object.values(wecom).flat().length;
    expect(tagCount).toBeGreaterThan(0); // the demo corp has tags
    expect(await copy()).toEqual({ total: 0, groups: {} });

    const first = await api("POST", "/v1/tags/sync");
    expect(first.status, first.text).toBe(200);
    expect(first.json).toEqual({ ...zero, added: tagCount, groupsAdded: Object.keys(wecom).length, total: tagCount });
    const filled = await copy();
    expect(filled).toEqual({ total: tagCount, groups: wecom });

    const second = await api("POST", "/v1/tags/sync");
    expect(second.status).toBe(200);
    expect(second.json).toEqual({ ...zero, total: tagCount });
    expect(await copy()).toEqual(filled);
  });
});

describe("pnpm dev's first start", () => {
  it("runs the tag-reconcile job, which finds the copy that the sync route filled already complete", async () => {
    const outcomes = await runFirstStart(platform, { info() {}, warn() {}, error() {}, request() {} });
    expect(outcomes).toEqual([{ service: "contact-intake", schedule: "tag-reconcile", ok: true, ms: expect.any(Number), result: expect.objectContaining({ ...zero }) }]);
  });
});

describe("a channel's QR code", () => {
  it("is a PNG that decodes to the simulator's scan page, and the landing page shows it", async () => {
    const channel = await api("POST", "/v1/channels", { name: "门店海报", staff: ["zhangwei"] });
    expect(channel.status, channel.text).toBe(201);
    const { channelId, configId, qrCode } = channel.json! as { channelId: string; configId: string; qrCode: string };
    const scanPage = `${platform.simulatorUrl}/_sim/qr/${configId}`;

    const img = await fetch(qrCode);
    expect(img.status).toBe(200);
    expect(img.headers.get("content-type")).toBe("image/png");
    const png = Buffer.from(await img.arrayBuffer());
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(decodeQrPng(png)).toBe(scanPage);
    // what it encodes is the page where a developer scans as a customer
    const page = await fetch(scanPage);
    expect(page.headers.get("content-type")).toContain("text/html");

    const landing = await api("GET", `/c/${channelId}`, undefined, { token: null });
    expect(landing.status).toBe(200);
    expect(landing.headers.get("content-type")).toContain("text/html");
    expect(landing.text).toContain(`<img src="${qrCode}"`);
    expect((await sim<{ violations: unknown[] }>("violations")).violations).toEqual([]);
  });
});
