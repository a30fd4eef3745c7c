import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { functionEnvironment, loadServices } from "@siyu/manifest";
import { type CallbackKeys, callbackSignature, encryptMessage, sealCallback } from "@siyu/wecom";
import { describe, expect, it, vi } from "vitest";
// the module the handler itself imports as @siyu/lambda-kit (test/ does not depend on it by name)
import { runWithEnv } from "../../packages/lambda-kit/src/index.ts";
import { simClient } from "../support/clients.ts";
import { REPO_ROOT, usePlatform } from "../support/platform.ts";

/**
 * What a correctly signed callback must still prove: that it was sent now (±5 min by Siyu's clock),
 * and that a deployed function checks it with the corp's real keys, never the dev defaults.
 *
 * Pollers are off, so every message the callback route queues stays on the service's queues and
 * "nothing was queued" is a count, not a race with the consumer.
 */
const platform = await usePlatform({ services: ["contact-intake"], pollers: false, simulator: { seed: "empty", strict: true } });
const sim = simClient(platform);
const world = platform.simulator!.world;
const keys: CallbackKeys = { token: world.config.token, encodingAesKey: world.config.encodingAesKey, receiveId: world.config.corpId };
const manifest = (await loadServices(REPO_ROOT)).find((s) => s.manifest.name === "contact-intake")!.manifest;
const DAY = 86_400_000;

await sim("staff", { userId: "liming", name: "李明" });

/** Messages on every queue of contact-intake (visible or not): whatever the callback route queues, on any lane. */
async function queued(): Promise<number> {
  let n = 0;
  for (const q of manifest.queues) {
    const out = await platform.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: platform.queueUrl("contact-intake", q.name), AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
    );
    n += Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  }
  return n;
}

/** The simulator adds a customer to liming: a real add_external_contact callback; returns its plaintext. */
async function simAdd(name: string): Promise<{ status: number | null; plaintext: string }> {
  const { externalUserId } = await sim<{ externalUserId: string }>("customers", { name });
  const r = await sim<{ callbackSeq: number; callbackStatus: number | null }>("staff-adds-customer", { userId: "liming", externalUserId });
  const record = world.callbacks.records.find((c) => c.seq === r.callbackSeq)!;
  return { status: r.callbackStatus, plaintext: record.plaintext };
}

/** POST a callback sealed with the corp's real keys and the given `timestamp` (Unix seconds). */
async function post(plaintext: string, timestamp: number): Promise<Response> {
  const sealed = sealCallback(keys, plaintext, { timestamp: String(timestamp), format: "xml" });
  const q = new URLSearchParams({ ...sealed.query });
  return fetch(`${platform.gatewayUrl}/wecom/callback?${q}`, { method: "POST", headers: { "content-type": "text/xml" }, body: sealed.body });
}

const nowSec = () => Math.floor(Date.now() / 1000);

async function expectProblem(res: Response, status: number, slug: string): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.type).toBe(`https://siyu.dev/problems/${slug}`);
  return body;
}

describe("replay window on POST /wecom/callback", () => {
  let plaintext: string;

  it("queues a fresh callback from the simulator", async () => {
    const before = await queued();
    const add = await simAdd("顾客甲");
    expect(add.status).toBe(200);
    plaintext = add.plaintext;
    expect(await queued()).toBeGreaterThan(before);
  });

  it("rejects the same event correctly signed with timestamp=1, 6 minutes old or 6 minutes ahead, and queues nothing", async () => {
    const before = await queued();
    for (const timestamp of [1, nowSec() - 360, nowSec() + 360]) {
      const problem = await expectProblem(await post(plaintext, timestamp), 401, "callback-timestamp-out-of-window");
      expect(problem.detail).toMatch(/the window is ±300 s/);
    }
    expect(await queued()).toBe(before);
  });

  it("accepts a callback a few minutes old (inside the window)", async () => {
    const before = await queued();
    expect((await post(plaintext, nowSec() - 240)).status).toBe(200);
    expect(await queued()).toBeGreaterThan(before);
  });

  it("after the simulator's clock moves a day ahead, its callbacks and byte-for-byte redeliveries still land", async () => {
    await sim("clock", { advanceMs: DAY });
    const before = await queued();
    const add = await simAdd("顾客乙");
    expect(add.status).toBe(200);
    const afterAdd = await queued();
    expect(afterAdd).toBeGreaterThan(before);
    // the last two originals: 顾客甲's add (sent before the clock moved) and 顾客乙's
    const { redelivered } = await sim<{ redelivered: { redeliveryOf: number; status: number }[] }>("redeliver", { count: 2 });
    expect(redelivered.map((r) => r.status)).toEqual([200, 200]);
    expect(await queued()).toBeGreaterThan(afterAdd);
  });
});

