import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { usePlatform } from "../../../test/support/platform.ts";

/**
 * Blob storage on the local platform, end to end: the media fixture's function makes an upload URL
 * (@siyu/store's blobStore in local mode), fetch PUTs the bytes to the gateway, the function reads
 * them back; tampered, expired, oversized and out-of-prefix uploads are refused.
 */
const platform = await usePlatform({ repoRoot: fileURLToPath(new URL("./fixtures-blobs", import.meta.url)) });
const url = (path: string) => `${platform.gatewayUrl}${path}`;

interface Upload {
  url: string;
  method: "PUT";
  headers: Record<string, string>;
  expiresAt: string;
}

async function uploadUrl(body: Record<string, unknown>): Promise<Upload> {
  const res = await fetch(url("/v1/uploads"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Upload;
}

const put = (target: string, bytes: Uint8Array, headers: Record<string, string>) => fetch(target, { method: "PUT", headers, body: bytes });
const read = async (key: string) => {
  const res = await fetch(url(`/v1/blob?key=${encodeURIComponent(key)}`));
  return { status: res.status, body: (await res.json()) as { head?: { size: number; contentType: string }; contentType?: string; base64?: string } };
};
const bytes = (n: number, seed = 7) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 256);

describe("blob uploads on the local platform", () => {
  it("an upload URL takes the bytes, and the service reads them back (head, get)", async () => {
    const up = await uploadUrl({ key: "moments/abc123/cover.jpg", contentType: "image/jpeg", maxBytes: 10 * 1024 * 1024 });
    expect(up.method).toBe("PUT");
    expect(up.headers).toEqual({ "content-type": "image/jpeg" });
    expect(up.url.startsWith(`${platform.gatewayUrl}/_local/blobs/media/moments/abc123/cover.jpg?`)).toBe(true);
    const expiresIn = new Date(up.expiresAt).getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan(14 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(15 * 60_000);

    const image = bytes(5000);
    const res = await put(up.url, image, up.headers);
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toMatch(/^"[0-9a-f]{32}"$/);

    const { status, body } = await read("moments/abc123/cover.jpg");
    expect(status).toBe(200);
    expect(body.head).toEqual({ size: 5000, contentType: "image/jpeg" });
    expect(body.contentType).toBe("image/jpeg");
    expect(Buffer.from(body.base64!, "base64").equals(Buffer.from(image))).toBe(true);
    // the folder stands in for the bucket: <dir>/<service>/<key>
    expect(readFileSync(join(platform.blobDir, "media", "moments", "abc123", "cover.jpg")).equals(Buffer.from(image))).toBe(true);
  });

  it("a second upload to the same key replaces the blob, as a PUT does", async () => {
    const first = await uploadUrl({ key: "moments/r/cover.png", contentType: "image/png" });
    expect((await put(first.url, bytes(10), first.headers)).status).toBe(200);
    const second = await uploadUrl({ key: "moments/r/cover.png", contentType: "image/png" });
    expect((await put(second.url, bytes(20, 1), second.headers)).status).toBe(200);
    expect((await read("moments/r/cover.png")).body.head).toEqual({ size: 20, contentType: "image/png" });
  });

  it("a tampered URL is refused with 403 and writes nothing", async () => {
    const up = await uploadUrl({ key: "moments/t/cover.jpg", contentType: "image/jpeg", maxBytes: 1000 });
    const tamper = (f: (u: URL) => void) => {
      const u = new URL(up.url);
      f(u);
      return u.href;
    };
    const cases: [string, string, Record<string, string>][] = [
      ["signature", tamper((u) => u.searchParams.set("sig", `${u.searchParams.get("sig")!.slice(0, -2)}AA`)), up.headers],
      ["key", tamper((u) => (u.pathname = u.pathname.replace("cover.jpg", "other.jpg"))), up.headers],
      ["size limit", tamper((u) => u.searchParams.set("max", "100000000")), up.headers],
      ["expiry", tamper((u) => u.searchParams.set("exp", String(Number(u.searchParams.get("exp")) + 3600))), up.headers],
      ["content type (query)", tamper((u) => u.searchParams.set("ct", "text/html")), { "content-type": "text/html" }],
      ["content type (header)", up.url, { "content-type": "image/png" }],
      ["no signature", tamper((u) => u.searchParams.delete("sig")), up.headers],
    ];
    for (const [what, target, headers] of cases) {
      const res = await put(target, bytes(10), headers);
      expect(res.status, what).toBe(403);
      expect(res.headers.get("content-type"), what).toBe("application/problem+json");
      expect(((await res.json()) as { type: string }).type, what).toBe("https://siyu.dev/problems/forbidden");
    }
    expect((await read("moments/t/cover.jpg")).status).toBe(404);
    expect((await read("moments/t/other.jpg")).status).toBe(404);
  });

  it("an expired URL is refused", async () => {
    const up = await uploadUrl({ key: "moments/e/cover.jpg", contentType: "image/jpeg", expiresInSeconds: 1 });
    await new Promise((r) => setTimeout(r, new Date(up.expiresAt).getTime() - Date.now() + 50));
    const res = await put(up.url, bytes(10), up.headers);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/expired/);
    expect((await read("moments/e/cover.jpg")).status).toBe(404);
  });

  it("more bytes than the URL allows are refused with 413 and nothing is kept; 10 MiB fit by default", async () => {
    const small = await uploadUrl({ key: "moments/big/clip.mp4", contentType: "video/mp4", maxBytes: 1024 });
    expect((await put(small.url, bytes(1025), small.headers)).status).toBe(413);
    expect((await read("moments/big/clip.mp4")).status).toBe(404);
    expect((await put(small.url, bytes(1024), small.headers)).status).toBe(200);

    const tenMiB = 10 * 1024 * 1024;
    const full = await uploadUrl({ key: "moments/big/full.mp4", contentType: "video/mp4" });
    const over = await put(full.url, bytes(tenMiB + 1), full.headers);
    expect(over.status).toBe(413);
    expect(existsSync(join(platform.blobDir, "media", "moments", "big", "full.mp4"))).toBe(false);
    expect((await put(full.url, bytes(tenMiB), full.headers)).status).toBe(200);
    expect((await read("moments/big/full.mp4")).body.head).toEqual({ size: tenMiB, contentType: "video/mp4" });
    // beyond the manifest's ceiling no URL is made
    const res = await fetch(url("/v1/uploads"), { method: "POST", body: JSON.stringify({ key: "x.mp4", contentType: "video/mp4", maxBytes: tenMiB + 1 }) });
    expect(res.status).toBe(400);
  });

  it("keys outside the service's prefix are refused: by the service's store, and by the gateway", async () => {
    for (const key of ["../plain/x.jpg", "/media/x.jpg", "a/../../x.jpg"]) {
      const res = await fetch(url("/v1/uploads"), { method: "POST", body: JSON.stringify({ key, contentType: "image/jpeg" }) });
      expect(res.status, key).toBe(400);
      expect((await read(key)).status, key).toBe(400);
    }
    // a URL the service made, pointed at another service's prefix
    const up = await uploadUrl({ key: "x.jpg", contentType: "image/jpeg" });
    const other = up.url.replace("/_local/blobs/media/", "/_local/blobs/plain/");
    expect((await put(other, bytes(3), up.headers)).status).toBe(403);
    const climbing = up.url.replace("/_local/blobs/media/x.jpg", "/_local/blobs/media/..%2F..%2Fescape.jpg");
    expect((await put(climbing, bytes(3), up.headers)).status).toBe(400);
    expect(existsSync(join(platform.blobDir, "plain"))).toBe(false);
  });

  it("a server-side put is read back the same way", async () => {
    const res = await fetch(url("/v1/blob?key=imports/1.png&ct=image/png"), { method: "PUT", headers: { "content-type": "application/octet-stream" }, body: bytes(64) });
    expect(res.status).toBe(204);
    expect((await read("imports/1.png")).body.head).toEqual({ size: 64, contentType: "image/png" });
  });

  it("a service that declares no blobs gets no blob variables, and blobStore refuses it", async () => {
    const body = (await (await fetch(url("/v1/plain"))).json()) as { error: string; blobEnv: string[] };
    expect(body.blobEnv).toEqual([]);
    expect(body.error).toBe("BlobConfigError: plain has no blob storage: declare blobs in its manifest (service.ts)");
  });

  it("answers a browser's CORS preflight for uploads", async () => {
    const res = await fetch(url("/_local/blobs/media/x.jpg"), {
      method: "OPTIONS",
      headers: { origin: "http://localhost:5173", "access-control-request-method": "PUT", "access-control-request-headers": "content-type" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    expect(res.headers.get("access-control-allow-methods")).toBe("PUT");
  });
});
