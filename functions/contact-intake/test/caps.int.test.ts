import { afterAll, describe, expect, it } from "vitest";
import { useDynamo } from "../../../test/support/dynamo-table.ts";
import manifest from "../service.ts";
import { addsOnDay, type CountedAdd, countAdd } from "../src/store/channels.ts";

const dynamo = useDynamo(manifest);
afterAll(() => dynamo.close());

const DAY = "2024-05-01";
const TTL = 1_900_000_000;
const count = (table: string, addKey: string, cap: number, userId = "liming") => countAdd(table, { channelId: "ch_caps", userId, day: DAY, addKey, ttl: TTL, cap });

describe("countAdd against DynamoDB Local", () => {
  it("counts adds under the cap without reading the count, and reads it from the add that reaches the cap on", async () => {
    const table = await dynamo.table();
    const results: CountedAdd[] = [];
    for (let i = 1; i <= 5; i++) results.push(await count(table, `add-${i}`, 3));
    expect(results).toEqual([
      { counted: true, underCap: true },
      { counted: true, underCap: true },
      { counted: true, underCap: false, countAfter: 3 },
      { counted: true, underCap: false, countAfter: 4 },
      { counted: true, underCap: false, countAfter: 5 },
    ]);
    expect(await addsOnDay(table, "ch_caps", DAY)).toEqual({ liming: 5 });
  });

  it("counts a redelivered add once, under the cap and over it", async () => {
    const table = await dynamo.table();
    expect(await count(table, "add-1", 2)).toEqual({ counted: true, underCap: true });
    expect(await count(table, "add-1", 2)).toEqual({ counted: false });
    expect(await count(table, "add-2", 2)).toEqual({ counted: true, underCap: false, countAfter: 2 });
    expect(await count(table, "add-2", 2)).toEqual({ counted: false });
    expect(await count(table, "add-1", 2)).toEqual({ counted: false });
    expect(await addsOnDay(table, "ch_caps", DAY)).toEqual({ liming: 2 });
  });

  it("with a cap of 1, the first add already reaches it", async () => {
    const table = await dynamo.table();
    expect(await count(table, "add-1", 1)).toEqual({ counted: true, underCap: false, countAfter: 1 });
  });

  it("counts a concurrent burst across the cap exactly: cap - 1 adds pass under it, every other add reads a count at or over it", async () => {
    const table = await dynamo.table();
    const cap = 10;
    const burst = await Promise.all(Array.from({ length: 30 }, (_, i) => count(table, `burst-${i}`, cap, "wangfang")));
    expect(burst.every((r) => r.counted)).toBe(true);
    // the conditional increments are atomic: exactly the adds that took the counter to 1 … cap-1 passed
    expect(burst.filter((r) => r.counted && r.underCap)).toHaveLength(cap - 1);
    // the rest read the count after their increment, which may include concurrent ones: never below the cap
    const read = burst.flatMap((r) => (r.counted && !r.underCap ? [r.countAfter] : []));
    expect(read).toHaveLength(30 - (cap - 1));
    expect(Math.min(...read)).toBeGreaterThanOrEqual(cap);
    expect(Math.max(...read)).toBe(30);
    expect(await addsOnDay(table, "ch_caps", DAY)).toEqual({ wangfang: 30 });
  });
});
