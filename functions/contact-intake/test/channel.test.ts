import { AppError, shortId } from "@siyu/kernel";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyChannelPatch,
  type ChannelCreateInput,
  channelStateSchema,
  channelUserIds,
  dailyCapOf,
  isSiyuChannelState,
  newChannelState,
  parseChannelCreate,
  parseChannelPatch,
  UNKNOWN_CHANNEL_ID,
  utf8Bytes,
  validateChannel,
} from "../src/domain/channel.ts";
import { InvalidInput } from "../src/domain/errors.ts";
import { problemOf } from "../src/http/problems.ts";

const base: ChannelCreateInput = { name: "Store poster", staff: ["alice"] };

function issues(input: unknown) {
  const r = validateChannel(input);
  if (r.ok) throw new Error("expected validation to fail");
  return r.issues;
}
function paths(input: unknown) {
  return issues(input).map((i) => i.path);
}
const ok = (input: unknown) => {
  const r = validateChannel(input);
  if (!r.ok) throw new Error(`expected valid, got ${JSON.stringify(r.issues)}`);
  return r.value;
};

describe("channel create schema", () => {
  it("applies defaults and accepts bare user ids", () => {
    expect(ok({ ...base, staff: ["alice", { userId: "bob", dailyCap: 300, weight: 3 }] })).toEqual({
      name: "Store poster",
      staff: [
        { userId: "alice", weight: 1 },
        { userId: "bob", dailyCap: 300, weight: 3 },
      ],
      backupStaff: [],
      rotation: "wecom-random",
      skipVerify: true,
      tagIds: [],
    });
  });

  it("keeps skipVerify false when asked", () => {
    expect(ok({ ...base, skipVerify: false }).skipVerify).toBe(false);
  });

  it("requires a name and at least one staff member", () => {
    expect(paths({ name: " ", staff: [] })).toEqual(["name", "staff"]);
  });

  it("rejects unknown fields (typos must not be silently ignored)", () => {
    const found = issues({ ...base, dailycap: 5 });
    expect(found[0]?.message).toContain("dailycap");
  });

  it("validates caps and weights with member paths", () => {
    const found = issues({
      ...base,
      staff: ["a", "b", { userId: "c", dailyCap: 0 }, { userId: "d", dailyCap: 1001 }, { userId: "e", dailyCap: 2.5, weight: 0 }],
    });
    expect(found.map((i) => i.path)).toEqual(["staff.2.dailyCap", "staff.3.dailyCap", "staff.4.dailyCap", "staff.4.weight"]);
    expect(found[0]?.message).toMatch(/200.*400.*800.*1000/);
  });

  it("accepts caps at the bounds 1 and 1000", () => {
    expect(ok({ ...base, staff: [{ userId: "a", dailyCap: 1 }, { userId: "b", dailyCap: 1000 }] }).staff).toHaveLength(2);
  });

  it("allows 100 staff on a code but not 101 (WeCom 41041)", () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `u${i}`);
    expect(ok({ ...base, staff: ids(100) }).staff).toHaveLength(100);
    expect(paths({ ...base, staff: ids(101) })).toEqual(["staff"]);
    expect(paths({ ...base, backupStaff: ids(101).map((u) => `b${u}`) })).toEqual(["backupStaff"]);
  });

  it("rejects duplicate user ids within a list", () => {
    expect(paths({ ...base, staff: ["a", "b", "a"] })).toEqual(["staff.2.userId"]);
  });

  it("rejects a member who is both in the pool and a backup", () => {
    const found = issues({ ...base, staff: ["a", "b"], backupStaff: ["c", "b"] });
    expect(found).toEqual([{ path: "backupStaff.1.userId", message: expect.stringContaining("staff.1") }]);
  });

  it("rejects a member who is both off-hours staff and a backup", () => {
    const schedule = { windows: [{ weekdays: [1], ranges: [{ start: "09:00", end: "18:00" }] }], offHoursStaff: ["n"] };
    expect(paths({ ...base, schedule, backupStaff: ["n"] })).toEqual(["backupStaff.0.userId"]);
  });

  it("lets a pool member work off-hours too, with one cap (inherited or equal)", () => {
    const windows = [{ weekdays: [1], ranges: [{ start: "09:00", end: "18:00" }] }];
    const staff = [{ userId: "a", dailyCap: 300 }];
    expect(ok({ ...base, staff, schedule: { windows, offHoursStaff: ["a"] } }).schedule?.offHoursStaff).toEqual([
      { userId: "a", weight: 1 },
    ]);
    expect(ok({ ...base, staff, schedule: { windows, offHoursStaff: [{ userId: "a", dailyCap: 300 }] } })).toBeTruthy();
    expect(paths({ ...base, staff, schedule: { windows, offHoursStaff: [{ userId: "a", dailyCap: 100 }] } })).toEqual([
      "schedule.offHoursStaff.0.dailyCap",
    ]);
  });

  it("rejects an unknown rotation", () => {
    expect(paths({ ...base, rotation: "random" })).toEqual(["rotation"]);
    for (const rotation of ["wecom-random", "round-robin", "weighted"]) expect(ok({ ...base, rotation }).rotation).toBe(rotation);
  });

  it("rejects duplicate and too many tags", () => {
    expect(paths({ ...base, tagIds: ["t1", "t2", "t1"] })).toEqual(["tagIds.2"]);
    expect(paths({ ...base, tagIds: Array.from({ length: 101 }, (_, i) => `t${i}`) })).toEqual(["tagIds"]);
  });

  it("throws a 400 AppError with field issues from parseChannelCreate", () => {
    try {
      parseChannelCreate({ ...base, staff: ["a", { userId: "b", dailyCap: -1 }] });
      expect.unreachable();
    } catch (thrown) {
      expect(thrown).toBeInstanceOf(InvalidInput);
      const err = problemOf(thrown);
      expect(err).toBeInstanceOf(AppError);
      const e = err as AppError;
      expect(e.status).toBe(400);
      expect(e.type).toBe("validation-failed");
      expect(e.errors?.map((i) => i.path)).toEqual(["staff.1.dailyCap"]);
    }
  });
});

