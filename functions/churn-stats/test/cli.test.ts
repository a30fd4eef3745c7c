import { describe, expect, it } from "vitest";
import { main } from "../src/cli/rebuild.ts";

describe("the rebuild CLI", () => {
  it("names every broken range rule by its option, before touching any table", async () => {
    const reversed = await main(["--from", "2024-03-02", "--to", "2024-03-01"]);
    expect(reversed.code).toBe(2);
    expect(reversed.output.split("\n")[0]).toBe("--to: must not be before from");
    const missing = await main([]);
    expect(missing.output.split("\n").slice(0, 2)).toEqual(["--from: is required", "--to: is required"]);
  });
});
