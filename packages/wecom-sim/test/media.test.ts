import { afterEach, describe, expect, it } from "vitest";
import { multipartBoundary, parseMultipart } from "../src/multipart.ts";
import { closeStarted, type Sim, startSim } from "./support/harness.ts";

let s: Sim;
afterEach(closeStarted);

type Violations = { violations: { api: string; errcode: number; rule: string }[] };
type MediaList = { media: { mediaId: string; kind: string; attachmentType: number; filename: string; contentType: string; bytes: number; uploadedAt: string; expiresAt: string }[] };

const MB10 = 10 * 1024 * 1024;
const DAY_MS = 86_400_000;
const image = (media_id: string) => ({ msgtype: "image", image: { media_id } });
const video = (media_id: string) => ({ msgtype: "video", video: { media_id } });
const link = (media_id?: string) => ({ msgtype: "link", link: { title: "新品", url: "https://example.com/p", ...(media_id ? { media_id } : {}) } });
const moment = (attachments: unknown[]) => s.api("externalcontact/add_moment_task", { text: { content: "上新" }, attachments });
const rules = async () => (await s.ok<Violations>("GET", "violations")).violations.map((v) => [v.api, v.errcode, v.rule]);

/** A multipart body written by hand, for what FormData cannot leave out (a filename, a part's content-type). */
function rawForm(part: string, boundary = "----siyu-test"): { body: Uint8Array; headers: Record<string, string> } {
  return {
    body: new TextEncoder().encode(`--${boundary}\r\n${part}\r\n--${boundary}--\r\n`),
    headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
  };
}

describe("media/upload_attachment", () => {
  it("stores an image or a video with its upload time; GET /_sim/media lists them", async () => {
    s = await startSim({ seed: "demo" });
    const img = await s.upload("image", { filename: "新品.jpg", contentType: "image/jpeg", bytes: new Uint8Array(2048) });
    expect(img).toMatchObject({ errcode: 0, type: "image", media_id: expect.stringMatching(/^[\w-]{44}$/), created_at: Math.floor(s.clock.now().getTime() / 1000) });
    const vid = await s.upload("video", { filename: "clip.mp4", contentType: "video/mp4", bytes: new Uint8Array(MB10) });
    expect(vid).toMatchObject({ errcode: 0, type: "video" });
    const list = await s.ok<MediaList>("GET", "media");
    expect(list.media).toEqual([
      {
        mediaId: img.media_id,
        kind: "image",
        attachmentType: 1,
        filename: "新品.jpg",
        contentType: "image/jpeg",
        bytes: 2048,
        uploadedAt: "2025-03-10T02:00:00.000Z",
        expiresAt: "2025-03-13T02:00:00.000Z",
      },
      expect.objectContaining({ mediaId: vid.media_id, kind: "video", bytes: MB10 }),
    ]);
    expect(await rules()).toEqual([]);
  });

  it("refuses other media types and attachment types (40004) and a request without a file (41005)", async () => {
    s = await startSim({ seed: "demo" });
    expect((await s.upload("file", { filename: "a.pdf", contentType: "application/pdf" })).errcode).toBe(40004);
    expect((await s.upload("voice")).errcode).toBe(40004);
    expect((await s.upload("image", {}, { attachment_type: "3" })).errcode).toBe(40004);
    const noType = await s.apiForm("media/upload_attachment", new FormData(), { media_type: "image" });
    expect(noType.errcode).toBe(40004);

    const other = new FormData();
    other.append("file", new Blob([new Uint8Array(100)], { type: "image/png" }), "a.png");
    expect((await s.apiForm("media/upload_attachment", other, { media_type: "image", attachment_type: "1" })).errcode).toBe(41005);
    const json = new TextEncoder().encode(JSON.stringify({ media: "abc" }));
    expect((await s.apiForm("media/upload_attachment", json, { media_type: "image", attachment_type: "1" }, { "content-type": "application/json" })).errcode).toBe(41005);
    const noFilename = rawForm('Content-Disposition: form-data; name="media"\r\nContent-Type: image/png\r\n\r\nPNGDATA');
    expect((await s.apiForm("media/upload_attachment", noFilename.body, { media_type: "image", attachment_type: "1" }, noFilename.headers)).errmsg).toMatch(
      /^media data missing: the media part has no filename/,
    );
    const noContentType = rawForm('Content-Disposition: form-data; name="media"; filename="a.png"\r\n\r\nPNGDATA');
    expect((await s.apiForm("media/upload_attachment", noContentType.body, { media_type: "image", attachment_type: "1" }, noContentType.headers)).errcode).toBe(41005);
    // WeCom's own example: unquoted filelength after the filename
    const wecomExample = rawForm('Content-Disposition: form-data; name="media";filename="wework.png"; filelength=7\r\nContent-Type: application/octet-stream\r\n\r\nPNGDATA');
    expect((await s.apiForm("media/upload_attachment", wecomExample.body, { media_type: "image", attachment_type: "1" }, wecomExample.headers)).errcode).toBe(0);
    expect((await s.ok<MediaList>("GET", "media")).media.map((m) => [m.filename, m.bytes])).toEqual([["wework.png", 7]]);
    expect(await rules()).toEqual([]);
  });

  it("an image or a video over 10 MB is refused (40009 / 40011) and recorded", async () => {
    s = await startSim({ seed: "demo" });
    expect((await s.upload("image", { bytes: new Uint8Array(MB10) })).errcode).toBe(0);
    expect((await s.upload("image", { bytes: new Uint8Array(MB10 + 1) })).errcode).toBe(40009);
    // beyond what the simulator buffers: still WeCom's answer, not a broken connection
    expect((await s.upload("video", { filename: "v.mp4", contentType: "video/mp4", bytes: new Uint8Array(13 * 1024 * 1024) })).errcode).toBe(40011);
    expect(await rules()).toEqual([
      ["media/upload_attachment", 40009, "media.image-10mb"],
      ["media/upload_attachment", 40011, "media.video-10mb"],
    ]);
    expect((await s.ok<MediaList>("GET", "media")).media).toHaveLength(1);
  });
});

