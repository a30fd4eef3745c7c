import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, describe, expect, it } from "vitest";
import { BlobConfigError, BlobRequestError, type LocalBlobSettings, type S3BlobSettings } from "../src/blob-types.ts";
import { blobStore } from "../src/blobs.ts";
import { s3Client } from "../src/blobs-s3.ts";
import { BlobTooLargeError, writeLocalBlob } from "../src/blobs-local.ts";

const NOW = new Date("2030-05-01T08:00:00.000Z");
const s3Settings: S3BlobSettings = { mode: "s3", bucket: "siyu-brand-blobs", prefix: "moments-publisher/", maxBytes: 10 * 1024 * 1024 };
const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "session" };

describe("blobStore", () => {
  it("refuses a service without blobs, naming the manifest field", () => {
    expect(() => blobStore({ service: "churn-stats", blobs: undefined })).toThrow(BlobConfigError);
    expect(() => blobStore({ service: "churn-stats" })).toThrow(/churn-stats has no blob storage: declare blobs/);
  });
});

describe("S3", () => {
  const client = new S3Client({ region: "ap-east-1", credentials, requestChecksumCalculation: "WHEN_REQUIRED" });
  const blobs = blobStore({ service: "moments-publisher", blobs: s3Settings }, { s3: client, now: () => NOW });

  it("presigns a PUT of the prefixed key for 15 minutes with the content type signed and no checksum", async () => {
    const up = await blobs.uploadUrl({ key: "moments/abc123/cover.jpg", contentType: "image/jpeg" });
    expect(up).toMatchObject({ method: "PUT", headers: { "content-type": "image/jpeg" }, expiresAt: "2030-05-01T08:15:00.000Z" });
    const url = new URL(up.url);
    expect(url.host).toBe("siyu-brand-blobs.s3.ap-east-1.amazonaws.com");
    expect(url.pathname).toBe("/moments-publisher/moments/abc123/cover.jpg");
    const q = url.searchParams;
    expect(q.get("X-Amz-Expires")).toBe("900");
    expect(q.get("X-Amz-Date")).toBe("20300501T080000Z");
    expect(q.get("X-Amz-SignedHeaders")!.split(";")).toEqual(["content-type", "host"]);
    expect(q.get("X-Amz-Security-Token")).toBe("session");
    // a checksum of the empty body in the URL would make S3 refuse the real upload
    expect([...q.keys()].filter((k) => /checksum/i.test(k))).toEqual([]);
  });

  it("the shared client computes request checksums only when an operation requires one", async () => {
    expect(await s3Client().config.requestChecksumCalculation()).toBe("WHEN_REQUIRED");
    // what the setting prevents: the SDK's default signs a checksum of the empty body into the URL
    const defaults = blobStore({ service: "moments-publisher", blobs: s3Settings }, { s3: new S3Client({ region: "ap-east-1", credentials }), now: () => NOW });
    const url = new URL((await defaults.uploadUrl({ key: "k.png", contentType: "image/png" })).url);
    expect([...url.searchParams.keys()].filter((k) => /checksum/i.test(k)).length).toBeGreaterThan(0);
  });

  it("refuses keys outside the prefix before calling S3", async () => {
    await expect(blobs.uploadUrl({ key: "../contact-intake/x.jpg", contentType: "image/jpeg" })).rejects.toThrow(BlobRequestError);
    await expect(blobs.head("../contact-intake/x.jpg")).rejects.toThrow(BlobRequestError);
  });

  it("head and get answer undefined for a missing key (404), and rethrow anything else", async () => {
    const calls: { name: string; input: unknown }[] = [];
    const stub = (answer: (name: string) => unknown) =>
      ({
        send: async (cmd: { constructor: { name: string }; input: unknown }) => {
          calls.push({ name: cmd.constructor.name, input: cmd.input });
          const a = answer(cmd.constructor.name);
          if (a instanceof Error) throw a;
          return a;
        },
      }) as unknown as S3Client;
    const notFound = Object.assign(new Error("NotFound"), { name: "NotFound", $metadata: { httpStatusCode: 404 } });
    const missing = blobStore({ service: "moments-publisher", blobs: s3Settings }, { s3: stub(() => notFound) });
    await expect(missing.head("a.jpg")).resolves.toBeUndefined();
    await expect(missing.get("a.jpg")).resolves.toBeUndefined();
    expect(calls.map((c) => c.name)).toEqual(["HeadObjectCommand", "GetObjectCommand"]);
    expect(calls[0]!.input).toEqual({ Bucket: "siyu-brand-blobs", Key: "moments-publisher/a.jpg" });

    const denied = Object.assign(new Error("Access Denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
    await expect(blobStore({ service: "m", blobs: s3Settings }, { s3: stub(() => denied) }).head("a.jpg")).rejects.toThrow("Access Denied");

    const found = blobStore(
      { service: "moments-publisher", blobs: s3Settings },
      {
        s3: stub((name) =>
          name === "HeadObjectCommand"
            ? { ContentLength: 3, ContentType: "image/jpeg" }
            : { ContentType: "image/jpeg", Body: { transformToByteArray: async () => new Uint8Array([1, 2, 3]) } },
        ),
      },
    );
    await expect(found.head("a.jpg")).resolves.toEqual({ size: 3, contentType: "image/jpeg" });
    await expect(found.get("a.jpg")).resolves.toEqual({ bytes: new Uint8Array([1, 2, 3]), contentType: "image/jpeg" });
  });
});

describe("local folder", () => {
  const dir = mkdtempSync(join(tmpdir(), "siyu-blobs-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const settings: LocalBlobSettings = { mode: "local", dir, uploadUrl: "http://127.0.0.1:3000/_local/blobs", secret: "x".repeat(43), prefix: "moments-publisher/", maxBytes: 16 };
  const blobs = blobStore({ service: "moments-publisher", blobs: settings }, { now: () => NOW });

  it("put, head, get and delete under <dir>/<service>/<key>", async () => {
    await expect(blobs.head("moments/1/cover.jpg")).resolves.toBeUndefined();
    await blobs.put("moments/1/cover.jpg", new Uint8Array([9, 8, 7]), "image/jpeg");
    await expect(blobs.head("moments/1/cover.jpg")).resolves.toEqual({ size: 3, contentType: "image/jpeg" });
    await expect(blobs.get("moments/1/cover.jpg")).resolves.toEqual({ bytes: new Uint8Array([9, 8, 7]), contentType: "image/jpeg" });
    expect(readdirSync(join(dir, "moments-publisher", "moments", "1"))).toEqual(["cover.jpg"]);
    // a server-side put is not an upload: the upload limit does not apply
    await blobs.put("moments/1/big.bin", new Uint8Array(100), "application/octet-stream");
    await blobs.delete("moments/1/cover.jpg");
    await blobs.delete("moments/1/cover.jpg");
    await expect(blobs.get("moments/1/cover.jpg")).resolves.toBeUndefined();
    // a "folder" of other keys is no blob
    await expect(blobs.head("moments/1")).resolves.toBeUndefined();
  });

  it("the upload URL points at the gateway and carries the grant", async () => {
    const up = await blobs.uploadUrl({ key: "moments/2/v.mp4", contentType: "video/mp4", maxBytes: 8 });
    expect(up.url).toMatch(/^http:\/\/127\.0\.0\.1:3000\/_local\/blobs\/moments-publisher\/moments\/2\/v\.mp4\?ct=video%2Fmp4&max=8&exp=1903853700&sig=/);
    expect(up.expiresAt).toBe("2030-05-01T08:15:00.000Z");
  });

  it("an upload over its limit is refused while it streams and leaves nothing behind", async () => {
    async function* chunks() {
      yield new Uint8Array(10);
      yield new Uint8Array(10);
    }
    await expect(writeLocalBlob(dir, "moments-publisher/too/big.bin", chunks(), "application/octet-stream", 16)).rejects.toThrow(BlobTooLargeError);
    await expect(blobs.head("too/big.bin")).resolves.toBeUndefined();
    expect(readdirSync(join(dir, ".tmp"))).toEqual([]);
    await expect(writeLocalBlob(dir, "moments-publisher/ok.bin", chunks(), "application/octet-stream", 20)).resolves.toEqual({ size: 20, etag: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });

  it("refuses keys outside the prefix", async () => {
    await expect(blobs.put("../contact-intake/x", new Uint8Array(1), "image/png")).rejects.toThrow(BlobRequestError);
    await expect(blobs.get("../../etc/passwd")).rejects.toThrow(BlobRequestError);
  });
});
