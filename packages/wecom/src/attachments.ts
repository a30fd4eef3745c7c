/**
 * A WeCom message attachment (image, link, miniprogram, video, file) in the camelCase form Siyu's admin
 * APIs accept, with WeCom's per-field byte limits (wecom-reference §4, §7), and its WeCom form. One home
 * for every service whose content carries attachments (broadcasts, group welcomes, moments). WeCom
 * counts bytes, so a CJK character costs 3.
 */
import * as z from "zod";
import { WECOM_LIMITS as L, utf8Bytes } from "./limits.ts";
import type { MessageAttachment } from "./types.ts";

/** A zod refinement: at most `max` UTF-8 bytes, with the count in the message. */
export function maxUtf8Bytes(max: number) {
  return (s: string, ctx: z.RefinementCtx) => {
    const n = utf8Bytes(s);
    if (n > max) ctx.addIssue({ code: "custom", message: `at most ${max} UTF-8 bytes (got ${n}; a Chinese character is 3)` });
  };
}

const required = (what: string) => z.string({ error: `${what} is required` }).min(1, `${what} is required`);
const mediaId = required("mediaId").max(256);
const url = (what: string) => z.url({ protocol: /^https?$/, error: `${what} must be an http(s) URL` }).superRefine(maxUtf8Bytes(L.linkUrlBytes));

const image = z.strictObject({ mediaId: mediaId.optional(), picUrl: url("picUrl").optional() }).superRefine((a, ctx) => {
  // WeCom takes either (media_id wins when both are sent); asking for exactly one avoids a silent pick.
  if ((a.mediaId === undefined) === (a.picUrl === undefined)) {
    ctx.addIssue({ code: "custom", path: ["mediaId"], message: "an image needs exactly one of mediaId or picUrl" });
  }
});
const link = z.strictObject({
  title: required("title").superRefine(maxUtf8Bytes(L.linkTitleBytes)),
  url: url("url"),
  picUrl: url("picUrl").optional(),
  desc: z.string().superRefine(maxUtf8Bytes(L.linkDescBytes)).optional(),
});
const miniprogram = z.strictObject({
  title: required("title").superRefine(maxUtf8Bytes(L.miniprogramTitleBytes)),
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

/** The attachment as WeCom's message bodies carry it (`add_msg_template`, welcome templates). */
export function toWecomAttachment(a: Attachment): MessageAttachment {
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
