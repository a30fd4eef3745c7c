import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { handler } from "../src/fallback.ts";
import { runWithEnv } from "../src/runtime-env.ts";

const ev = (method: string, path: string) =>
  ({ rawPath: path, requestContext: { requestId: "r1", http: { method } } }) as unknown as APIGatewayProxyEventV2;

describe("fallback $default route", () => {
  it("answers 404 for unknown paths and 405 with Allow for a known path under another method", async () => {
    await runWithEnv({ SIYU_ROUTES: JSON.stringify(["GET /v1/items/{id}", "POST /v1/items"]) }, async () => {
      const missing = await handler(ev("GET", "/v1/nothing"));
      expect(missing.statusCode).toBe(404);
      expect(missing.headers?.["content-type"]).toBe("application/problem+json");
      const wrong = await handler(ev("DELETE", "/v1/items/7"));
      expect(wrong.statusCode).toBe(405);
      expect(wrong.headers?.allow).toBe("GET");
      expect(JSON.parse(wrong.body!).type).toBe("https://siyu.dev/problems/method-not-allowed");
    });
  });
});
