import { describe, expect, it } from "vitest";
import { parseChannelCreate } from "../src/domain/channel.ts";
import {
  buildWelcomePayload,
  classifyWelcomeResponse,
  eventAgeMs,
  planWelcome,
  type SelectedWelcome,
  selectWelcome,
  welcomeDeadline,
} from "../src/domain/welcome.ts";

const SH = "Asia/Shanghai";
const MON_10 = new Date("2024-01-01T02:00:00Z"); // Monday 10:00 Shanghai
const MON_20 = new Date("2024-01-01T12:00:00Z"); // Monday 20:00 Shanghai

const schedule = { windows: [{ weekdays: [1, 2, 3, 4, 5], ranges: [{ start: "09:00", end: "18:00" }] }] };

describe("selectWelcome", () => {
  const both = parseChannelCreate({ name: "c", staff: ["a"], schedule, welcome: { text: "你好" }, welcomeOffHours: { text: "下班了" } });

  it("uses the off-hours variant outside the schedule and the default inside", () => {
    expect(selectWelcome(both, MON_10, SH)).toEqual({ variant: "default", message: { text: "你好", attachments: [] } });
    expect(selectWelcome(both, MON_20, SH)).toEqual({ variant: "off-hours", message: { text: "下班了", attachments: [] } });
  });

  it("decides in the corp timezone", () => {
    // 10:30 UTC is 18:30 in Shanghai
    const t = new Date("2024-01-01T10:30:00Z");
    expect(selectWelcome(both, t, SH)?.variant).toBe("off-hours");
    expect(selectWelcome(both, t, "UTC")?.variant).toBe("default");
  });

  it("falls back to the default off-hours when there is no variant, and to nothing without a welcome", () => {
    const onlyDefault = parseChannelCreate({ name: "c", staff: ["a"], schedule, welcome: { text: "你好" } });
    expect(selectWelcome(onlyDefault, MON_20, SH)?.variant).toBe("default");
    const onlyOff = parseChannelCreate({ name: "c", staff: ["a"], schedule, welcomeOffHours: { text: "下班了" } });
    expect(selectWelcome(onlyOff, MON_10, SH)).toBeUndefined();
    expect(selectWelcome(onlyOff, MON_20, SH)?.variant).toBe("off-hours");
    expect(selectWelcome(parseChannelCreate({ name: "c", staff: ["a"] }), MON_10, SH)).toBeUndefined();
  });
});

describe("buildWelcomePayload", () => {
  it("maps text and every attachment type to WeCom's JSON shape", () => {
    const { welcome } = parseChannelCreate({
      name: "c",
      staff: ["a"],
      welcome: {
        text: "欢迎光临",
        attachments: [
          { type: "image", mediaId: "MEDIA1" },
          { type: "image", picUrl: "https://cdn.example.com/p.png" },
          { type: "link", title: "新品", url: "https://shop.example.com", picUrl: "https://cdn.example.com/l.png", desc: "看看" },
          { type: "link", title: "只有标题", url: "https://shop.example.com/2" },
          { type: "miniprogram", title: "小程序", picMediaId: "PIC1", appId: "wx123", page: "pages/index?x=1" },
          { type: "video", mediaId: "VID1" },
          { type: "file", mediaId: "FILE1" },
        ],
      },
    });
    expect(buildWelcomePayload("CODE", welcome!)).toEqual({
      welcome_code: "CODE",
      text: { content: "欢迎光临" },
      attachments: [
        { msgtype: "image", image: { media_id: "MEDIA1" } },
        { msgtype: "image", image: { pic_url: "https://cdn.example.com/p.png" } },
        {
          msgtype: "link",
          link: { title: "新品", url: "https://shop.example.com", picurl: "https://cdn.example.com/l.png", desc: "看看" },
        },
        { msgtype: "link", link: { title: "只有标题", url: "https://shop.example.com/2" } },
        { msgtype: "miniprogram", miniprogram: { title: "小程序", pic_media_id: "PIC1", appid: "wx123", page: "pages/index?x=1" } },
        { msgtype: "video", video: { media_id: "VID1" } },
        { msgtype: "file", file: { media_id: "FILE1" } },
      ],
    });
  });

  it("leaves out empty parts", () => {
    expect(buildWelcomePayload("C", { text: "hi", attachments: [] })).toEqual({ welcome_code: "C", text: { content: "hi" } });
    expect(buildWelcomePayload("C", { attachments: [{ type: "file", mediaId: "F" }] })).toEqual({
      welcome_code: "C",
      attachments: [{ msgtype: "file", file: { media_id: "F" } }],
    });
  });
});

