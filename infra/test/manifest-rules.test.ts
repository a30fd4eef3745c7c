import { join } from "node:path";
import { defineService, type LoadedService, type ServiceManifestInput } from "@siyu/manifest";
import { App } from "aws-cdk-lib";
import { describe, expect, it } from "vitest";
import { SiyuStack } from "../lib/siyu-stack.ts";
import { FIXTURES, REPO_ROOT, testClient } from "./support.ts";

/** Rules the manifest schema cannot see but AWS enforces: infra fails synth with the service and field. */

const dir = join(FIXTURES, "functions", "sample");
const service = (input: Partial<ServiceManifestInput> & { name: string }): LoadedService => ({
  manifest: defineService({ description: "rules fixture", table: { partitionKey: "pk" }, ...input }),
  dir,
});
const build = (services: LoadedService[], code: "inline" | "bundle" = "inline") =>
  new SiyuStack(new App(), "Rules", { client: testClient(), services, repoRoot: REPO_ROOT, code, fallbackEntry: null });

describe("infra-level manifest rules", () => {
  it("a FIFO queue's batch size is at most 10", () => {
    const s = service({ name: "fifo-big", queues: [{ name: "q", consumer: "src/consumers/intake.ts", fifo: true, batchSize: 20 }] });
    expect(() => build([s])).toThrow("fifo-big/queues/q: a FIFO queue's batchSize is at most 10 (got 20)");
  });

  it("a standard queue with batchSize > 10 needs a batching window", () => {
    const s = service({ name: "wide", queues: [{ name: "q", consumer: "src/consumers/intake.ts", batchSize: 100 }] });
    expect(() => build([s])).toThrow("wide/queues/q: batchSize above 10 needs maxBatchingWindowSeconds >= 1");
  });

  it("two services may not declare the same route", () => {
    const http = { entry: "src/http/api.ts", routes: [{ method: "GET" as const, path: "/v1/x", auth: "admin" as const, name: "x" }] };
    expect(() => build([service({ name: "one", http }), service({ name: "two", http })])).toThrow('route "GET /v1/x" is declared by both one and two');
  });

  it("a schedule's timezone must be an IANA zone", () => {
    const s = service({ name: "tz", schedules: [{ name: "j", handler: "src/jobs/nightly.ts", expression: "rate(1 hour)", timeZone: "Mars/Olympus" }] });
    expect(() => build([s])).toThrow('tz/schedules/j: timezone "Mars/Olympus" is not an IANA timezone');
  });

  it("a missing entry file fails with its path (bundling mode)", () => {
    const s = service({ name: "ghost", queues: [{ name: "q", consumer: "src/consumers/missing.ts" }] });
    expect(() => build([s], "bundle")).toThrow(`entry file not found: ${join(dir, "src/consumers/missing.ts")}`);
  });

  it("a service with only a table is fine (no functions, no routes)", () => {
    const stack = build([service({ name: "bare" })]);
    expect(stack.services[0]!.functions).toHaveLength(0);
  });
});