describe("welcome message validation", () => {
  const welcome = (w: unknown) => ({ ...base, welcome: w });

  it("counts UTF-8 bytes, not characters", () => {
    expect(utf8Bytes("abc")).toBe(3);
    expect(utf8Bytes("欢迎")).toBe(6);
    expect(utf8Bytes("😀")).toBe(4);
  });

  it("accepts exactly 4000 bytes of Chinese text and rejects 4001+", () => {
    const zh1333 = "欢".repeat(1333); // 3999 bytes
    expect(ok(welcome({ text: `${zh1333}a` })).welcome?.text).toHaveLength(1334);
    const found = issues(welcome({ text: `${zh1333}ab` }));
    expect(found).toEqual([{ path: "welcome.text", message: expect.stringContaining("4001") }]);
    // 1334 CJK characters = 4002 bytes although far fewer than 4000 characters
    expect(paths(welcome({ text: "欢".repeat(1334) }))).toEqual(["welcome.text"]);
  });

  it("accepts 4000 ASCII bytes and rejects 4001", () => {
    expect(ok(welcome({ text: "a".repeat(4000) }))).toBeTruthy();
    expect(paths(welcome({ text: "a".repeat(4001) }))).toEqual(["welcome.text"]);
  });

  it("accepts 9 attachments and rejects 10", () => {
    const img = { type: "image", picUrl: "https://cdn.example.com/a.png" };
    expect(ok(welcome({ attachments: Array(9).fill(img) })).welcome?.attachments).toHaveLength(9);
    expect(paths(welcome({ attachments: Array(10).fill(img) }))).toEqual(["welcome.attachments"]);
  });

  it("needs text or attachments; blank text counts as none", () => {
    expect(paths(welcome({}))).toEqual(["welcome.text"]);
    expect(paths(welcome({ text: "  \n" }))).toEqual(["welcome.text"]);
    expect(ok(welcome({ text: " ", attachments: [{ type: "file", mediaId: "m1" }] })).welcome?.text).toBeUndefined();
  });

  it("validates each attachment type with paths", () => {
    const found = issues(
      welcome({
        text: "hi",
        attachments: [
          { type: "image" },
          { type: "image", mediaId: "m", picUrl: "https://x.example/p.png" },
          { type: "link", title: "题".repeat(43), url: "https://x.example" }, // 129 bytes
          { type: "link", title: "ok", url: "javascript:alert(1)", desc: "d".repeat(513) },
          { type: "miniprogram", title: "小".repeat(22), picMediaId: "m", appId: "wx1", page: "pages/index" }, // 66 bytes
          { type: "miniprogram", title: "t" },
          { type: "video" },
          { type: "file", mediaId: "" },
          { type: "audio", mediaId: "m" },
        ],
      }),
    );
    expect(found.map((i) => i.path)).toEqual([
      "welcome.attachments.0.mediaId",
      "welcome.attachments.1.mediaId",
      "welcome.attachments.2.title",
      "welcome.attachments.3.url",
      "welcome.attachments.3.desc",
      "welcome.attachments.4.title",
      "welcome.attachments.5.picMediaId",
      "welcome.attachments.5.appId",
      "welcome.attachments.5.page",
      "welcome.attachments.6.mediaId",
      "welcome.attachments.7.mediaId",
      "welcome.attachments.8.type",
    ]);
  });

  it("accepts attachment titles exactly at their byte limits", () => {
    const w = ok(
      welcome({
        attachments: [
          { type: "link", title: "题".repeat(42) + "ab", url: "https://x.example", desc: "d".repeat(512) }, // 128 bytes
          { type: "miniprogram", title: "小".repeat(21) + "a", picMediaId: "m", appId: "wx1", page: "p" }, // 64 bytes
        ],
      }),
    );
    expect(w.welcome?.attachments).toHaveLength(2);
  });

  it("validates the off-hours variant the same way and requires a schedule for it", () => {
    expect(paths({ ...base, welcomeOffHours: { text: "晚安" } })).toEqual(["welcomeOffHours"]);
    const schedule = { windows: [{ weekdays: [1, 2, 3, 4, 5], ranges: [{ start: "09:00", end: "18:00" }] }] };
    expect(paths({ ...base, schedule, welcomeOffHours: { attachments: Array(10).fill({ type: "video", mediaId: "v" }) } })).toEqual([
      "welcomeOffHours.attachments",
    ]);
    expect(ok({ ...base, schedule, welcomeOffHours: { text: "晚安" } }).schedule?.offHoursStaff).toEqual([]);
  });
});

