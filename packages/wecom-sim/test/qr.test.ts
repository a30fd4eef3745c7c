import { afterEach, describe, expect, it } from "vitest";
import { decodeQrPng, PNG_SIGNATURE } from "../../../test/support/qr.ts";
import { Router } from "../src/router.ts";
import { closeStarted, startSim } from "./support/harness.ts";

afterEach(closeStarted);

describe("qr_code", () => {
  it("of a contact way is a PNG QR code that encodes the way's scan page", async () => {
    const s = await startSim({ seed: "demo" });
    const add = await s.api("externalcontact/add_contact_way", { type: 2, scene: 2, state: "store-sh-01", user: ["zhangwei"] });
    expect(add.qr_code).toBe(`${s.sim.url}/_sim/qr/${add.config_id}.png`);
    const img = await fetch(add.qr_code);
    expect(img.status).toBe(200);
    expect(img.headers.get("content-type")).toBe("image/png");
    const bytes = Buffer.from(await img.arrayBuffer());
    expect(bytes.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    const scanUrl = `${s.sim.url}/_sim/qr/${add.config_id}`;
    expect(decodeQrPng(bytes)).toBe(scanUrl);
    // the scan page it leads to is still the HTML page
    const page = await fetch(scanUrl);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain(add.config_id);
  });

  it("of a join way is a PNG QR code too, and unknown codes are 404", async () => {
    const s = await startSim({ seed: "demo" });
    const group = await s.ok<{ chatId: string }>("POST", "groups", { ownerUserId: "zhangwei", name: "会员群" });
    const way = await s.api("externalcontact/groupchat/add_join_way", { scene: 2, chat_id_list: [group.chatId] });
    const got = await s.api("externalcontact/groupchat/get_join_way", { config_id: way.config_id });
    expect(got.join_way.qr_code).toBe(`${s.sim.url}/_sim/qr/${way.config_id}.png`);
    const img = await fetch(got.join_way.qr_code);
    expect(img.headers.get("content-type")).toBe("image/png");
    expect(decodeQrPng(Buffer.from(await img.arrayBuffer()))).toBe(`${s.sim.url}/_sim/qr/${way.config_id}`);
    expect((await fetch(`${s.sim.url}/_sim/qr/nope.png`)).status).toBe(404);
    expect((await fetch(`${s.sim.url}/_sim/qr/nope`)).status).toBe(404);
  });
});

describe("Router", () => {
  it("matches a parameter with a literal suffix, and only with it", () => {
    const r = new Router<string>().add("GET", "qr/:id.png", "png").add("GET", "qr/:id", "page");
    expect(r.match("GET", "/qr/abc.png")).toEqual({ handler: "png", params: { id: "abc" } });
    expect(r.match("GET", "/qr/abc")).toEqual({ handler: "page", params: { id: "abc" } });
    // the suffix alone is not a value
    expect(r.match("GET", "/qr/.png")).toEqual({ handler: "page", params: { id: ".png" } });
    expect(new Router<string>().add("GET", "qr/:id.png", "png").match("GET", "/qr/abc.svg")).toBeNull();
  });
});
