import { describe, expect, it } from "vitest";
import { RouteTable } from "../src/routes.ts";

const table = new RouteTable([
  { service: "a", method: "GET", path: "/v1/items/{itemId}", auth: "public", name: "get" },
  { service: "a", method: "DELETE", path: "/v1/items/{itemId}", auth: "admin", name: "del" },
  { service: "b", method: "GET", path: "/v1/items/sync", auth: "operator", name: "sync" },
  { service: "b", method: "GET", path: "/v1/{kind}/sync", auth: "operator", name: "kindSync" },
  { service: "c", method: "POST", path: "/wecom/callback", auth: "public", name: "cb" },
  { service: "c", method: "GET", path: "/wecom/callback", auth: "public", name: "verify" },
  { service: "c", method: "GET", path: "/", auth: "public", name: "root" },
]);

describe("route matching", () => {
  it("matches path templates and decodes parameters", () => {
    expect(table.match("GET", "/v1/items/abc")).toEqual({
      kind: "match",
      route: { service: "a", method: "GET", path: "/v1/items/{itemId}", auth: "public", name: "get" },
      pathParameters: { itemId: "abc" },
    });
    expect(table.match("GET", "/v1/items/a%2Fb")).toMatchObject({ kind: "match", pathParameters: { itemId: "a/b" } });
  });

  it("prefers literal segments, left to right, across services", () => {
    expect(table.match("GET", "/v1/items/sync")).toMatchObject({ kind: "match", route: { name: "sync", service: "b" } });
    expect(table.match("GET", "/v1/groups/sync")).toMatchObject({ kind: "match", route: { name: "kindSync" }, pathParameters: { kind: "groups" } });
  });

  it("tells a wrong method (405 with the allowed ones) from an unknown path (404)", () => {
    expect(table.match("PUT", "/v1/items/x")).toEqual({ kind: "method-not-allowed", allow: ["DELETE", "GET"] });
    expect(table.match("PATCH", "/wecom/callback")).toEqual({ kind: "method-not-allowed", allow: ["GET", "POST"] });
    expect(table.match("GET", "/v1/items")).toEqual({ kind: "not-found" });
    expect(table.match("GET", "/v1/items/x/y")).toEqual({ kind: "not-found" });
    expect(table.match("GET", "/v1/items/")).toEqual({ kind: "not-found" });
  });

  it("matches methods case-insensitively and the root path", () => {
    expect(table.match("post", "/wecom/callback")).toMatchObject({ kind: "match", route: { name: "cb" } });
    expect(table.match("GET", "/")).toMatchObject({ kind: "match", route: { name: "root" }, pathParameters: {} });
  });
});
