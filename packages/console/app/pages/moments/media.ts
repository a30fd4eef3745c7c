/**
 * Image and video files of a post: `POST /v1/moments/media` gives a key and a signed upload URL (S3 in
 * AWS, the gateway's blob folder locally); the browser PUTs the bytes there and the post refers to the
 * key. antd's Upload drives it through `customRequest`; a file's `response` keeps its key and a local
 * object URL for the phone preview.
 */
import type { UploadFile, UploadProps } from "antd";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";

/** What an uploaded file's `response` holds. */
export interface Uploaded {
  mediaKey: string;
  /** An object URL of the local file (absent for a file of a stored post: storage is write-only). */
  src?: string;
}

export type MediaFile = UploadFile<Uploaded>;

export const ACCEPT = { image: "image/png,image/jpeg", video: "video/mp4" } as const;

/** Upload one file; its media key. */
export async function uploadMedia(kind: "image" | "video", file: File): Promise<string> {
  const slot = unwrap(await api.POST("/v1/moments/media", { body: { kind, contentType: file.type, filename: file.name.slice(0, 200) } }));
  const res = await fetch(slot.upload.url, { method: slot.upload.method ?? "PUT", headers: slot.upload.headers, body: file });
  if (!res.ok) throw new Error(`${res.status} ${(await res.text()).slice(0, 200)}`);
  return slot.mediaKey;
}

/** antd Upload's `customRequest` for one kind of media. */
export function mediaRequest(kind: "image" | "video"): NonNullable<UploadProps<Uploaded>["customRequest"]> {
  return ({ file, onSuccess, onError }) => {
    const f = file as File;
    uploadMedia(kind, f).then(
      (mediaKey) => onSuccess?.({ mediaKey, src: URL.createObjectURL(f) }),
      (error: unknown) => onError?.(error instanceof Error ? error : new Error(String(error))),
    );
  };
}

/** The file list of media keys a stored post refers to. */
export const storedFiles = (keys: readonly string[]): MediaFile[] =>
  keys.map((mediaKey) => ({ uid: mediaKey, name: mediaKey.slice(mediaKey.lastIndexOf("/") + 1), status: "done", response: { mediaKey } }));

/** The media key of a file ("" while it uploads or when it failed: the API then names the field). */
export const keyOf = (f: MediaFile) => f.response?.mediaKey ?? "";
