import { startDynamoLocal, startFauxqsServer } from "@siyu/local/services";
import type { TestProject } from "vitest/node";

/**
 * Integration project globalSetup: one DynamoDB Local (a JVM, the slow part) and one fauxqs for the
 * whole run, shared by every test file. Each file then starts its own platform on them with its own
 * resource prefix (test/support/platform.ts), so files never see each other's tables or queues.
 */
declare module "vitest" {
  export interface ProvidedContext {
    /** DynamoDB Local started for this run. */
    siyuDynamoEndpoint: string;
    /** fauxqs (SQS and SNS) started for this run. */
    siyuSqsEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const [dynamo, fauxqs] = await Promise.all([startDynamoLocal(), startFauxqsServer()]);
  project.provide("siyuDynamoEndpoint", dynamo.endpoint);
  project.provide("siyuSqsEndpoint", fauxqs.endpoint);
  if (process.env.SIYU_TEST_VERBOSE) {
    console.log(`[global-setup] DynamoDB Local ${dynamo.endpoint} (pid ${dynamo.pid}), fauxqs ${fauxqs.endpoint} in ${Date.now() - started} ms`);
  }
  return async () => {
    await fauxqs.stop();
    await dynamo.stop();
  };
}
