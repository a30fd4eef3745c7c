import { ERR, limitError, WecomError } from "../errors.ts";
import { multipartBoundary, parseMultipart } from "../multipart.ts";
import { MAX_MEDIA_BYTES, type MediaKind } from "../world/media.ts";
import { type ApiRoute, postRaw } from "./route.ts";

/**
 * 上传附件资源 (official doc 96347, wecom-services §B1): multipart/form-data with one file part named
 * `media` carrying filename and content-type. Moments (`attachment_type=1`) take images and videos only.
 * `attachment_type=2` (product album, 商品图册) is accepted as WeCom does, so a moment can be refused
 * for using one. `media/upload` (temporary media, used by welcomes and mass messages) is not served.
 */
export const mediaRoutes: ApiRoute[] = [
  postRaw("media/upload_attachment", ({ world, query, raw }) => {
    const kind = query.get("media_type");
    if (kind !== "image" && kind !== "video") {
      throw new WecomError(ERR.INVALID_MEDIA_TYPE, `media_type must be image or video, got ${kind ?? "nothing"}`);
    }
    const attachmentType = query.get("attachment_type");
    if (attachmentType !== "1" && attachmentType !== "2") {
      throw new WecomError(ERR.INVALID_MEDIA_TYPE, `attachment_type must be 1 (moments) or 2 (product album), got ${attachmentType ?? "nothing"}`);
    }
    const mediaKind: MediaKind = kind;
    const max = MAX_MEDIA_BYTES[mediaKind];
    if (raw && raw.bytes.length < raw.size) {
      // cut off by the server's upload cap, which is above the limit: the file is too big whatever it holds
      throw limitError(mediaKind === "image" ? ERR.INVALID_IMAGE_SIZE : ERR.INVALID_VIDEO_SIZE, `media.${mediaKind}-10mb`, `the body is ${raw.size} bytes (max ${max} per ${mediaKind})`, {
        bytes: raw.size,
        max,
      });
    }
    const boundary = multipartBoundary(raw?.contentType);
    if (!raw || !boundary) throw new WecomError(ERR.MISSING_MEDIA, "send the file as multipart/form-data");
    const parts = parseMultipart(raw.bytes, boundary);
    if (!parts) throw new WecomError(ERR.MISSING_MEDIA, "the multipart/form-data body is malformed");
    const file = parts.find((p) => p.name === "media");
    if (!file) throw new WecomError(ERR.MISSING_MEDIA, "no form-data part named media");
    if (file.filename === undefined || file.filename === "") throw new WecomError(ERR.MISSING_MEDIA, "the media part has no filename");
    if (!file.contentType) throw new WecomError(ERR.MISSING_MEDIA, "the media part has no content-type");
    if (file.data.length === 0) throw new WecomError(ERR.MISSING_MEDIA, "the media part is empty");
    const media = world.media.upload({
      kind: mediaKind,
      attachmentType: attachmentType === "1" ? 1 : 2,
      filename: file.filename,
      contentType: file.contentType,
      bytes: file.data.length,
    });
    return { type: media.kind, media_id: media.mediaId, created_at: Math.floor(media.uploadedAt / 1000) };
  }),
];