describe("replay window on GET /wecom/callback (URL verification)", () => {
  const signedGet = (timestamp: number) => {
    const echostr = encryptMessage(keys, "echo-4242");
    const ts = String(timestamp);
    return new URLSearchParams({ msg_signature: callbackSignature(keys.token, ts, "7", echostr), timestamp: ts, nonce: "7", echostr });
  };

  it("answers the simulator's verification (its clock moved too) and a fresh one", async () => {
    expect(await sim("verify-url", {})).toMatchObject({ ok: true });
    const res = await fetch(`${platform.gatewayUrl}/wecom/callback?${signedGet(nowSec())}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("echo-4242");
  });

  it("rejects a correctly signed verification with timestamp=1 or 6 minutes ahead", async () => {
    await expectProblem(await fetch(`${platform.gatewayUrl}/wecom/callback?${signedGet(1)}`), 401, "callback-timestamp-out-of-window");
    await expectProblem(await fetch(`${platform.gatewayUrl}/wecom/callback?${signedGet(nowSec() + 360)}`), 401, "callback-timestamp-out-of-window");
  });
});

describe("no dev credentials in Lambda", () => {
  it("the HTTP function in Lambda without its secret fails on a dev-signed callback, says what is missing and queues nothing", async () => {
    // the function's environment exactly as CDK builds it, but with no secret and no SIYU_WECOM_*
    const env = {
      ...functionEnvironment(manifest, {
        client: "acme",
        corpId: keys.receiveId,
        timeZone: "Asia/Shanghai",
        tableName: platform.tableName("contact-intake"),
        topicArn: platform.topicArn,
        queueUrls: Object.fromEntries(manifest.queues.map((q) => [q.name, platform.queueUrl("contact-intake", q.name)])),
        logLevel: "error",
      }),
      AWS_LAMBDA_FUNCTION_NAME: "siyu-acme-contact-intake-http",
    };
    expect(Object.keys(env).filter((k) => k.startsWith("SIYU_WECOM_"))).toEqual([]);
    const { handler } = (await runWithEnv(env, () => import("../../functions/contact-intake/src/http/api.ts"))) as { handler: (e: unknown, c: unknown) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }> };

    // signed with the dev keys, which the local platform also uses: accepted if the function fell back to them
    const sealed = sealCallback(keys, (await simAdd("顾客丙")).plaintext, { timestamp: String(nowSec()), format: "xml" });
    const before = await queued();
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    let res: { statusCode: number; headers: Record<string, string>; body: string };
    let logged = "";
    try {
      res = await runWithEnv(env, () =>
        handler(
          {
            version: "2.0",
            routeKey: "POST /wecom/callback",
            rawPath: "/wecom/callback",
            rawQueryString: new URLSearchParams({ ...sealed.query }).toString(),
            headers: { "content-type": "text/xml" },
            queryStringParameters: { ...sealed.query },
            requestContext: { http: { method: "POST", path: "/wecom/callback" }, requestId: "lambda-mode-1", routeKey: "POST /wecom/callback" },
            body: sealed.body,
            isBase64Encoded: false,
          },
          { functionName: env.AWS_LAMBDA_FUNCTION_NAME, awsRequestId: "lambda-mode-1", getRemainingTimeInMillis: () => 10_000 },
        ),
      );
    } finally {
      logged = stderr.mock.calls.map((c) => String(c[0])).join("");
      stderr.mockRestore();
    }
    expect(res.statusCode).toBe(500);
    expect(res.headers["content-type"]).toContain("application/problem+json");
    expect(JSON.parse(res.body).type).toBe("https://siyu.dev/problems/internal");
    // lambda-kit's configuration check (SIYU_SECRETS names "wecom") says it before anything reads a credential
    expect(logged).toMatch(/WeCom credentials missing: contact-intake runs in AWS Lambda .*SIYU_WECOM_SECRET_ARN is not set/);
    expect(await queued()).toBe(before);
  });
});
