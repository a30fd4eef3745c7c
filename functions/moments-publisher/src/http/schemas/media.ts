/** `POST /v1/moments/media` (`createMediaUpload` in app/media.ts). */
import * as z from "zod";
import { instant } from "./common.ts";

export const mediaKindSchema = z.enum(["image", "video"]);

export const mediaUploadSchema = z.object({
  mediaKey: z.string().meta({ description: "What a post's content refers to (images[].mediaKey, video.mediaKey, link.coverKey)" }),
  kind: mediaKindSchema,
  maxBytes: z.number().int().meta({ description: "The largest file accepted" }),
  upload: z
    .object({
      url: z.string().meta({ description: "Where to PUT the file's bytes" }),
      method: z.literal("PUT"),
      headers: z.object({ "content-type": z.string() }).meta({ description: "Headers the upload must carry (they are signed)" }),
      expiresAt: instant("After this the URL is refused"),
    })
    .meta({ description: "The upload: PUT the bytes to url with headers, before expiresAt" }),
});
