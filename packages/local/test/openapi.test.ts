import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createConfig, lintFromString } from "@redocly/openapi-core";
import { loadServices, routeKey } from "@siyu/manifest";
import { describe, expect, it } from "vitest";
import { buildOpenApi } from "../src/openapi.ts";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const doc = await buildOpenApi(repoRoot);
const paths = doc.paths as Record<string, Record<string, { operationId: string; security: unknown[]; responses: Record<string, unknown> }>>;

describe("the OpenAPI document", () => {
  it("has every route of every manifest, with its auth scope and problem answers", async () => {
    const services = await loadServices(repoRoot);
    const routes = services.flatMap((s) => s.manifest.http?.routes ?? []);
    expect(routes.length).toBeGreaterThan(40);
    for (const r of routes) {
      const op = paths[r.path]?.[r.method.toLowerCase()];
      expect(op, routeKey(r)).toBeDefined();
      expect(op!.operationId).toBe(r.name);
      expect(op!.security, routeKey(r)).toEqual(r.auth === "public" ? [] : [{ bearer: expect.arrayContaining(["siyu/admin"]) }]);
      expect(op!.responses["400"], routeKey(r)).toBeDefined();
    }
    const ops = Object.values(paths).reduce((n, p) => n + Object.keys(p).length, 0);
    expect(ops).toBe(routes.length);
  });

  it("carries the routes' own schemas: a create body from the domain, path and query parameters from the route", () => {
    const create = paths["/v1/moments"]!.post as unknown as { requestBody: { content: { "application/json": { schema: { properties: Record<string, unknown> } } } } };
    expect(Object.keys(create.requestBody.content["application/json"].schema.properties)).toEqual(expect.arrayContaining(["name", "content", "visibility", "schedule"]));
    const list = paths["/v1/moments"]!.get as unknown as { parameters: { name: string; in: string }[] };
    expect(list.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(expect.arrayContaining(["query:limit", "query:cursor"]));
  });

  it("lints clean with Redocly's recommended rules (no error)", async () => {
    const config = await createConfig({ extends: ["recommended"] });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: "openapi.json", config });
    const errors = problems.filter((p) => p.severity === "error");
    expect(errors.map((e) => `${e.ruleId}: ${e.message} at ${e.location[0]?.pointer ?? ""}`)).toEqual([]);
  });

  it("is the committed docs/openapi.json (run `pnpm openapi` after changing a route)", () => {
    const committed = JSON.parse(readFileSync(new URL("../../../docs/openapi.json", import.meta.url), "utf8"));
    expect(committed).toEqual(JSON.parse(JSON.stringify(doc)));
  });
});
