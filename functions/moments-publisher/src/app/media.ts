/**
 * A post's media: files the console uploads to the stack's storage (`POST /v1/moments/media` gives a
 * key and an upload URL), turned into WeCom media ids only when a run is sent — `upload_attachment`
 * with `attachment_type=1`, as moments require — because a WeCom media id dies after 3 days and a
 * post may be scheduled weeks ahead (wecom-services §B1).
 */
import { newId } from "@siyu/kernel";
import { BlobRequestError } from "@siyu/store";
import type { AddMomentTaskRequest } from "@siyu/wecom";
import { InvalidInput } from "../domain/errors.ts";
import type { MomentContent } from "../domain/post.ts";
import type { Deps } from "./deps.ts";

export const MEDIA_KINDS = { image: ["image/jpeg", "image/png"], video: ["video/mp4"] } as const;
export const MEDIA_MAX_BYTES = 10 * 1024 * 1024;

const EXT: Record<string, string> = { "image/jpeg": "jpg", "image/png": "png", "video/mp4": "mp4" };

/** An upload slot for one file: its key (what a post refers to) and where to PUT the bytes. */
export async function createMediaUpload(deps: Deps, body: { kind: "image" | "video"; contentType: string; filename?: string | undefined }) {
  const allowed: readonly string[] = MEDIA_KINDS[body.kind];
  if (!allowed.includes(body.contentType)) {
    throw new InvalidInput(`a moment ${body.kind} must be ${allowed.join(" or ")}`, [{ path: "body.contentType", message: `must be ${allowed.join(" or ")} for a ${body.kind}` }]);
  }
  const key = `moments/${body.kind}/${newId()}.${EXT[body.contentType]}`;
  const upload = await deps.blobs().uploadUrl({ key, contentType: body.contentType, maxBytes: MEDIA_MAX_BYTES });
  return { mediaKey: key, kind: body.kind, maxBytes: MEDIA_MAX_BYTES, upload };
}

/** Every media key of a post's content with the kind it is used as. */
function mediaOf(c: MomentContent): { path: string; key: string; kind: "image" | "video" }[] {
  return [
    ...(c.images ?? []).map((m, i) => ({ path: `body.content.images.${i}.mediaKey`, key: m.mediaKey, kind: "image" as const })),
    ...(c.video ? [{ path: "body.content.video.mediaKey", key: c.video.mediaKey, kind: "video" as const }] : []),
    ...(c.link ? [{ path: "body.content.link.coverKey", key: c.link.coverKey, kind: "image" as const }] : []),
  ];
}

/** Every media key of the content was uploaded, is of its kind and within WeCom's size: field errors otherwise. */
export async function checkMedia(deps: Deps, c: MomentContent): Promise<void> {
  const issues: { path: string; message: string }[] = [];
  for (const m of mediaOf(c)) {
    let head: Awaited<ReturnType<ReturnType<Deps["blobs"]>["head"]>>;
    try {
      head = await deps.blobs().head(m.key);
    } catch (error) {
      if (!(error instanceof BlobRequestError)) throw error;
      issues.push({ path: m.path, message: "is not a media key returned by POST /v1/moments/media" });
      continue;
    }
    if (!head) issues.push({ path: m.path, message: "no file was uploaded under this key (POST /v1/moments/media first)" });
    else if (!(MEDIA_KINDS[m.kind] as readonly string[]).includes(head.contentType)) issues.push({ path: m.path, message: `is a ${head.contentType} file, not a ${m.kind}` });
    else if (head.size > MEDIA_MAX_BYTES) issues.push({ path: m.path, message: `is ${head.size} bytes; WeCom takes at most ${MEDIA_MAX_BYTES}` });
    else if (head.size === 0) issues.push({ path: m.path, message: "is empty" });
  }
  if (issues.length > 0) throw new InvalidInput(`the moment's media are not valid: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`, issues);
}

/** A file the post refers to vanished from storage before the run (its run fails with this reason). */
export class MediaMissing extends Error {}

/** The `add_moment_task` attachments of the content, uploading each file to WeCom now. */
export async function wecomAttachments(deps: Deps, c: MomentContent): Promise<NonNullable<AddMomentTaskRequest["attachments"]>> {
  const wecom = await deps.wecom();
  const upload = async (key: string, kind: "image" | "video") => {
    const file = await deps.blobs().get(key);
    if (!file) throw new MediaMissing(`the file ${key} is no longer in storage`);
    const name = key.slice(key.lastIndexOf("/") + 1);
    return (await wecom.uploadAttachment(kind, { filename: name, contentType: file.contentType, bytes: file.bytes })).media_id;
  };
  if (c.images) {
    const ids: string[] = [];
    for (const m of c.images) ids.push(await upload(m.mediaKey, "image"));
    return ids.map((media_id) => ({ msgtype: "image" as const, image: { media_id } }));
  }
  if (c.video) return [{ msgtype: "video" as const, video: { media_id: await upload(c.video.mediaKey, "video") } }];
  if (c.link) return [{ msgtype: "link" as const, link: { title: c.link.title, url: c.link.url, media_id: await upload(c.link.coverKey, "image") } }];
  return [];
}
