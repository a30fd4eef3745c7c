import { describe, expect, it } from "vitest";
import { apiClient, simClient } from "../../../test/support/clients.ts";
import { usePlatform } from "../../../test/support/platform.ts";

/**
 * `GET /v1/group-codes`: the status filter (active / archived / all, as the console's list asks) and
 * each code's pool at a glance (groups, fill, free seats), read through the API against the simulator.
 */
const platform = await usePlatform({ services: ["group-live-code"], simulator: { seed: "empty", strict: true } });
const api = apiClient(platform);
const sim = simClient(platform);

await sim("staff", { userId: "zhangsan", name: "张三" });
const chatIds: string[] = [];
for (let i = 1; i <= 2; i++) chatIds.push((await sim<{ chatId: string }>("groups", { ownerUserId: "zhangsan", name: `列表${i}群` })).chatId);

describe("the live-code list", () => {
  it("filters by status and shows each code's pool", async () => {
    const kept = await api("POST", "/v1/group-codes", { name: "保留的码", capacity: 4, groups: chatIds.map((chatId) => ({ chatId, ownerUserId: "zhangsan" })) });
    expect(kept.status, kept.text).toBe(201);
    const gone = await api("POST", "/v1/group-codes", { name: "停用的码" });
    expect(gone.status, gone.text).toBe(201);
    expect((await api("POST", `/v1/group-codes/${gone.json!.codeId}/archive`)).status).toBe(200);

    const names = async (query: string) => ((await api("GET", `/v1/group-codes${query}`)).json!.items as { name: string }[]).map((c) => c.name);
    expect(await names("")).toEqual(["停用的码", "保留的码"]);
    expect(await names("?status=active")).toEqual(["保留的码"]);
    expect(await names("?status=archived")).toEqual(["停用的码"]);
    expect((await api("GET", "/v1/group-codes?status=nope")).status).toBe(400);

    const items = (await api("GET", "/v1/group-codes?status=active")).json!.items as { pool: unknown }[];
    // each group holds its owner: 1 of 4 seats taken in both
    expect(items[0]!.pool).toEqual({ groups: 2, groupsWithRoom: 2, fullGroups: 0, members: 2, capacity: 8, freeSeats: 6, fill: 0.25 });
  });
});
