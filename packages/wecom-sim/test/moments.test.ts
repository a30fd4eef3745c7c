import { afterEach, describe, expect, it } from "vitest";
import { closeStarted, type Sim, startSim } from "./support/harness.ts";

let s: Sim;
afterEach(closeStarted);

type Violations = { violations: { api: string; errcode: number; rule: string }[] };

async function finish(jobid: string) {
  const r = await s.api("externalcontact/get_moment_task_result", undefined, { jobid });
  return r;
}

describe("moments", () => {
  it("add_moment_task is asynchronous: a jobid first, the moment once the job is done", async () => {
    s = await startSim({ seed: "demo" });
    const { media_id } = await s.upload("image", { filename: "new.jpg", contentType: "image/jpeg" });
    const add = await s.api("externalcontact/add_moment_task", {
      text: { content: "新品上市" },
      attachments: [{ msgtype: "image", image: { media_id } }],
      visible_range: { sender_list: { user_list: ["zhangwei", "ghost"] } },
    });
    expect(add.errcode).toBe(0);
    expect(add.jobid).toMatch(/^job/);
    const first = await finish(add.jobid);
    expect(first.status).toBe(2);
    expect(first.result).toBeUndefined();
    s.clock.advance(1000);
    const done = await finish(add.jobid);
    expect(done.status).toBe(3);
    expect(done.result.invalid_sender_list.user_list).toEqual(["ghost"]);
    const momentId = done.result.moment_id as string;

    const tasks = await s.api("externalcontact/get_moment_task", { moment_id: momentId });
    expect(tasks.task_list).toEqual([{ userid: "zhangwei", publish_status: 0 }]);
    // zhangwei's customers in the demo seed: 林晓, 周婷, 蒋琳
    const visible = await s.api("externalcontact/get_moment_customer_list", { moment_id: momentId, userid: "zhangwei" });
    expect(visible.customer_list).toHaveLength(3);
    expect((await s.api("externalcontact/get_moment_send_result", { moment_id: momentId, userid: "zhangwei" })).errcode).toBe(41062);

    await s.ok("POST", "staff-publish-moment", { momentId, userId: "zhangwei" });
    expect((await s.api("externalcontact/get_moment_task", { moment_id: momentId })).task_list[0].publish_status).toBe(1);
    const reached = await s.api("externalcontact/get_moment_send_result", { moment_id: momentId, userid: "zhangwei" });
    expect(reached.customer_list).toHaveLength(3);

    const ext = visible.customer_list[0].external_userid;
    await s.ok("POST", "moment-interaction", { momentId, userId: "zhangwei", externalUserId: ext, kind: "like" });
    await s.ok("POST", "moment-interaction", { momentId, userId: "zhangwei", externalUserId: ext, kind: "comment", content: "好看" });
    const comments = await s.api("externalcontact/get_moment_comments", { moment_id: momentId, userid: "zhangwei" });
    expect(comments.like_list).toEqual([{ external_userid: ext, create_time: expect.any(Number) }]);
    expect(comments.comment_list).toHaveLength(1);

    const list = await s.api("externalcontact/get_moment_list", { start_time: 1741500000, end_time: 1741700000 });
    expect(list.moment_list).toEqual([expect.objectContaining({ moment_id: momentId, create_type: 0, visible_type: 1, text: { content: "新品上市" } })]);
    expect(list.moment_list[0].image).toEqual([{ media_id }]);
  });

  it("a frozen clock still converges on the second poll; tag visibility targets tagged customers' follow users", async () => {
    s = await startSim({ seed: "demo" });
    const tags = await s.api("externalcontact/get_corp_tag_list", {});
    const vip = tags.tag_group.flatMap((g: { tag: { id: string; name: string }[] }) => g.tag).find((t: { name: string }) => t.name === "高价值").id;
    const add = await s.api("externalcontact/add_moment_task", { text: { content: "VIP 专享" }, visible_range: { external_contact_list: { tag_list: [vip] } } });
    expect((await finish(add.jobid)).status).toBe(2);
    const done = await finish(add.jobid);
    expect(done.status).toBe(3);
    const tasks = await s.api("externalcontact/get_moment_task", { moment_id: done.result.moment_id });
    // demo: 林晓 (zhangwei), 郑洁 (wangfang), 蒋琳 (chenjing) are 高价值
    expect(tasks.task_list.map((t: { userid: string }) => t.userid).sort()).toEqual(["chenjing", "wangfang", "zhangwei"]);
    const zw = await s.api("externalcontact/get_moment_customer_list", { moment_id: done.result.moment_id, userid: "zhangwei" });
    expect(zw.customer_list).toHaveLength(1);
    const list = await s.api("externalcontact/get_moment_list", { start_time: 1741500000, end_time: 1741700000 });
    expect(list.moment_list[0].visible_type).toBe(0);
  });

  it("a job nobody polls is finished by WeCom anyway: get_moment_list shows its moment, dated when the job was done, not when it was read", async () => {
    s = await startSim({ seed: "demo" });
    const at = s.clock.now().getTime();
    const add = await s.api("externalcontact/add_moment_task", { text: { content: "没人轮询" } });
    expect(add.errcode).toBe(0);
    s.clock.advance(10 * 60_000);
    const list = await s.api("externalcontact/get_moment_list", { start_time: Math.floor(at / 1000) - 60, end_time: Math.floor(at / 1000) + 5 });
    expect(list.moment_list).toEqual([expect.objectContaining({ text: { content: "没人轮询" }, create_time: String(Math.floor((at + 1000) / 1000)) })]);
  });

  it("≤10 moment tasks per minute per corp (45009, recorded); attachment rules", async () => {
    s = await startSim({ seed: "demo" });
    const codes: number[] = [];
    for (let i = 0; i < 11; i++) codes.push((await s.api("externalcontact/add_moment_task", { text: { content: `t${i}` } })).errcode);
    expect(codes).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 45009]);
    s.clock.advance(60_000);
    expect((await s.api("externalcontact/add_moment_task", { text: { content: "later" } })).errcode).toBe(0);

    const img = { msgtype: "image", image: { media_id: "m" } };
    expect((await s.api("externalcontact/add_moment_task", { attachments: Array(10).fill(img) })).errcode).toBe(40058);
    expect((await s.api("externalcontact/add_moment_task", { attachments: [img, { msgtype: "video", video: { media_id: "v" } }] })).errcode).toBe(41065);
    expect(
      (await s.api("externalcontact/add_moment_task", { attachments: [{ msgtype: "link", link: { url: "u" } }, { msgtype: "link", link: { url: "v" } }] })).errcode,
    ).toBe(40058);
    expect((await s.api("externalcontact/add_moment_task", {})).errcode).toBe(44004);
    const v = await s.ok<Violations>("GET", "violations");
    expect(v.violations.map((x) => x.rule)).toEqual([
      "moment.tasks-10-per-minute",
      "moment.attachment-count",
      "moment.one-attachment-type",
      "moment.attachment-count",
    ]);
  });

  it("a member posts at most 3 moments a day; the 4th publish is refused and recorded", async () => {
    s = await startSim({ seed: "demo" });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const add = await s.api("externalcontact/add_moment_task", { text: { content: `p${i}` }, visible_range: { sender_list: { user_list: ["lina"] } } });
      await finish(add.jobid);
      ids.push((await finish(add.jobid)).result.moment_id);
    }
    for (let i = 0; i < 3; i++) await s.ok("POST", "staff-publish-moment", { momentId: ids[i], userId: "lina" });
    const fourth = await s.world<{ errcode: number; rule: string }>("POST", "staff-publish-moment", { momentId: ids[3], userId: "lina" });
    expect(fourth.status).toBe(409);
    expect(fourth.body).toMatchObject({ errcode: 45009, rule: "moment.posts-3-per-staff-per-day" });
    const v = await s.ok<Violations>("GET", "violations");
    expect(v.violations.map((x) => [x.api, x.rule])).toEqual([["client:staff-publish-moment", "moment.posts-3-per-staff-per-day"]]);
    s.clock.set("2025-03-10T16:00:00Z"); // next day in Shanghai
    expect((await s.world("POST", "staff-publish-moment", { momentId: ids[3], userId: "lina" })).status).toBe(200);
  });
});
