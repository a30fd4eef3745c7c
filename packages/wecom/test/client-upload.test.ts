import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type AttachmentMediaType, WECOM_LIMITS as L, TokenCache, WecomClient, WecomLimitError, WecomValidationError } from "../src/index.ts";
import { type FakeWecom, type RecordedRequest, startFakeWecom } from "./support/fake-wecom.ts";

const UPLOAD = "media/upload_attachment";
let fake: FakeWecom;
let client: WecomClient;
/** Per test: what the fake answers to an upload (default a success with created_at as a string). */
let answer: (req: RecordedRequest) => Record<string, unknown> | undefined;

beforeAll(async () => {
  fake = await startFakeWecom((req) => (req.api === UPLOAD ? answer(req) : undefined));
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
  answer = () => ({ errcode: 0, errmsg: "", type: "image", media_id: "1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0", created_at: "1380000000" });
  client = new WecomClient({ baseUrl: fake.baseUrl, corpId: "wwcorp", secret: "sec", tokenCache: new TokenCache() });
});

const uploads = () => fake.requests.filter((r) => r.api === UPLOAD);
const file = (bytes: Uint8Array, filename = "海报.jpg", contentType = "image/jpeg") => ({ filename, contentType, bytes });

/** The multipart body as the receiving side reads it. */
async function formOf(req: RecordedRequest) {
  const form = await new Response(new Uint8Array(req.raw), { headers: { "content-type": req.contentType ?? "" } }).formData();
  return { keys: [...form.keys()], media: form.get("media") as File };
}

describe("uploadAttachment", () => {
  it("POSTs one multipart part named media (filename, content-type, bytes) with media_type and attachment_type=1", async () => {
    const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0x00, 0x0d, 0x0a, 0x2d, 0x2d, 0x42]);
    const r = await client.uploadAttachment("image", file(bytes));
    expect(r).toMatchObject({ type: "image", media_id: "1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0", created_at: 1380000000 });
    const [req] = uploads();
    expect(req?.method).toBe("POST");
    expect(req?.query.get("media_type")).toBe("image");
    expect(req?.query.get("attachment_type")).toBe("1");
    expect(req?.query.get("access_token")).toMatch(/^TOKEN-/);
    expect(req?.contentType).toMatch(/^multipart\/form-data; boundary=/);
    const { keys, media } = await formOf(req!);
    expect(keys).toEqual(["media"]);
    expect(media.name).toBe("海报.jpg");
    expect(media.type).toBe("image/jpeg");
    expect(new Uint8Array(await media.arrayBuffer())).toEqual(bytes);
  });

  it("created_at may come as a number", async () => {
    answer = () => ({ errcode: 0, errmsg: "ok", type: "video", media_id: "v1", created_at: 1741572000 });
    expect(await client.uploadAttachment("video", file(new Uint8Array(10), "a.mp4", "video/mp4"))).toMatchObject({ type: "video", created_at: 1741572000 });
  });

  it("on 42001 the same file goes again with a fresh token", async () => {
    let seen = 0;
    answer = (req) => (++seen === 1 ? { errcode: 42001, errmsg: "access_token expired" } : { errcode: 0, type: "image", media_id: `m-${req.query.get("access_token")}`, created_at: 1 });
    const bytes = new TextEncoder().encode("PNG-bytes");
    const { media_id } = await client.uploadAttachment("image", file(bytes, "a.png", "image/png"));
    const [first, second] = uploads().map((r) => r.query.get("access_token"));
    expect(second).not.toBe(first);
    expect(media_id).toBe(`m-${second}`);
    const sent = await Promise.all(uploads().map(async (r) => new Uint8Array(await (await formOf(r)).media.arrayBuffer())));
    expect(sent).toEqual([bytes, bytes]);
  });

  it("10 MB per image or video passes, one byte more, an empty file, no filename or content-type, or another type is refused before sending", async () => {
    const at = new Uint8Array(L.attachmentImageBytes);
    await client.uploadAttachment("image", file(at));
    await client.uploadAttachment("video", file(new Uint8Array(L.attachmentVideoBytes), "v.mp4", "video/mp4"));
    expect(uploads()).toHaveLength(2);
    const refused = async (mediaType: string, f: ReturnType<typeof file>) => {
      const err = await client.uploadAttachment(mediaType as AttachmentMediaType, f).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WecomValidationError);
      return err as WecomValidationError;
    };
    expect(await refused("image", file(new Uint8Array(L.attachmentImageBytes + 1)))).toMatchObject({
      api: UPLOAD,
      field: "file.bytes",
      limit: 10 * 1024 * 1024,
      actual: 10 * 1024 * 1024 + 1,
      unit: "bytes",
    });
    expect(await refused("video", file(new Uint8Array(L.attachmentVideoBytes + 1), "v.mp4", "video/mp4"))).toBeInstanceOf(WecomLimitError);
    expect((await refused("image", file(new Uint8Array(0)))).field).toBe("file.bytes");
    expect((await refused("image", file(new Uint8Array(8), ""))).field).toBe("file.filename");
    expect((await refused("image", file(new Uint8Array(8), "a.jpg", ""))).field).toBe("file.contentType");
    expect((await refused("file", file(new Uint8Array(8), "a.pdf", "application/pdf"))).field).toBe("media_type");
    expect(uploads()).toHaveLength(2);
  });
});
