import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, job, runtimeConfig, runWithEnv, sqs } from "../src/index.ts";

const BASE = {
  SIYU_SERVICE: "contact-intake",
  SIYU_CORP_ID: "wwcorp",
  SIYU_TABLE: "t",
  SIYU_TOPIC_ARN: "arn:aws:sns:cn-north-1:000000000000:t",
};
const LAMBDA = { AWS_LAMBDA_FUNCTION_NAME: "siyu-acme-contact-intake-intake", AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x" };
const MISSING = /WeCom credentials missing: contact-intake runs in AWS Lambda .* SIYU_WECOM_SECRET_ARN is not set/;

describe("secrets at cold start", () => {
  it("a function in Lambda whose service reads the wecom secret fails without it, naming what is missing", () => {
    expect(() => runWithEnv({ ...BASE, ...LAMBDA, SIYU_SECRETS: "wecom" }, runtimeConfig)).toThrow(ConfigError);
    expect(() => runWithEnv({ ...BASE, ...LAMBDA, SIYU_SECRETS: "wecom" }, runtimeConfig)).toThrow(MISSING);
  });

  it("passes with the secret's ARN, with explicit values, outside Lambda, or when the service reads no secret", () => {
    expect(runWithEnv({ ...BASE, ...LAMBDA, SIYU_SECRETS: "wecom", SIYU_WECOM_SECRET_ARN: "arn:aws:secretsmanager:cn-north-1:0:secret:w" }, runtimeConfig).service).toBe("contact-intake");
    expect(runWithEnv({ ...BASE, ...LAMBDA, SIYU_SECRETS: "wecom", SIYU_WECOM_SECRET: "s" }, runtimeConfig).service).toBe("contact-intake");
    expect(runWithEnv({ ...BASE, SIYU_SECRETS: "wecom" }, runtimeConfig).service).toBe("contact-intake");
    expect(runWithEnv({ ...BASE, ...LAMBDA }, runtimeConfig).service).toBe("contact-intake");
  });

  describe("when the handler module loads in Lambda", () => {
    const saved = { ...process.env };
    afterEach(() => {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    });

    it("a consumer or job fails at init, before any event, when its secret is not configured", () => {
      Object.assign(process.env, BASE, LAMBDA, { SIYU_SECRETS: "wecom" });
      expect(() => sqs({ queue: "intake", accepts: ["probe.requested"], idempotency: false, handle: async () => {} })).toThrow(MISSING);
      expect(() => job("tag-reconcile", async () => 1)).toThrow(MISSING);
      process.env.SIYU_WECOM_SECRET_ARN = "arn:aws:secretsmanager:cn-north-1:0:secret:w";
      expect(() => job("tag-reconcile2", async () => 1)).not.toThrow();
    });

    it("locally nothing is read at load (each invocation brings its own environment)", () => {
      for (const k of Object.keys(LAMBDA)) delete process.env[k];
      expect(() => sqs({ queue: "intake", accepts: ["probe.requested"], idempotency: false, handle: async () => {} })).not.toThrow();
    });
  });
});
