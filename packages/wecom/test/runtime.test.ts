import { describe, expect, it } from "vitest";
import { DEV_WECOM_CREDENTIALS, envCredentials, runsInLambda, wecomRuntime } from "../src/index.ts";

const LAMBDA = { AWS_LAMBDA_FUNCTION_NAME: "siyu-acme-contact-intake-http" };
const REAL = {
  SIYU_WECOM_CORP_ID: "ww0123456789abcdef",
  SIYU_WECOM_AGENT_ID: "1000005",
  SIYU_WECOM_SECRET: "app-secret",
  SIYU_WECOM_TOKEN: "QDG6eK",
  SIYU_WECOM_AES_KEY: "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
};
const MISSING = /WeCom credentials missing: function siyu-acme-contact-intake-http runs in AWS Lambda but SIYU_WECOM_SECRET_ARN is not set/;

describe("runsInLambda", () => {
  it("knows Lambda by the variables its runtime sets", () => {
    expect(runsInLambda({})).toBe(false);
    expect(runsInLambda({ AWS_LAMBDA_FUNCTION_NAME: "" })).toBe(false);
    expect(runsInLambda(LAMBDA)).toBe(true);
    expect(runsInLambda({ AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x" })).toBe(true);
  });
});

describe("credentials in Lambda", () => {
  it("never falls back to the dev credentials: no secret and no SIYU_WECOM_* fails, naming what is missing", () => {
    expect(() => envCredentials(LAMBDA)).toThrow(MISSING);
    expect(() => envCredentials({ AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x" })).toThrow(/this function runs in AWS Lambda but SIYU_WECOM_SECRET_ARN is not set/);
    expect(() => envCredentials({ ...LAMBDA, SIYU_WECOM_TOKEN: "" })).toThrow(MISSING);
  });

  it("still takes explicit SIYU_WECOM_* values (the local platform runs handlers as Lambda does and passes them)", async () => {
    await expect(envCredentials({ ...LAMBDA, ...REAL })()).resolves.toMatchObject({ corpId: REAL.SIYU_WECOM_CORP_ID, secret: "app-secret" });
  });

  it("outside Lambda, behaves as before: the dev credentials", async () => {
    await expect(envCredentials({})()).resolves.toEqual(DEV_WECOM_CREDENTIALS);
  });
});

describe("wecomRuntime", () => {
  it("a Lambda function without its secret fails at cold start, even after a local runtime cached the dev credentials", async () => {
    // outside Lambda (pnpm dev, tests): the dev defaults, unchanged
    const local = wecomRuntime({ env: {} });
    expect((await local.callbackKeys()).token).toBe(DEV_WECOM_CREDENTIALS.token);
    // same process, same base URL, no secret: must not be handed the cached dev runtime
    expect(() => wecomRuntime({ env: LAMBDA })).toThrow(MISSING);
    expect(() => wecomRuntime({ env: LAMBDA, baseUrl: "http://127.0.0.1:3100" })).toThrow(MISSING);
    // and it keeps failing (nothing half-built was cached)
    expect(() => wecomRuntime({ env: LAMBDA })).toThrow(MISSING);
  });

  it("in Lambda with a secret ARN, reads the secret (not the environment)", () => {
    expect(() => wecomRuntime({ secretArn: "arn:aws:secretsmanager:us-east-1:000000000000:secret:siyu/acme", env: LAMBDA })).not.toThrow();
  });

  it("runtimes built from different SIYU_WECOM_* values are different runtimes", async () => {
    const a = wecomRuntime({ env: REAL });
    const b = wecomRuntime({ env: { ...REAL, SIYU_WECOM_TOKEN: "other" } });
    expect(a).not.toBe(b);
    expect((await b.callbackKeys()).token).toBe("other");
    expect(wecomRuntime({ env: REAL })).toBe(a);
  });
});