describe("add_moment_task takes only media uploaded for moments", () => {
  it("a media_id lives 3 days: exactly 3 days later it works, 1 s more is 40007 and recorded", async () => {
    s = await startSim({ seed: "demo" });
    const { media_id } = await s.upload("image");
    expect((await moment([image(media_id)])).errcode).toBe(0);
    s.clock.advance(3 * DAY_MS);
    expect((await moment([image(media_id)])).errcode).toBe(0);
    s.clock.advance(1000);
    const late = await moment([image(media_id)]);
    expect(late.errcode).toBe(40007);
    expect(late.errmsg).toMatch(/valid 3 days/);
    expect(await rules()).toEqual([["externalcontact/add_moment_task", 40007, "moment.media-3-days"]]);
  });

  it("unknown ids, an image used as a video and a video used as an image are 40007 (input errors, not recorded)", async () => {
    s = await startSim({ seed: "demo" });
    const img = (await s.upload("image")).media_id as string;
    const vid = (await s.upload("video", { filename: "v.mp4", contentType: "video/mp4" })).media_id as string;
    expect((await moment([image("MEDIA1")])).errcode).toBe(40007);
    expect((await moment([image(img), image("MEDIA1")])).errmsg).toMatch(/attachments\[1\]\.image\.media_id MEDIA1 was never uploaded/);
    expect((await moment([video(img)])).errcode).toBe(40007);
    expect((await moment([image(vid)])).errcode).toBe(40007);
    expect((await moment([{ msgtype: "video", video: {} }])).errcode).toBe(40058);
    expect((await moment([video(vid)])).errcode).toBe(0);
    expect((await moment([image(img), image(img)])).errcode).toBe(0);
    expect(await rules()).toEqual([]);
  });

  it("a link's cover, when given, must be an uploaded image", async () => {
    s = await startSim({ seed: "demo" });
    const img = (await s.upload("image")).media_id as string;
    const vid = (await s.upload("video", { filename: "v.mp4", contentType: "video/mp4" })).media_id as string;
    expect((await moment([link("cover-never-uploaded")])).errcode).toBe(40007);
    expect((await moment([link(vid)])).errcode).toBe(40007);
    expect((await moment([link(img)])).errcode).toBe(0);
  });

  it("media uploaded with attachment_type 2 (product album) is refused and recorded", async () => {
    s = await startSim({ seed: "demo" });
    const album = await s.upload("image", {}, { attachment_type: "2" });
    expect(album.errcode).toBe(0);
    expect((await moment([image(album.media_id)])).errcode).toBe(40007);
    expect(await rules()).toEqual([["externalcontact/add_moment_task", 40007, "moment.media-attachment-type-1"]]);
  });
});

describe("cancel_moment_task", () => {
  it("a jobid is not a moment_id: 41060, recorded; the moment_id itself works", async () => {
    s = await startSim({ seed: "demo" });
    const { jobid } = await s.api("externalcontact/add_moment_task", { text: { content: "限时" }, visible_range: { sender_list: { user_list: ["lina"] } } });
    expect((await s.api("externalcontact/cancel_moment_task", { moment_id: jobid })).errcode).toBe(41060);
    expect((await s.api("externalcontact/cancel_moment_task", { moment_id: "mom-unknown" })).errcode).toBe(41060);
    expect((await s.api("externalcontact/cancel_moment_task", {})).errcode).toBe(41059);
    expect(await rules()).toEqual([["externalcontact/cancel_moment_task", 41060, "moment.cancel-needs-moment-id"]]);
    await s.api("externalcontact/get_moment_task_result", undefined, { jobid });
    const done = await s.api("externalcontact/get_moment_task_result", undefined, { jobid });
    expect((await s.api("externalcontact/cancel_moment_task", { moment_id: done.result.moment_id })).errcode).toBe(0);
  });
});

describe("multipart reader", () => {
  it("reads quoted and unquoted parameters, binary data, and refuses a body without its closing delimiter", () => {
    expect(multipartBoundary('multipart/form-data; boundary="a b"')).toBe("a b");
    expect(multipartBoundary("application/json")).toBeUndefined();
    const data = Buffer.from([0, 13, 10, 45, 45, 255]);
    const body = Buffer.concat([
      Buffer.from('--xx\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n--xx\r\nContent-Disposition: form-data; name=media; filename="a\\"b.png"\r\ncontent-type: image/png\r\n\r\n'),
      data,
      Buffer.from("\r\n--xx--\r\n"),
    ]);
    const parts = parseMultipart(body, "xx");
    expect(parts?.map((p) => [p.name, p.filename, p.contentType, [...p.data]])).toEqual([
      ["note", undefined, undefined, [...Buffer.from("hi")]],
      ["media", 'a"b.png', "image/png", [...data]],
    ]);
    expect(parseMultipart(body.subarray(0, body.length - 8), "xx")).toBeNull();
  });
});