describe("schedule validation", () => {
  const withWindows = (windows: unknown) => ({ ...base, schedule: { windows } });

  it("accepts several ranges per day, touching ranges and 24:00 ends", () => {
    const c = ok(
      withWindows([
        { weekdays: [1, 2, 3, 4, 5], ranges: [{ start: "09:00", end: "12:00" }, { start: "12:00", end: "18:00" }] },
        { weekdays: [5], ranges: [{ start: "20:00", end: "24:00" }] },
        { weekdays: [6], ranges: [{ start: "00:00", end: "02:00" }] },
      ]),
    );
    expect(c.schedule?.windows).toHaveLength(3);
  });

  it("requires end after start (no range crosses midnight)", () => {
    expect(paths(withWindows([{ weekdays: [1], ranges: [{ start: "22:00", end: "02:00" }] }]))).toEqual([
      "schedule.windows.0.ranges.0.end",
    ]);
    expect(paths(withWindows([{ weekdays: [1], ranges: [{ start: "09:00", end: "09:00" }] }]))).toEqual([
      "schedule.windows.0.ranges.0.end",
    ]);
  });

  it("rejects malformed times and weekdays", () => {
    expect(
      paths(
        withWindows([
          { weekdays: [0, 8, 1.5], ranges: [{ start: "24:00", end: "9:00" }] },
          { weekdays: [2, 2], ranges: [] },
          { weekdays: [], ranges: [{ start: "08:60", end: "25:00" }] },
        ]),
      ),
    ).toEqual([
      "schedule.windows.0.weekdays.0",
      "schedule.windows.0.weekdays.1",
      "schedule.windows.0.weekdays.2",
      "schedule.windows.0.ranges.0.start",
      "schedule.windows.0.ranges.0.end",
      "schedule.windows.1.weekdays.1",
      "schedule.windows.1.ranges",
      "schedule.windows.2.weekdays",
      "schedule.windows.2.ranges.0.start",
      "schedule.windows.2.ranges.0.end",
    ]);
  });

  it("rejects overlapping ranges on the same weekday, within and across windows", () => {
    const found = issues(
      withWindows([
        { weekdays: [1, 3], ranges: [{ start: "09:00", end: "12:00" }, { start: "11:30", end: "13:00" }] },
        { weekdays: [2, 3], ranges: [{ start: "10:00", end: "10:30" }] },
        { weekdays: [4], ranges: [{ start: "10:00", end: "10:30" }] },
      ]),
    );
    expect(found.map((i) => i.path)).toEqual(["schedule.windows.0.ranges.1", "schedule.windows.1.ranges.0"]);
    expect(found[1]?.message).toContain("weekday 3");
  });

  it("needs at least one window", () => {
    expect(paths(withWindows([]))).toEqual(["schedule.windows"]);
  });
});

