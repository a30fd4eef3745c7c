import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BLOB_UPLOAD_EXPIRES_SECONDS, checkContentType, fullBlobKey, isFullBlobKey, type UploadGrant, uploadGrant } from "../src/blob-keys.ts";
import { checkLocalUpload, localUploadUrl, signLocalUpload } from "../src/blob-signature.ts";
import { BlobRequestError } from "../src/blob-types.ts";

const SECRET = "s".repeat(43);
const NOW = new Date("2030-05-01T08:00:00.000Z");
const settings = { prefix: "moments-publisher/", maxBytes: 10 * 1024 * 1024 };
const grant = (): UploadGrant => uploadGrant(settings, { key: "moments/abc123/cover.jpg", contentType: "image/jpeg" }, NOW);

/** What the gateway sees of a URL: the decoded key after /_local/blobs/ and the query. */
function request(url: string, contentType: string | undefined, now = NOW) {
  const u = new URL(url);
  const key = u.pathname.replace(/^\/_local\/blobs\//, "").split("/").map(decodeURIComponent).join("/");
  return { key, query: u.searchParams, contentType, now };
}

describe("blob keys", () => {
  it("puts a service's key under its prefix", () => {
    expect(fullBlobKey("moments-publisher/", "moments/abc123/cover.jpg")).toBe("moments-publisher/moments/abc123/cover.jpg");
    expect(isFullBlobKey("moments-publisher/moments/abc123/cover.jpg")).toBe(true);
  });

  it.each(["", "/abs", "a//b", "a/", "../other/x", "a/../../b", "./a", "a/./b", "a\\b", "封面.jpg", "a b", "a?b", "a#b", "a\nb", "x".repeat(256)])(
    "refuses %j (it could leave the prefix, or means something else to a file system or a URL)",
    (key) => {
      expect(() => fullBlobKey("svc/", key)).toThrow(BlobRequestError);
    },
  );

  it("refuses a key longer than S3 allows once prefixed", () => {
    const long = Array.from({ length: 5 }, () => "k".repeat(204)).join("/"); // 1024 characters
    expect(() => fullBlobKey("svc/", long)).toThrow(/at most 1020 characters/);
    expect(fullBlobKey("svc/", long.slice(4))).toHaveLength(1024);
  });

  it("a stored key starts with a kebab-case service", () => {
    expect(isFullBlobKey("Svc/x")).toBe(false);
    expect(isFullBlobKey("svc")).toBe(false);
    expect(isFullBlobKey("/x")).toBe(false);
    expect(isFullBlobKey("svc/../x")).toBe(false);
  });

  it("content types are type/subtype without parameters", () => {
    expect(checkContentType("image/jpeg")).toBe("image/jpeg");
    expect(checkContentType("video/mp4")).toBe("video/mp4");
    for (const bad of ["", "image", "image/", "image/jpeg; charset=x", "text/plain\r\nx-evil: 1", "a/b/c"]) expect(() => checkContentType(bad), bad).toThrow(BlobRequestError);
  });

  it("a grant: the manifest's maxBytes by default and as ceiling, 15 minutes unless asked, at most an hour", () => {
    expect(grant()).toEqual({
      key: "moments-publisher/moments/abc123/cover.jpg",
      contentType: "image/jpeg",
      maxBytes: settings.maxBytes,
      expires: NOW.getTime() / 1000 + BLOB_UPLOAD_EXPIRES_SECONDS,
    });
    expect(BLOB_UPLOAD_EXPIRES_SECONDS).toBe(900);
    const o = { key: "k", contentType: "image/png" };
    expect(uploadGrant(settings, { ...o, maxBytes: 1, expiresInSeconds: 3600 }, NOW)).toMatchObject({ maxBytes: 1, expires: NOW.getTime() / 1000 + 3600 });
    expect(() => uploadGrant(settings, { ...o, maxBytes: settings.maxBytes + 1 }, NOW)).toThrow(/blobs.maxBytes/);
    expect(() => uploadGrant(settings, { ...o, maxBytes: 0 }, NOW)).toThrow(BlobRequestError);
    expect(() => uploadGrant(settings, { ...o, expiresInSeconds: 3601 }, NOW)).toThrow(BlobRequestError);
    expect(() => uploadGrant(settings, { ...o, expiresInSeconds: 0 }, NOW)).toThrow(BlobRequestError);
  });
});

describe("local upload signature", () => {
  it("accepts the URL it made, for its key, content type and limit, until it expires", () => {
    const g = grant();
    const url = localUploadUrl("http://127.0.0.1:3000/_local/blobs", SECRET, g);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:3000\/_local\/blobs\/moments-publisher\/moments\/abc123\/cover\.jpg\?ct=image%2Fjpeg&max=10485760&exp=\d+&sig=[\w-]{43}$/);
    expect(checkLocalUpload(SECRET, request(url, "image/jpeg"))).toEqual({ ok: true, grant: g });
    const lastSecond = new Date(g.expires * 1000 - 1);
    expect(checkLocalUpload(SECRET, request(url, "image/jpeg", lastSecond)).ok).toBe(true);
  });

  it("refuses it once expired", () => {
    const g = grant();
    const url = localUploadUrl("http://h/_local/blobs", SECRET, g);
    expect(checkLocalUpload(SECRET, request(url, "image/jpeg", new Date(g.expires * 1000)))).toMatchObject({ ok: false, status: 403, reason: expect.stringMatching(/expired/) });
  });

  it("refuses another content type than the signed one", () => {
    const url = localUploadUrl("http://h/_local/blobs", SECRET, grant());
    expect(checkLocalUpload(SECRET, request(url, "image/png"))).toMatchObject({ ok: false, status: 403, reason: expect.stringMatching(/content-type must be image\/jpeg/) });
    expect(checkLocalUpload(SECRET, request(url, undefined))).toMatchObject({ ok: false, status: 403 });
  });

  it("refuses a URL signed with another secret, or with a parameter missing", () => {
    const url = localUploadUrl("http://h/_local/blobs", "another-secret-another-secret-another-se", grant());
    expect(checkLocalUpload(SECRET, request(url, "image/jpeg"))).toMatchObject({ ok: false, status: 403, reason: expect.stringMatching(/signature/) });
    for (const p of ["ct", "max", "exp", "sig"]) {
      const u = new URL(localUploadUrl("http://h/_local/blobs", SECRET, grant()));
      u.searchParams.delete(p);
      expect(checkLocalUpload(SECRET, request(u.href, "image/jpeg")), p).toMatchObject({ ok: false, status: 403 });
    }
  });

  it("refuses a path that is not a stored key (400) before looking at the signature", () => {
    const g = { ...grant(), key: "moments-publisher/../contact-intake/x" };
    const u = new URL(localUploadUrl("http://h/_local/blobs", SECRET, grant()));
    expect(checkLocalUpload(SECRET, { key: g.key, query: u.searchParams, contentType: "image/jpeg", now: NOW })).toMatchObject({ ok: false, status: 400 });
  });

  it("property: changing any signed field (key, content type, limit, expiry) or the signature is refused", () => {
    const fields = fc.constantFrom("key", "ct", "max", "exp", "sig");
    fc.assert(
      fc.property(fields, fc.stringMatching(/^[a-z0-9]{1,8}$/), (field, junk) => {
        const g = grant();
        const u = new URL(localUploadUrl("http://h/_local/blobs", SECRET, g));
        let key = g.key;
        if (field === "key") key = `contact-intake/${junk}`;
        if (field === "ct") u.searchParams.set("ct", `image/${junk}x`);
        if (field === "max") u.searchParams.set("max", String(g.maxBytes + 1 + junk.length));
        if (field === "exp") u.searchParams.set("exp", String(g.expires + 1 + junk.length));
        if (field === "sig") u.searchParams.set("sig", signLocalUpload(SECRET, { ...g, key: `${g.key}${junk}` }));
        const res = checkLocalUpload(SECRET, { key, query: u.searchParams, contentType: u.searchParams.get("ct") ?? undefined, now: NOW });
        return !res.ok && res.status === 403;
      }),
    );
  });
});
