import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppError } from "@siyu/kernel";
import { type BlobResources, blobPrefix, type LoadedService } from "@siyu/manifest";
import { BlobTooLargeError, checkLocalUpload, writeLocalBlob } from "@siyu/store";
import { writeProblem } from "./gateway.ts";
import type { PlatformLogger } from "./log.ts";
import type { Teardown } from "./teardown.ts";

/**
 * The local stand-in for the stack's blob bucket: a folder (`<persist dir>/blobs`, or a temporary one
 * removed on close), and `PUT /_local/blobs/<service>/<key>?ct&max&exp&sig` on the gateway playing the
 * presigned S3 PUT. Functions sign those URLs with the platform's random secret (SIYU_BLOB_LOCAL_SECRET)
 * and read the folder directly (@siyu/store's blobStore); the gateway checks the signature, the expiry,
 * the content type, the size limit and that the key is under an opted-in service's prefix.
 */

export const BLOB_UPLOAD_PATH = "/_local/blobs/";

export interface LocalBlobs {
  dir: string;
  secret: string;
  /** What `functionEnvironment` hands opted-in services. */
  resources(gatewayUrl: string): BlobResources;
  /** Prefixes of the running services that declare `blobs` (the only ones the gateway writes under). */
  prefixes: ReadonlySet<string>;
}

export function startBlobs(o: { persistDir: string | undefined; services: readonly LoadedService[] }, teardown: Teardown): LocalBlobs {
  let dir: string;
  if (o.persistDir) {
    dir = join(o.persistDir, "blobs");
    mkdirSync(dir, { recursive: true });
  } else {
    dir = mkdtempSync(join(tmpdir(), "siyu-blobs-"));
    teardown.add("blob folder", () => rmSync(dir, { recursive: true, force: true }));
  }
  // URLs die with the platform (they live 15 minutes anyway); the blobs stay when persisted.
  const secret = randomBytes(32).toString("base64url");
  return {
    dir,
    secret,
    resources: (gatewayUrl) => ({ localDir: dir, localUrl: `${gatewayUrl}${BLOB_UPLOAD_PATH.replace(/\/$/, "")}`, localSecret: secret }),
    prefixes: new Set(o.services.filter((s) => s.manifest.blobs).map((s) => blobPrefix(s.manifest.name))),
  };
}

/**
 * The request body, counted: past `maxBytes` nothing more is written but the rest is still read, so
 * the client gets its 413 on a healthy connection instead of a reset; then the write is abandoned.
 */
async function* limited(req: IncomingMessage, maxBytes: number): AsyncGenerator<Uint8Array> {
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= maxBytes) yield chunk;
  }
  if (size > maxBytes) throw new BlobTooLargeError(maxBytes);
}

function refuse(res: ServerResponse, status: number, type: string, title: string, detail: string, path: string): void {
  writeProblem(res, new AppError(status, type, title, detail), path, randomBytes(10).toString("base64"));
}

/** Handles `/_local/blobs/...` straight from the request stream (before the gateway buffers bodies); false for any other path. */
export async function blobUpload(req: IncomingMessage, res: ServerResponse, url: URL, blobs: LocalBlobs, log: PlatformLogger): Promise<boolean> {
  if (!url.pathname.startsWith(BLOB_UPLOAD_PATH)) return false;
  const started = Date.now();
  const path = url.pathname;
  // a console on another local origin uploads here directly, as it would to the bucket (whose CORS allows PUT)
  res.setHeader("access-control-allow-origin", req.headers.origin ?? "*");
  res.setHeader("vary", "origin");
  const method = req.method ?? "GET";
  if (method === "OPTIONS") {
    res.writeHead(204, { "access-control-allow-methods": "PUT", "access-control-allow-headers": "content-type", "access-control-max-age": "600" });
    res.end();
    return true;
  }
  const done = (status: number) => log.request(method, path, status, Date.now() - started);
  if (method !== "PUT") {
    req.resume();
    res.setHeader("allow", "PUT");
    refuse(res, 405, "method-not-allowed", "Method not allowed", "blob uploads are PUT", path);
    done(405);
    return true;
  }
  let key: string;
  try {
    key = path.slice(BLOB_UPLOAD_PATH.length).split("/").map(decodeURIComponent).join("/");
  } catch {
    key = "";
  }
  const check = checkLocalUpload(blobs.secret, { key, query: url.searchParams, contentType: req.headers["content-type"], now: new Date() });
  const reject = (status: number, type: string, title: string, detail: string) => {
    req.resume();
    refuse(res, status, type, title, detail, path);
    done(status);
    return true;
  };
  if (!check.ok) return check.status === 400 ? reject(400, "bad-request", "Bad request", check.reason) : reject(403, "forbidden", "Not allowed", check.reason);
  const { grant } = check;
  const prefix = `${grant.key.split("/")[0]}/`;
  // what IAM does in AWS: a service's functions reach only its own prefix, and only if it declares blobs
  if (!blobs.prefixes.has(prefix)) return reject(403, "forbidden", "Not allowed", `${prefix} is not the prefix of a running service that declares blobs`);
  try {
    const { etag } = await writeLocalBlob(blobs.dir, grant.key, limited(req, grant.maxBytes), grant.contentType);
    res.writeHead(200, { etag: `"${etag}"`, "content-length": "0" });
    res.end();
    done(200);
  } catch (err) {
    if (err instanceof BlobTooLargeError) {
      refuse(res, 413, "payload-too-large", "Upload too large", `this upload URL accepts at most ${grant.maxBytes} bytes`, path);
      done(413);
    } else if (["ENOTDIR", "EISDIR", "EEXIST"].includes((err as NodeJS.ErrnoException).code ?? "")) {
      // S3 has no folders; the local folder cannot hold both a/b and a/b/c
      refuse(res, 409, "conflict", "Key conflict", `${grant.key} clashes with another key's path in the local blob folder`, path);
      done(409);
    } else {
      throw err;
    }
  }
  return true;
}
