import { fileURLToPath } from "node:url";
import { DeleteQueueCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, usePlatform } from "../../../test/support/platform.ts";

/** With lambda-kit's fallback (API Gateway's `$default` route in AWS), unmatched requests go to it. */
const platform = await usePlatform({
  repoRoot: fileURLToPath(new URL("./fixtures", import.meta.url)),
  services: ["alpha"],
  fallback: `${REPO_ROOT}packages/lambda-kit/src/fallback.ts`,
});

describe("the $default fallback function", () => {
  it("answers an unknown path with its 404 problem", async () => {
    const res = await fetch(`${platform.gatewayUrl}/v1/nothing`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ status: 404, instance: "/v1/nothing", requestId: res.headers.get("apigw-requestid") });
  });

  it("answers a known path under another method with 405 and Allow, from the routes it is given", async () => {
    const res = await fetch(`${platform.gatewayUrl}/v1/echo/x`, { method: "PUT" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, POST");
  });

  it("still routes declared routes to their service", async () => {
    const res = await fetch(`${platform.gatewayUrl}/v1/items/special`);
    expect(await res.json()).toEqual({ route: "special" });
  });

  it("reports 503 on /health when a dependency is gone", async () => {
    await platform.sqs.send(new DeleteQueueCommand({ QueueUrl: platform.dlqUrl("alpha", "big") }));
    const res = await fetch(`${platform.gatewayUrl}/health`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; services: { alpha: { ok: boolean; queues: { big: { ok: boolean } } } } };
    expect(body.status).toBe("degraded");
    expect(body.services.alpha.ok).toBe(false);
    expect(body.services.alpha.queues.big.ok).toBe(false);
  });
});
