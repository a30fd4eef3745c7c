import { afterAll, describe, expect, it } from "vitest";
import { useDynamo } from "../../../test/support/dynamo-table.ts";
import manifest from "../service.ts";
import { applyRelation, getRelation, recordRelationTags, relationStillFrom } from "../src/store/relations.ts";

/** A tag follow-up only ever lands on the relation its add made (DynamoDB Local). */
const dynamo = useDynamo(manifest);
afterAll(() => dynamo.close());

const who = { externalUserId: "wm1", userId: "liming" };
const add = (at: string) => ({ ...who, status: "active" as const, channelId: "ch0000000a", at, addedAt: at, confirmed: true });
const pending = { status: "pending" as const, attempt: 1, errcode: 45009, nextAttemptAt: "2026-03-02T04:00:05.000Z" };
const applied = { status: "applied" as const, at: "2026-03-02T04:00:05.000Z" };

describe("recordRelationTags", () => {
  it("applies the tags of the add it follows up", async () => {
    const table = await dynamo.table();
    await applyRelation(table, add("2026-03-02T04:00:00.000Z"), new Date(), { tagStatus: pending });
    expect(await recordRelationTags(table, { ...who, addedAt: "2026-03-02T04:00:00.000Z", tagStatus: applied, applied: ["etA"] })).toEqual({ before: [], after: ["etA"] });
    expect(await getRelation(table, who.externalUserId, who.userId)).toMatchObject({ tagIds: ["etA"], tagStatus: applied });
  });

  it("leaves a re-add alone: an older add's retry neither tags it nor overwrites its status", async () => {
    const table = await dynamo.table();
    await applyRelation(table, add("2026-03-02T04:00:00.000Z"), new Date(), { tagStatus: pending });
    // the customer deletes the member and adds again through another code
    await applyRelation(table, { ...who, status: "lost", channelId: "ch0000000a", at: "2026-03-02T05:00:00.000Z" }, new Date());
    const readd = { ...add("2026-03-02T06:00:00.000Z"), channelId: "ch0000000b" };
    await applyRelation(table, readd, new Date(), { tagStatus: applied });
    expect(await relationStillFrom(table, { ...who, addedAt: "2026-03-02T04:00:00.000Z" })).toBe(false);
    expect(await recordRelationTags(table, { ...who, addedAt: "2026-03-02T04:00:00.000Z", tagStatus: { ...pending, attempt: 2 }, applied: ["etOld"] })).toBeUndefined();
    const rel = await getRelation(table, who.externalUserId, who.userId);
    expect(rel).toMatchObject({ channelId: "ch0000000b", tagStatus: applied });
    expect(rel!.tagIds).not.toContain("etOld");
  });

  it("does nothing on a lost relation", async () => {
    const table = await dynamo.table();
    await applyRelation(table, add("2026-03-02T04:00:00.000Z"), new Date(), { tagStatus: pending });
    await applyRelation(table, { ...who, status: "lost", channelId: "ch0000000a", at: "2026-03-02T05:00:00.000Z" }, new Date());
    expect(await recordRelationTags(table, { ...who, addedAt: "2026-03-02T04:00:00.000Z", tagStatus: applied, applied: ["etA"] })).toBeUndefined();
    expect((await getRelation(table, who.externalUserId, who.userId))?.tagStatus).toEqual(pending);
  });
});
