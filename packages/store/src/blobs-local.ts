import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { checkContentType, fullBlobKey, uploadGrant } from "./blob-keys.ts";
import { localUploadUrl } from "./blob-signature.ts";
import type { BlobHead, BlobStore, LocalBlobSettings } from "./blob-types.ts";

/**
 * Blobs on the local platform: `<dir>/<service>/<key>` holds the bytes, `<dir>/.meta/<service>/<key>.json`
 * the content type. Uploads come through the gateway (`writeLocalBlob` from the request stream);
 * functions read and write the folder directly. One deviation from S3: a key cannot also be the
 * "folder" of another (`a/b` and `a/b/c`); the second write fails.
 */

/** The upload was larger than its URL allowed (the gateway answers 413). */
export class BlobTooLargeError extends Error {
  override name = "BlobTooLargeError";
  constructor(readonly maxBytes: number) {
    super(`the upload exceeds its limit of ${maxBytes} bytes`);
  }
}

function paths(dir: string, fullKey: string): { data: string; meta: string } {
  const parts = fullKey.split("/");
  return { data: join(dir, ...parts), meta: `${join(dir, ".meta", ...parts)}.json` };
}

/** No blob there: no file, or a "folder" of other keys (`a/b` when only `a/b/c` exists). */
const isMissing = (e: unknown) => ["ENOENT", "ENOTDIR", "EISDIR", "ERR_FS_EISDIR"].includes((e as NodeJS.ErrnoException).code ?? "");

/**
 * Store `body` under a full key (already checked: `fullBlobKey` / `isFullBlobKey`), refusing more than
 * `maxBytes` while it streams. The bytes land in a temporary file first and are renamed into place,
 * so a reader never sees half an upload. Resolves to the size and the MD5 hex (S3's ETag of a PUT).
 */
export async function writeLocalBlob(
  dir: string,
  fullKey: string,
  body: Uint8Array | AsyncIterable<Uint8Array>,
  contentType: string,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<{ size: number; etag: string }> {
  const { data, meta } = paths(dir, fullKey);
  const tmpDir = join(dir, ".tmp");
  await mkdir(tmpDir, { recursive: true });
  const tmp = join(tmpDir, randomUUID());
  const md5 = createHash("md5");
  let size = 0;
  const source = body instanceof Uint8Array ? [body] : body;
  try {
    await pipeline(
      async function* () {
        for await (const chunk of source) {
          size += chunk.length;
          if (size > maxBytes) throw new BlobTooLargeError(maxBytes);
          md5.update(chunk);
          yield chunk;
        }
      },
      createWriteStream(tmp),
    );
    await mkdir(dirname(data), { recursive: true });
    await mkdir(dirname(meta), { recursive: true });
    await rename(tmp, data);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const metaTmp = `${tmp}.json`;
  await writeFile(metaTmp, JSON.stringify({ contentType, size }));
  await rename(metaTmp, meta);
  return { size, etag: md5.digest("hex") };
}

async function readHead(dir: string, fullKey: string): Promise<BlobHead | undefined> {
  const { data, meta } = paths(dir, fullKey);
  try {
    const [info, json] = await Promise.all([stat(data), readFile(meta, "utf8")]);
    if (!info.isFile()) return undefined;
    return { size: info.size, contentType: (JSON.parse(json) as { contentType: string }).contentType };
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

export function localBlobStore(settings: LocalBlobSettings, now: () => Date): BlobStore {
  const { dir, prefix } = settings;
  return {
    async uploadUrl(o) {
      const grant = uploadGrant(settings, o, now());
      return {
        url: localUploadUrl(settings.uploadUrl, settings.secret, grant),
        method: "PUT",
        headers: { "content-type": grant.contentType },
        expiresAt: new Date(grant.expires * 1000).toISOString(),
      };
    },
    head: (key) => readHead(dir, fullBlobKey(prefix, key)),
    async get(key) {
      const fullKey = fullBlobKey(prefix, key);
      const head = await readHead(dir, fullKey);
      if (!head) return undefined;
      try {
        return { bytes: new Uint8Array(await readFile(paths(dir, fullKey).data)), contentType: head.contentType };
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
    },
    async put(key, bytes, contentType) {
      await writeLocalBlob(dir, fullBlobKey(prefix, key), bytes, checkContentType(contentType));
    },
    async delete(key) {
      const { data, meta } = paths(dir, fullBlobKey(prefix, key));
      const remove = (file: string) => rm(file, { force: true }).catch((err: unknown) => (isMissing(err) ? undefined : Promise.reject(err)));
      await Promise.all([remove(data), remove(meta)]);
    },
  };
}
