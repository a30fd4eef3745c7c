import { describe, expect, it } from "vitest";
import { AppError } from "@siyu/kernel";
import { decodeCursor, encodeCursor, key } from "../src/index.ts";

describe("cursors", () => {
  it("round-trips a key and rejects anything else with a 400", () => {
    const k = { pk: "A#1", sk: "B#2" };
    expect(decodeCursor(encodeCursor(k), ["pk", "sk"])).toEqual(k);
    expect(encodeCursor(undefined)).toBeUndefined();
    expect(decodeCursor(undefined)).toBeUndefined();
    for (const bad of ["!!!", Buffer.from("[]").toString("base64url"), Buffer.from('{"v":1,"k":{"pk":{"S":"x"}}}').toString("base64url")]) {
      expect(() => decodeCursor(bad, ["pk", "sk"])).toThrow(AppError);
    }
    // a key with other attributes than the table's is refused
    expect(() => decodeCursor(encodeCursor({ pk: "a", other: "b" }), ["pk", "sk"])).toThrow(/cursor/);
  });

  it("joins key parts and refuses separators inside a part", () => {
    expect(key("CUSTOMER", "wm123", 7)).toBe("CUSTOMER#wm123#7");
    expect(() => key("A", "b#c")).toThrow(RangeError);
  });
});
