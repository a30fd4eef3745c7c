import { ERR, limitError, WecomError } from "../errors.ts";
import type { SimWorld } from "./world.ts";

/**
 * Uploaded media (上传附件资源, `media/upload_attachment`, official doc 96347; wecom-services §B1).
 * A moment's images, its video and a link's cover must be media uploaded here with
 * `attachment_type=1`; a media_id lives 3 days from its upload (sim clock).
 */
export type MediaKind = "image" | "video";

export interface Media {
  mediaId: string;
  kind: MediaKind;
  /** 1 = moments (朋友圈), 2 = product album (商品图册). */
  attachmentType: 1 | 2;
  filename: string;
  contentType: string;
  bytes: number;
  /** Unix ms by the sim clock. */
  uploadedAt: number;
}

/**
 * 10 MB for an image and for a video (doc 96347; wecom-reference §8), read as MiB. A video must
 * also be ≤ 30 s: the simulator does not decode media, so it cannot check that.
 */
export const MAX_MEDIA_BYTES: Record<MediaKind, number> = { image: 10 * 1024 * 1024, video: 10 * 1024 * 1024 };
/** "该media_id仅三天内有效". */
export const MEDIA_TTL_MS = 3 * 86_400_000;

export class MediaLibrary {
  private readonly byId = new Map<string, Media>();
  constructor(private readonly w: SimWorld) {}

  upload(input: Omit<Media, "mediaId" | "uploadedAt">): Media {
    const max = MAX_MEDIA_BYTES[input.kind];
    if (input.bytes > max) {
      const errcode = input.kind === "image" ? ERR.INVALID_IMAGE_SIZE : ERR.INVALID_VIDEO_SIZE;
      throw limitError(errcode, `media.${input.kind}-10mb`, `${input.kind} is ${input.bytes} bytes (max ${max})`, { bytes: input.bytes, max });
    }
    const media: Media = { ...input, mediaId: this.w.ids.mediaId(), uploadedAt: this.w.clock.nowMs() };
    this.byId.set(media.mediaId, media);
    return media;
  }

  all(): Media[] {
    return [...this.byId.values()];
  }

  /**
   * The media a moment attachment names, as `kind`, or 40007. Unknown ids and a kind other than the
   * upload's are input errors; an expired id (3 days) or one not uploaded for moments breaks a rule
   * Siyu must plan around (refresh media of far-off schedules at execution time), so those are recorded.
   */
  forMoment(mediaId: string, kind: MediaKind, field: string): Media {
    const media = this.byId.get(mediaId);
    if (!media) throw new WecomError(ERR.INVALID_MEDIA_ID, `${field} ${mediaId} was never uploaded`);
    const age = this.w.clock.nowMs() - media.uploadedAt;
    if (age > MEDIA_TTL_MS) {
      throw limitError(ERR.INVALID_MEDIA_ID, "moment.media-3-days", `${field} ${mediaId} was uploaded ${Math.floor(age / 1000)} s ago (valid 3 days)`, {
        mediaId,
        uploadedAt: new Date(media.uploadedAt).toISOString(),
      });
    }
    if (media.attachmentType !== 1) {
      throw limitError(ERR.INVALID_MEDIA_ID, "moment.media-attachment-type-1", `${field} ${mediaId} was uploaded with attachment_type ${media.attachmentType}, not 1`, {
        mediaId,
      });
    }
    if (media.kind !== kind) throw new WecomError(ERR.INVALID_MEDIA_ID, `${field} ${mediaId} is a ${media.kind}, not a ${kind}`);
    return media;
  }
}
