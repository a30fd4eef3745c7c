import { describe, expect, it } from "vitest";
import { readTap, simClient, tapTopic } from "../support/clients.ts";
import { usePlatform } from "../support/platform.ts";

/**
 * contact-intake's `group.member_changed` against the WeCom simulator: a customer group's joins and
 * leaves (`change_external_chat update`) are published with everything a member-count consumer needs
 * (group-live-code's `applyMemberChange`): the count, the versions before and after, the join or quit
 * scene and the member ids; the versions chain from one change to the next and end at the version
 * `groupchat/get` reports, and WeCom's redeliveries publish the same events again, not new ones.
 */
const platform = await usePlatform({ services: ["contact-intake"], simulator: { seed: "empty", strict: true } });
const sim = simClient(platform);

await sim("staff", { userId: "liming", name: "李明" });
const tap = await tapTopic(platform, ["group.member_changed"]);
const seen = new Map<string, { id: string; type: string; data: Record<string, any> }>();
async function changes() {
  for (const e of await readTap(platform, tap)) seen.set(e.id, e);
  return [...seen.values()];
}
const customer = async (name: string) => (await sim<{ externalUserId: string }>("customers", { name })).externalUserId;
const simVersion = async (chatId: string) =>
  (await sim<{ groups: { chatId: string; memberVersion: string }[] }>("state")).groups.find((g) => g.chatId === chatId)!.memberVersion;

describe("group.member_changed", () => {
  it("carries count, both versions, scene and member ids for joins and leaves; versions chain; redeliveries publish nothing new", async () => {
    const [a, b, c] = [await customer("顾客A"), await customer("顾客B"), await customer("顾客C")];
    const { chatId } = await sim<{ chatId: string }>("groups", { ownerUserId: "liming", name: "门店群", externalUserIds: [a] });
    const created = await simVersion(chatId);

    for (const step of [
      ["invite-to-group", { chatId, externalUserId: b }],
      ["invite-to-group", { chatId, externalUserId: c }],
      ["leave-group", { chatId, externalUserId: a }],
      ["leave-group", { chatId, externalUserId: b, removedByOwner: true }],
    ] as const) {
      expect((await sim<{ callbackStatus: number }>(step[0], step[1])).callbackStatus).toBe(200);
    }
    await platform.drain();

    // the tap is a standard queue (no order): put the changes in the order they happened
    const published = (await changes()).filter((e) => e.data.chatId === chatId);
    const find = (change: string, id: string) => published.find((e) => e.data.change === change && e.data.memberIds?.[0] === id)!;
    const inOrder = [find("add_member", b), find("add_member", c), find("del_member", a), find("del_member", b)];
    expect(published).toHaveLength(4);
    expect(inOrder.map((e) => e?.data)).toEqual([
      expect.objectContaining({ change: "add_member", memberChangeCount: 1, joinScene: 0, memberIds: [b] }),
      expect.objectContaining({ change: "add_member", memberChangeCount: 1, joinScene: 0, memberIds: [c] }),
      expect.objectContaining({ change: "del_member", memberChangeCount: 1, quitScene: 0, memberIds: [a] }),
      expect.objectContaining({ change: "del_member", memberChangeCount: 1, quitScene: 1, memberIds: [b] }),
    ]);
    for (const e of inOrder.slice(0, 2)) expect(e.data).not.toHaveProperty("quitScene");
    for (const e of inOrder.slice(2)) expect(e.data).not.toHaveProperty("joinScene");
    // each change follows the one before: what a consumer checks to notice a lost callback
    expect(inOrder[0]!.data.lastMemberVersion).toBe(created);
    for (let i = 1; i < inOrder.length; i++) expect(inOrder[i]!.data.lastMemberVersion).toBe(inOrder[i - 1]!.data.memberVersion);
    expect(inOrder.at(-1)!.data.memberVersion).toBe(await simVersion(chatId));

    // WeCom redelivers every callback: the same event ids, so nothing new for a consumer to count
    const { callbacks } = await sim<{ callbacks: unknown[] }>("callbacks");
    await sim("redeliver", { count: callbacks.length });
    await platform.drain();
    const ids = (events: readonly { id: string }[]) => events.map((e) => e.id).sort();
    expect(ids((await changes()).filter((e) => e.data.chatId === chatId))).toEqual(ids(published));
  });
});
