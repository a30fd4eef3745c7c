import { AppError } from "@siyu/kernel";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addedSortKeyRange,
  customerListQuerySchema,
  decodeListCursor,
  encodeListCursor,
  listFingerprint,
  matchesResidual,
  monthsToRead,
  planCustomerList,
} from "../src/domain/customers.ts";
import { InvalidCursor } from "../src/domain/errors.ts";
import { problemOf } from "../src/http/problems.ts";

const SH = "Asia/Shanghai";
const parse = (q: Record<string, string>) => customerListQuerySchema.parse(q);
const issues = (q: Record<string, string>) => {
  const r = customerListQuerySchema.safeParse(q);
  return r.success ? [] : r.error.issues.map((i) => i.path.join("."));
};

describe("customer list query", () => {
  it("defaults the limit to 20 and bounds it to 1–100", () => {
    expect(parse({}).limit).toBe(20);
    expect(parse({ limit: "100" }).limit).toBe(100);
    expect(issues({ limit: "0" })).toEqual(["limit"]);
    expect(issues({ limit: "101" })).toEqual(["limit"]);
    expect(issues({ limit: "2.5" })).toEqual(["limit"]);
  });

  it("names each bad field: impossible dates, from after to, unknown status, # in ids", () => {
    expect(issues({ addedFrom: "2024-02-30" })).toEqual(["addedFrom"]);
    expect(issues({ addedTo: "yesterday" })).toEqual(["addedTo"]);
    expect(issues({ addedFrom: "2024-06-02", addedTo: "2024-06-01" })).toEqual(["addedTo"]);
    expect(issues({ addedFrom: "2024-06-01", addedTo: "2024-06-01" })).toEqual([]);
    expect(issues({ status: "gone" })).toEqual(["status"]);
    expect(issues({ addedTo: "9999-12-31" })).toEqual(["addedTo"]);
    expect(planCustomerList(parse({ addedTo: "2999-12-31" }), SH).toExclusive?.toISOString()).toBe("2999-12-31T16:00:00.000Z");
    expect(issues({ userId: "a#b", tagId: "x#" })).toEqual(["userId", "tagId"]);
  });
});

describe("planCustomerList", () => {
  it("converts corp days to UTC instants: [start of from, start of the day after to)", () => {
    const plan = planCustomerList(parse({ addedFrom: "2024-06-01", addedTo: "2024-06-30" }), SH);
    expect(plan.fromInstant?.toISOString()).toBe("2024-05-31T16:00:00.000Z");
    expect(plan.toExclusive?.toISOString()).toBe("2024-06-30T16:00:00.000Z");
    expect(plan.skFrom).toBe("2024-05-31T16:00:00.000Z");
    expect(plan.skTo).toBe("2024-06-30T15:59:59.999Z#~");
  });

  it("picks the most selective index and leaves the other filters as residual", () => {
    expect(planCustomerList(parse({ userId: "u", channelId: "c", tagId: "t", status: "lost" }), SH)).toMatchObject({
      source: { kind: "staff", userId: "u" },
      residual: { channelId: "c", tagId: "t", status: "lost" },
    });
    expect(planCustomerList(parse({ channelId: "c", tagId: "t" }), SH)).toMatchObject({ source: { kind: "channel" }, residual: { tagId: "t" } });
    expect(planCustomerList(parse({ tagId: "t", status: "active" }), SH)).toMatchObject({ source: { kind: "tag" }, residual: { status: "active" } });
    expect(planCustomerList(parse({}), SH)).toMatchObject({ source: { kind: "added" }, skFrom: "0000", skTo: "9999" });
  });

  it("keeps every relation of the range inside the sort-key bounds and the neighbours outside", () => {
    const { skFrom, skTo } = addedSortKeyRange(new Date("2024-06-01T00:00:00Z"), new Date("2024-06-02T00:00:00Z"));
    const sk = (iso: string) => `${iso}#wmCustomer_1#zhang-wei`;
    expect(sk("2024-06-01T00:00:00.000Z") >= skFrom).toBe(true);
    expect(sk("2024-06-01T23:59:59.999Z") <= skTo).toBe(true);
    expect(sk("2024-06-02T00:00:00.000Z") <= skTo).toBe(false);
    expect(sk("2024-05-31T23:59:59.999Z") >= skFrom).toBe(false);
  });

  it("checks residual filters on a relation", () => {
    const rel = { userId: "u", channelId: "c", status: "active" as const, tagIds: ["t1"] };
    expect(matchesResidual(rel, { tagId: "t1", status: "active" })).toBe(true);
    expect(matchesResidual(rel, { tagId: "t2" })).toBe(false);
    expect(matchesResidual(rel, { channelId: "x" })).toBe(false);
    expect(matchesResidual(rel, { status: "lost" })).toBe(false);
  });
});

