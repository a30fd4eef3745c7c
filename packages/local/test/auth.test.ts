import { describe, expect, it } from "vitest";
import { claimsAsApiGateway, DevIssuer } from "../src/auth.ts";

describe("local dev issuer", async () => {
  const issuer = await DevIssuer.create({ issuer: "http://127.0.0.1:1/_local/issuer" });

  it("verifies its own tokens and reports their scopes", async () => {
    const token = await issuer.mint({ scopes: ["siyu/operator", "other"] });
    const r = await issuer.verify(`Bearer ${token}`, ["siyu/operator", "siyu/admin"]);
    expect(r).toMatchObject({ ok: true, scopes: ["siyu/operator", "other"] });
  });

  it("accepts a Cognito-style access token (client_id instead of aud, scp list)", async () => {
    const token = await issuer.mint({ scopes: [], audience: "not-it", claims: { client_id: "siyu-local", scp: ["siyu/admin"], scope: undefined } });
    const r = await issuer.verify(`Bearer ${token}`, ["siyu/admin"]);
    expect(r.ok).toBe(true);
  });

  it("refuses the wrong scope with 403 and bad tokens with 401", async () => {
    expect(await issuer.verify(`Bearer ${await issuer.mint({ scopes: ["x"] })}`, ["siyu/admin"])).toMatchObject({ ok: false, status: 403 });
    expect(await issuer.verify(undefined, ["siyu/admin"])).toMatchObject({ ok: false, status: 401 });
    expect(await issuer.verify(`Bearer ${await issuer.mint({ scopes: ["siyu/admin"], expiresIn: -1 })}`, [])).toMatchObject({
      ok: false,
      status: 401,
      detail: expect.stringMatching(/expired/),
    });
    const other = await DevIssuer.create({ issuer: issuer.issuer });
    expect(await issuer.verify(`Bearer ${await other.mint({ scopes: ["siyu/admin"] })}`, [])).toMatchObject({
      ok: false,
      status: 401,
      detail: expect.stringMatching(/signature/),
    });
  });

  it("stringifies claims the way API Gateway passes them to the function", () => {
    expect(claimsAsApiGateway({ sub: "u", exp: 123, admin: true, "cognito:groups": ["a", "b"] })).toEqual({
      sub: "u",
      exp: "123",
      admin: "true",
      "cognito:groups": "[a b]",
    });
  });
});
