/**
 * A broadcast's content as the admin API accepts it, and its `add_msg_template` form (wecom-reference
 * §7): text ≤ 4000 UTF-8 bytes plus ≤ 9 attachments, not both empty; link title ≤ 128 B, url and
 * picurl ≤ 2048 B, desc ≤ 512 B; miniprogram title ≤ 64 B. WeCom counts bytes, so a CJK character
 * costs 3: the limits here are `@siyu/wecom`'s, checked the same way the client checks them.
 */
import { type MessageAttachment, type TextContent, utf8Bytes, WECOM_LIMITS as L } from "@siyu/wecom";
import { z } from "zod";

function maxBytes(max: number) {
  return (s: string, ctx: z.RefinementCtx) => {
    const n = utf8Bytes(s);
    if (n > max) ctx.addIssue({ code: "custom", message: `at most ${max} UTF-8 bytes (got ${n}; a Chinese character is 3)` });
  };
}

const required = (what: string) => z.string({ error: `${what} is required` }).min(1, `${what} is required`);
const mediaId = required("mediaId").max(256);
const url = (what: string) =>
  z.url({ protocol: /^https?$/, error: `${what} must be an http(s) URL` }).superRefine(maxBytes(L.linkUrlBytes));

const image = z
  .strictObject({ mediaId: mediaId.optional(), picUrl: url("picUrl").optional() })
  .superRefine((a, ctx) => {
    // WeCom takes either (media_id wins when both are sent); asking for exactly one avoids a silent pick.
    if ((a.mediaId === undefined) === (a.picUrl === undefined)) {
      ctx.addIssue({ code: "custom", path: ["mediaId"], message: "an image needs exactly one of mediaId or picUrl" });
    }
  });
const link = z.strictObject({
  title: required("title").superRefine(maxBytes(L.linkTitleBytes)),
  url: url("url"),
  picUrl: url("picUrl").optional(),
  desc: z.string().superRefine(maxBytes(L.linkDescBytes)).optional(),
});
const miniprogram = z.strictObject({
  title: required("title").superRefine(maxBytes(L.miniprogramTitleBytes)),
  /** Cover image (520×416 suggested). */
  picMediaId: mediaId,
  /** Must be a mini program linked to the corp. */
  appId: required("appId").max(64),
  page: required("page").max(1024),
});
const media = z.strictObject({ mediaId });

export const attachmentSchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ type: z.literal("image"), image }),
    z.strictObject({ type: z.literal("link"), link }),
    z.strictObject({ type: z.literal("miniprogram"), miniprogram }),
    z.strictObject({ type: z.literal("video"), video: media }),
    z.strictObject({ type: z.literal("file"), file: media }),
  ],
  { error: "type must be one of image, link, miniprogram, video, file" },
);
export type Attachment = z.output<typeof attachmentSchema>;

/** Text (≤ 4000 UTF-8 bytes) and/or up to 9 attachments, not both empty (§7). */
export const contentSchema = z
  .strictObject({
    text: z
      .string()
      .superRefine(maxBytes(L.textBytes))
      .transform((t) => (t.trim() === "" ? undefined : t))
      .optional(),
    attachments: z.array(attachmentSchema).max(L.attachments, `at most ${L.attachments} attachments (WeCom limit)`).default([]),
  })
  .superRefine((c, ctx) => {
    if (c.text === undefined && c.attachments.length === 0) {
      ctx.addIssue({ code: "custom", path: ["text"], message: "a broadcast needs text or at least one attachment" });
    }
  });
export type Content = z.output<typeof contentSchema>;

function toWecomAttachment(a: Attachment): MessageAttachment {
  switch (a.type) {
    case "image":
      return { msgtype: "image", image: a.image.mediaId !== undefined ? { media_id: a.image.mediaId } : { pic_url: a.image.picUrl } };
    case "link": {
      const { title, url, picUrl, desc } = a.link;
      return { msgtype: "link", link: { title, url, ...(picUrl !== undefined && { picurl: picUrl }), ...(desc !== undefined && { desc }) } };
    }
    case "miniprogram": {
      const { title, picMediaId, appId, page } = a.miniprogram;
      return { msgtype: "miniprogram", miniprogram: { title, pic_media_id: picMediaId, appid: appId, page } };
    }
    case "video":
      return { msgtype: "video", video: { media_id: a.video.mediaId } };
    case "file":
      return { msgtype: "file", file: { media_id: a.file.mediaId } };
  }
}

/** The `text` and `attachments` of an `add_msg_template` body. */
export function toWecomMessage(c: Content): { text?: TextContent; attachments?: MessageAttachment[] } {
  return {
    ...(c.text !== undefined && { text: { content: c.text } }),
    ...(c.attachments.length > 0 && { attachments: c.attachments.map(toWecomAttachment) }),
  };
}
