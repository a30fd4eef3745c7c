import { describe, expect, it } from "vitest";
import { assignClauses, counterUpdate } from "../src/writes.ts";

describe("assignClauses", () => {
  it("makes one SET clause per defined field, skipping undefined ones, with its names and values", () => {
    const into = { names: {} as Record<string, string>, values: {} as Record<string, unknown> };
    expect(assignClauses({ name: "王", gender: undefined, type: 1 }, "f", into)).toEqual(["#f0 = :f0", "#f2 = :f2"]);
    expect(into).toEqual({ names: { "#f0": "name", "#f2": "type" }, values: { ":f0": "王", ":f2": 1 } });
  });

  it("makes ADD clauses, and keeps placeholders of two calls apart by prefix", () => {
    const into = { names: { "#status": "status" }, values: {} as Record<string, unknown> };
    expect(assignClauses({ adds: 2 }, "c", into, "ADD")).toEqual(["#c0 :c0"]);
    expect(assignClauses({ adds: "x" }, "s", into)).toEqual(["#s0 = :s0"]);
    expect(into.names).toEqual({ "#status": "status", "#c0": "adds", "#s0": "adds" });
    expect(into.values).toEqual({ ":c0": 2, ":s0": "x" });
  });
});

describe("counterUpdate", () => {
  it("sets and adds in one update expression", () => {
    const u = counterUpdate("t", { pk: "CAP#c#d", sk: "u" }, { count: 1 }, { ttl: 9 }).Update!;
    expect(u.UpdateExpression).toBe("SET #s0 = :s0 ADD #c0 :c0");
    expect(u.ExpressionAttributeNames).toEqual({ "#c0": "count", "#s0": "ttl" });
    expect(u.ExpressionAttributeValues).toEqual({ ":c0": 1, ":s0": 9 });
    expect(u.ConditionExpression).toBeUndefined();
  });

  it("with staysBelow, applies only while the counter stays under its bound after the increment", () => {
    const u = counterUpdate("t", { pk: "CAP#c#d", sk: "u" }, { count: 1 }, {}, { staysBelow: { count: 5 } }).Update!;
    // after = before + 1 < 5 ⇔ before < 4; an absent counter is 0, and 1 < 5
    expect(u.ConditionExpression).toBe("(attribute_not_exists(#b0) OR #b0 < :b0)");
    expect(u.ExpressionAttributeNames).toMatchObject({ "#b0": "count" });
    expect(u.ExpressionAttributeValues).toMatchObject({ ":b0": 4 });
  });

  it("with a bound the first increment already reaches, an absent counter fails the condition too", () => {
    const u = counterUpdate("t", { pk: "CAP#c#d", sk: "u" }, { count: 1 }, {}, { staysBelow: { count: 1 } }).Update!;
    expect(u.ConditionExpression).toBe("#b0 < :b0");
    expect(u.ExpressionAttributeValues).toMatchObject({ ":b0": 0 });
  });
});