describe("channel patch", () => {
  const current = parseChannelCreate({
    name: "Livestream",
    staff: ["a", "b"],
    backupStaff: ["z"],
    schedule: { windows: [{ weekdays: [1, 2, 3, 4, 5], ranges: [{ start: "09:00", end: "18:00" }] }] },
    welcome: { text: "你好" },
    welcomeOffHours: { text: "下班了" },
  });

  it("needs at least one field and validates fields", () => {
    expect(() => parseChannelPatch({})).toThrow(InvalidInput);
    try {
      parseChannelPatch({ staff: [{ userId: "a", dailyCap: 5000 }] });
      expect.unreachable();
    } catch (e) {
      expect((problemOf(e) as AppError).errors?.map((i) => i.path)).toEqual(["staff.0.dailyCap"]);
    }
  });

  it("does not inject defaults into a patch", () => {
    expect(parseChannelPatch({ name: "New" })).toEqual({ name: "New" });
  });

  it("replaces fields and removes optional ones with null", () => {
    const next = applyChannelPatch(current, parseChannelPatch({ name: "Live 2", staff: ["c"], welcome: null }));
    expect(next.name).toBe("Live 2");
    expect(next.staff).toEqual([{ userId: "c", weight: 1 }]);
    expect(next.welcome).toBeUndefined();
    expect(next.backupStaff).toEqual([{ userId: "z", weight: 1 }]);
    expect(current.name).toBe("Livestream");
  });

  it("re-checks cross-field rules on the merged channel", () => {
    const run = (patch: unknown) => {
      try {
        applyChannelPatch(current, parseChannelPatch(patch));
        return [];
      } catch (e) {
        return (problemOf(e) as AppError).errors?.map((i) => i.path);
      }
    };
    expect(run({ backupStaff: ["a"] })).toEqual(["backupStaff.0.userId"]);
    // removing the schedule while an off-hours welcome exists
    expect(run({ schedule: null })).toEqual(["welcomeOffHours"]);
    expect(run({ schedule: null, welcomeOffHours: null })).toEqual([]);
  });
});

describe("channel state and helpers", () => {
  it("generates Siyu states within WeCom's 30 characters", () => {
    fc.assert(
      fc.property(fc.integer(), () => {
        const s = newChannelState();
        expect(s).toHaveLength(10);
        expect(isSiyuChannelState(s)).toBe(true);
        expect(channelStateSchema.safeParse(s).success).toBe(true);
        expect(s).not.toBe(UNKNOWN_CHANNEL_ID);
      }),
      { numRuns: 200 },
    );
    expect(newChannelState((n) => "x".repeat(n))).toBe("xxxxxxxxxx");
    expect(isSiyuChannelState(shortId(10))).toBe(true);
  });

  it("tells foreign states apart and bounds any state at 30 characters", () => {
    expect(isSiyuChannelState("teststate")).toBe(false);
    expect(isSiyuChannelState(UNKNOWN_CHANNEL_ID)).toBe(false);
    expect(channelStateSchema.safeParse("s".repeat(30)).success).toBe(true);
    expect(channelStateSchema.safeParse("s".repeat(31)).success).toBe(false);
  });

  it("resolves a member's cap from any list, else the default", () => {
    const c = parseChannelCreate({
      ...base,
      staff: ["a", { userId: "b", dailyCap: 300 }],
      backupStaff: [{ userId: "z", dailyCap: 50 }],
      schedule: { windows: [{ weekdays: [1], ranges: [{ start: "09:00", end: "10:00" }] }], offHoursStaff: ["b", { userId: "n", dailyCap: 20 }] },
    });
    expect(dailyCapOf(c, "a")).toBe(200);
    expect(dailyCapOf(c, "a", 400)).toBe(400);
    expect(dailyCapOf(c, "b")).toBe(300);
    expect(dailyCapOf(c, "n")).toBe(20);
    expect(dailyCapOf(c, "z")).toBe(50);
    expect(channelUserIds(c)).toEqual(["a", "b", "n", "z"]);
  });
});
