import fc from "fast-check";
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

  it("joins key parts and escapes separators inside a part, so no input crashes and no two part lists collide", () => {
    expect(key("CUSTOMER", "wm123", 7)).toBe("CUSTOMER#wm123#7");
    expect(key("A", "b#c")).toBe("A#b%23c");
    expect(key("A", "b#c")).not.toBe(key("A#b", "c"));
    expect(key("A", "50%")).toBe("A#50%25");
    expect(key("A", "%23")).not.toBe(key("A", "#"));
    expect(key("CHAN", "poster#1", "海报🎉")).toBe("CHAN#poster%231#海报🎉");
  });

  it("never maps two different part lists to one key (property)", () => {
    const part = fc.oneof(fc.string(), fc.constantFrom("#", "%", "%23", "%25", "a#b", ""));
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), fc.array(part, { minLength: 1, maxLength: 4 }), (a, b) => {
        fc.pre(JSON.stringify(a) !== JSON.stringify(b));
        expect(key(...a)).not.toBe(key(...b));
      }),
    );
  });
});
