import { AppError } from "@siyu/kernel";
import { describe, expect, it } from "vitest";
import { DomainError } from "../src/domain/errors.ts";
import { type CorpTagGroup, diffTagLists, normalizeTagList, planTagCreate, planTagSync, tagCreateSchema } from "../src/domain/tags.ts";
import { problemOf } from "../src/http/problems.ts";

const issues = (body: unknown) => {
  const r = tagCreateSchema.safeParse(body);
  return r.success ? [] : r.error.issues.map((i) => i.path.join("."));
};
const req = (names: string[], group: { groupName?: string; groupId?: string } = { groupName: "兴趣" }) =>
  tagCreateSchema.parse({ ...group, tags: names.map((name) => ({ name })) });
const problem = (fn: () => unknown) => {
  try {
    fn();
  } catch (thrown) {
    expect(thrown).toBeInstanceOf(DomainError);
    const e = problemOf(thrown);
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error("expected a problem");
};

describe("tag create request", () => {
  it("counts characters as WeCom does (30 code points, CJK included)", () => {
    expect(issues({ groupName: "g", tags: [{ name: "好".repeat(30) }] })).toEqual([]);
    expect(issues({ groupName: "g", tags: [{ name: "好".repeat(31) }] })).toEqual(["tags.0.name"]);
    expect(issues({ groupName: "😀".repeat(30), tags: [{ name: "x" }] })).toEqual([]);
    expect(issues({ groupName: "a".repeat(31), tags: [{ name: "x" }] })).toEqual(["groupName"]);
  });

  it("needs exactly one of groupName and groupId, at least one tag, no duplicate names, orders in range", () => {
    expect(issues({ tags: [{ name: "x" }] })).toEqual(["groupName"]);
    expect(issues({ groupName: "g", groupId: "et1", tags: [{ name: "x" }] })).toEqual(["groupName"]);
    expect(issues({ groupName: "g", tags: [] })).toEqual(["tags"]);
    expect(issues({ groupName: "g", tags: [{ name: "x" }, { name: "y" }, { name: "x" }] })).toEqual(["tags.2.name"]);
    expect(issues({ groupName: "g", tags: [{ name: "x", order: -1 }] })).toEqual(["tags.0.order"]);
    expect(issues({ groupName: "g", tags: [{ name: " " }] })).toEqual(["tags.0.name"]);
  });
});

describe("planTagCreate: the 3000 corp tag limit, before WeCom is called", () => {
  it("counts only names new to the group", () => {
    const plan = planTagCreate(req(["护肤", "彩妆", "香氛"]), { total: 10, group: { groupId: "g1", groupName: "兴趣", tagNames: ["护肤"] } });
    expect(plan).toEqual({ newNames: ["彩妆", "香氛"], totalAfter: 12, nothingNew: false });
    expect(planTagCreate(req(["护肤"]), { total: 10, group: { groupId: "g1", groupName: "兴趣", tagNames: ["护肤"] } }).nothingNew).toBe(true);
  });

  it("allows exactly 3000 and refuses 3001 with a 422 corp-tag-limit saying how many fit", () => {
    expect(planTagCreate(req(["a", "b"]), { total: 2998 }).totalAfter).toBe(3000);
    const p = problem(() => planTagCreate(req(["a", "b"]), { total: 2999 }));
    expect(p.status).toBe(422);
    expect(p.type).toBe("corp-tag-limit");
    expect(p.message).toContain("At most 1 more");
    expect(p.extensions).toMatchObject({ limit: 3000, existing: 2999, adding: 2, room: 1 });
    expect(problem(() => planTagCreate(req(["a"]), { total: 3000 })).message).toContain("Delete unused tags");
  });

  it("refuses a group id the copy does not know", () => {
    expect(problem(() => planTagCreate(req(["a"], { groupId: "etX" }), { total: 0 })).type).toBe("unknown-tag-group");
  });
});

const g = (groupId: string, groupName: string, tags: [string, string][], order = 0): CorpTagGroup => ({
  groupId,
  groupName,
  order,
  tags: tags.map(([tagId, name]) => ({ tagId, groupId, name, order: 0 })),
});

describe("tag list sync", () => {
  it("normalises WeCom's list without deleted groups and tags", () => {
    expect(
      normalizeTagList([
        { group_id: "g1", group_name: "兴趣", order: 2, tag: [{ id: "t1", name: "护肤" }, { id: "t2", name: "旧", deleted: true }] },
        { group_id: "g2", group_name: "删", deleted: true, tag: [{ id: "t3", name: "x" }] },
      ]),
    ).toEqual([g("g1", "兴趣", [["t1", "护肤"]], 2)]);
  });

  it("diffs the copy against a full pull: added, removed, renamed, group changes", () => {
    const before = [g("g1", "兴趣", [["t1", "护肤"], ["t2", "彩妆"]]), g("g2", "旧组", [["t9", "x"]])];
    const after = [g("g1", "兴趣爱好", [["t1", "护肤"], ["t2", "美妆"], ["t3", "香氛"]]), g("g3", "新组", [["t4", "y"]])];
    const d = diffTagLists(before, after);
    expect(d.counts).toEqual({ added: 2, removed: 1, renamed: 1, changed: 0, groupsAdded: 1, groupsRemoved: 1, groupsRenamed: 1, total: 4 });
    expect(d.putTags.map((t) => t.tagId).sort()).toEqual(["t2", "t3", "t4"]);
    expect(d.removeTagIds).toEqual(["t9"]);
    expect(d.removeGroupIds).toEqual(["g2"]);
    expect(diffTagLists(after, after).counts).toMatchObject({ added: 0, removed: 0, renamed: 0, changed: 0 });
    expect(diffTagLists(after, after).putTags).toEqual([]);
  });

  it("refreshes by id for creates and updates, fully for deletes, shuffles and id-less events", () => {
    expect(planTagSync({ changeType: "create", id: "t1", tagType: "tag" })).toEqual({ kind: "tags", tagIds: ["t1"] });
    expect(planTagSync({ changeType: "update", id: "g1", tagType: "tag_group" })).toEqual({ kind: "group", groupId: "g1" });
    expect(planTagSync({ changeType: "delete", id: "t1", tagType: "tag" })).toEqual({ kind: "full" });
    expect(planTagSync({ changeType: "shuffle", id: "g1" })).toEqual({ kind: "full" });
    expect(planTagSync({ changeType: "create" })).toEqual({ kind: "full" });
  });
});