describe("planWelcome", () => {
  const created = new Date("2024-01-01T02:00:00Z");
  const welcome: SelectedWelcome = { variant: "default", message: { text: "你好", attachments: [] } };
  const later = (ms: number) => new Date(created.getTime() + ms);

  it("sends within 20 s of CreateTime, with the deadline", () => {
    const p = planWelcome({ welcomeCode: "W", createTime: created }, welcome, later(1_500));
    expect(p).toEqual({
      action: "send",
      variant: "default",
      payload: { welcome_code: "W", text: { content: "你好" } },
      deadline: new Date("2024-01-01T02:00:20Z"),
    });
    expect(planWelcome({ welcomeCode: "W", createTime: created }, welcome, later(20_000)).action).toBe("send");
  });

  it("does not call WeCom once the code is older than 20 s", () => {
    expect(planWelcome({ welcomeCode: "W", createTime: created }, welcome, later(20_001))).toEqual({
      action: "skip",
      outcome: { status: "expired", variant: "default", ageMs: 20_001 },
    });
  });

  it("honours a safety margin", () => {
    expect(planWelcome({ welcomeCode: "W", createTime: created }, welcome, later(18_500), { marginMs: 2_000 }).action).toBe("skip");
    expect(planWelcome({ welcomeCode: "W", createTime: created }, welcome, later(18_000), { marginMs: 2_000 }).action).toBe("send");
  });

  it("records no-code (console welcome or prior chat) without failing, even when late", () => {
    expect(planWelcome({ createTime: created }, welcome, later(800))).toEqual({ action: "skip", outcome: { status: "no-code", latencyMs: 800 } });
    expect(planWelcome({ welcomeCode: "", createTime: created }, welcome, later(60_000))).toMatchObject({ outcome: { status: "no-code" } });
  });

  it("records no-message when the channel has no welcome", () => {
    expect(planWelcome({ welcomeCode: "W", createTime: created }, undefined, later(300))).toEqual({
      action: "skip",
      outcome: { status: "no-message", latencyMs: 300 },
    });
  });

  it("measures age and deadline from CreateTime", () => {
    expect(eventAgeMs(created, later(1234))).toBe(1234);
    expect(welcomeDeadline(created).getTime() - created.getTime()).toBe(20_000);
  });
});

describe("classifyWelcomeResponse", () => {
  const createTime = new Date("2024-01-01T02:00:00Z");
  const at = (ms: number) => new Date(createTime.getTime() + ms);

  it("errcode 0 is sent, with latency from CreateTime", () => {
    expect(classifyWelcomeResponse({ errcode: 0, errmsg: "ok" }, { variant: "off-hours", createTime, at: at(2_345) })).toEqual({
      status: "sent",
      variant: "off-hours",
      latencyMs: 2_345,
    });
  });

  it("41051 (already used/chatting) and 41050 (expired) are final failures", () => {
    for (const errcode of [41050, 41051, 40001]) {
      expect(classifyWelcomeResponse({ errcode, errmsg: "x" }, { variant: "default", createTime, at: at(3_000) })).toEqual({
        status: "failed",
        variant: "default",
        errcode,
        errmsg: "x",
        retryable: false,
        latencyMs: 3_000,
      });
    }
  });

  it("busy / rate-limited is retryable only inside the 20 s window", () => {
    expect(classifyWelcomeResponse({ errcode: -1 }, { variant: "default", createTime, at: at(5_000) })).toMatchObject({ retryable: true });
    expect(classifyWelcomeResponse({ errcode: 45033 }, { variant: "default", createTime, at: at(19_999) })).toMatchObject({ retryable: true });
    expect(classifyWelcomeResponse({ errcode: -1 }, { variant: "default", createTime, at: at(20_000) })).toMatchObject({ retryable: false });
  });
});