describe("monthsToRead", () => {
  const known = ["2024-03", "2024-06", "2024-04", "2023-12", "2024-06"];

  it("lists known months overlapping the range, newest first, once each", () => {
    expect(monthsToRead(known)).toEqual(["2024-06", "2024-04", "2024-03", "2023-12"]);
    expect(monthsToRead(known, new Date("2024-03-31T16:00:00Z"), new Date("2024-06-01T00:00:00Z"))).toEqual(["2024-04", "2024-03"]);
  });

  it("uses the UTC month of the exclusive end's last millisecond", () => {
    // a range ending at 2024-06-01T00:00Z exactly does not reach June
    expect(monthsToRead(known, undefined, new Date("2024-06-01T00:00:00Z"))).toEqual(["2024-04", "2024-03", "2023-12"]);
    expect(monthsToRead(known, undefined, new Date("2024-06-01T00:00:00.001Z"))).toEqual(["2024-06", "2024-04", "2024-03", "2023-12"]);
  });

  it("property: a relation added inside the range is in one of the months read", () => {
    fc.assert(
      fc.property(fc.date({ min: new Date("2020-01-01"), max: new Date("2030-01-01"), noInvalidDate: true }), fc.integer({ min: 1, max: 400 * 86_400_000 }), fc.integer({ min: 0, max: 1 }), (from, span, where) => {
        const to = new Date(from.getTime() + span);
        const at = new Date(where === 0 ? from.getTime() : to.getTime() - 1);
        const month = at.toISOString().slice(0, 7);
        expect(monthsToRead([month], from, to)).toEqual([month]);
      }),
    );
  });
});

describe("list cursors", () => {
  const q = parse({ addedFrom: "2024-06-01", addedTo: "2024-06-30" });
  const plan = planCustomerList(q, SH);
  const expectFor = { fingerprint: plan.fingerprint, keyAttributes: ["pk", "sk", "gsi3pk", "gsi3sk"], sortKeyAttribute: "gsi3sk", skFrom: plan.skFrom, skTo: plan.skTo, months: ["2024-06", "2024-05"] };
  const k = { pk: "CUST#wm1", sk: "REL#u", gsi3pk: "ADDED#2024-06", gsi3sk: "2024-06-10T01:00:00.000Z#wm1#u" };
  const rejects = (cursor: string, e = expectFor) => {
    try {
      decodeListCursor(cursor, e);
    } catch (thrown) {
      expect(thrown).toBeInstanceOf(InvalidCursor);
      const err = problemOf(thrown);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).type).toBe("invalid-cursor");
      expect((err as AppError).status).toBe(400);
      return true;
    }
    return false;
  };

  it("round-trips month and key", () => {
    const c = encodeListCursor({ f: plan.fingerprint, m: "2024-06", k });
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeListCursor(c, expectFor)).toEqual({ f: plan.fingerprint, m: "2024-06", k });
    expect(decodeListCursor(encodeListCursor({ f: plan.fingerprint, m: "2024-05" }), expectFor)).toEqual({ f: plan.fingerprint, m: "2024-05" });
  });

  it("rejects garbage, other filters, foreign months, wrong key shapes and keys outside the range", () => {
    expect(rejects("not a cursor")).toBe(true);
    expect(rejects(Buffer.from("{}").toString("base64url"))).toBe(true);
    expect(rejects(encodeListCursor({ f: listFingerprint({ userId: "someone" }), m: "2024-06", k }))).toBe(true);
    expect(rejects(encodeListCursor({ f: plan.fingerprint, m: "2024-01", k }))).toBe(true);
    expect(rejects(encodeListCursor({ f: plan.fingerprint, k }))).toBe(true);
    expect(rejects(encodeListCursor({ f: plan.fingerprint, m: "2024-06", k: { pk: "x", sk: "y" } }))).toBe(true);
    expect(rejects(encodeListCursor({ f: plan.fingerprint, m: "2024-06", k: { ...k, gsi3sk: "2023-01-01T00:00:00.000Z#a#b" } }))).toBe(true);
    // a June key claimed to be May
    expect(rejects(encodeListCursor({ f: plan.fingerprint, m: "2024-05", k }))).toBe(true);
    // a month on a single-partition index
    expect(rejects(encodeListCursor({ f: plan.fingerprint, m: "2024-06" }), { ...expectFor, months: undefined } as never)).toBe(true);
  });

  it("fingerprints differ for every filter", () => {
    const base = { userId: "u", channelId: "c", tagId: "t", addedFrom: "2024-01-01", addedTo: "2024-02-01", status: "active" as const };
    const prints = new Set([listFingerprint(base), ...Object.keys(base).map((k) => listFingerprint({ ...base, [k]: undefined }))]);
    expect(prints.size).toBe(7);
  });
});
