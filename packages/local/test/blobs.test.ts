import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, runtimeConfig, runWithEnv } from "@siyu/lambda-kit";
import { defineService, functionEnvironment } from "@siyu/manifest";
import { localUploadUrl, uploadGrant } from "@siyu/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blobUpload, type LocalBlobs, startBlobs } from "../src/blobs.ts";
import type { PlatformLogger } from "../src/log.ts";
import { Teardown } from "../src/teardown.ts";

/** The gateway's upload endpoint on its own: only prefixes of services that declare blobs are written. */

const quiet: PlatformLogger = { info() {}, warn() {}, error() {}, request() {} };
const svc = (name: string, blobs?: object) => ({ manifest: defineService({ name, description: "d", table: { partitionKey: "pk" }, ...(blobs ? { blobs } : {}) }), dir: "/x" });
const teardown = new Teardown(quiet);
let blobs: LocalBlobs;
let base: string;
let close: () => void;

beforeAll(async () => {
  blobs = startBlobs({ persistDir: undefined, services: [svc("media", {}), svc("plain")] }, teardown);
  const server = createServer((req, res) => {
    void blobUpload(req, res, new URL(req.url ?? "/", "http://x"), blobs, quiet).then((handled) => {
      if (!handled) res.writeHead(418).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(async () => {
  close();
  await teardown.run();
});

const signed = (prefix: string, key: string) =>
  localUploadUrl(`${base}/_local/blobs`, blobs.secret, uploadGrant({ prefix, maxBytes: 100 }, { key, contentType: "image/png" }, new Date()));

describe("local blob uploads (gateway endpoint)", () => {
  it("writes under an opted-in service's prefix", async () => {
    const res = await fetch(signed("media/", "a.png"), { method: "PUT", headers: { "content-type": "image/png" }, body: new Uint8Array(3) });
    expect(res.status).toBe(200);
  });

  it("refuses a validly signed URL under the prefix of a service without blobs, or of no running service", async () => {
    for (const prefix of ["plain/", "ghost/"]) {
      const res = await fetch(signed(prefix, "a.png"), { method: "PUT", headers: { "content-type": "image/png" }, body: new Uint8Array(3) });
      expect(res.status, prefix).toBe(403);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/not the prefix of a running service that declares blobs/);
    }
  });

  it("only PUT (and the preflight); other paths are not its business", async () => {
    const get = await fetch(signed("media/", "a.png"));
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("PUT");
    expect((await fetch(`${base}/v1/x`)).status).toBe(418);
  });

  it("a temporary folder is removed on close; a persisted one is kept", async () => {
    const t = new Teardown(quiet);
    const temp = startBlobs({ persistDir: undefined, services: [] }, t);
    const persist = mkdtempSync(join(tmpdir(), "siyu-persist-"));
    const kept = startBlobs({ persistDir: persist, services: [] }, t);
    expect(kept.dir).toBe(join(persist, "blobs"));
    expect(kept.resources("http://127.0.0.1:3000")).toEqual({ localDir: kept.dir, localUrl: "http://127.0.0.1:3000/_local/blobs", localSecret: kept.secret });
    await t.run();
    expect(existsSync(temp.dir)).toBe(false);
    expect(existsSync(kept.dir)).toBe(true);
    rmSync(persist, { recursive: true, force: true });
  });
});

describe("a function's blob configuration (functionEnvironment → lambda-kit's runtimeConfig)", () => {
  const base = { client: "c", corpId: "ww1", timeZone: "Asia/Shanghai", tableName: "t", topicArn: "arn:t", queueUrls: {} };
  const config = (env: Record<string, string>) => runWithEnv(env, () => runtimeConfig());
  const media = defineService({ name: "media", description: "d", table: { partitionKey: "pk" }, blobs: { maxBytes: 2048 } });

  it("local: the folder, the upload endpoint and the secret", () => {
    const env = functionEnvironment(media, { ...base, blobs: { localDir: "/tmp/b", localUrl: "http://127.0.0.1:3000/_local/blobs", localSecret: "k".repeat(43) } });
    expect(config(env).blobs).toEqual({ mode: "local", dir: "/tmp/b", uploadUrl: "http://127.0.0.1:3000/_local/blobs", secret: "k".repeat(43), prefix: "media/", maxBytes: 2048 });
  });

  it("AWS: the bucket", () => {
    const env = functionEnvironment(media, { ...base, blobs: { bucket: "siyu-b-blobs" } });
    expect(config(env).blobs).toEqual({ mode: "s3", bucket: "siyu-b-blobs", prefix: "media/", maxBytes: 2048 });
  });

  it("none without the manifest field; a half-configured environment fails at cold start", () => {
    const plain = defineService({ name: "plain", description: "d", table: { partitionKey: "pk" } });
    expect(config(functionEnvironment(plain, { ...base, blobs: { bucket: "b" } })).blobs).toBeUndefined();
    const env = functionEnvironment(media, { ...base, blobs: { bucket: "b" } });
    expect(() => config({ ...env, SIYU_BLOB_LOCAL_DIR: "/tmp/b" })).toThrow(ConfigError);
    const { SIYU_BLOB_PREFIX: _, ...noPrefix } = env;
    expect(() => config(noPrefix)).toThrow(/SIYU_BLOB_PREFIX is not set/);
  });
});
