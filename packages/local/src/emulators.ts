import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type DynamoLocalLaunch, launchDynamoLocal } from "./dynamo.ts";
import { startFauxqsServer } from "./fauxqs.ts";
import { freePort } from "./ports.ts";
import type { Teardown } from "./teardown.ts";

/**
 * Phase 1 of the platform: the AWS stand-ins (DynamoDB Local, fauxqs for SQS and SNS), or the
 * endpoints of ones already running, and the SDK clients the platform itself uses on them.
 */

export interface DynamoEndpoint {
  endpoint: string;
  /** Resolves when DynamoDB Local answers (the JVM boots while the rest starts). */
  ready: Promise<void>;
  /** Set when this platform launched it. */
  launch?: DynamoLocalLaunch;
}

/** Launch DynamoDB Local (unless given an endpoint) without waiting for the JVM. */
export async function startDynamo(
  o: { dynamoEndpoint?: string; dynamoLaunch?: DynamoLocalLaunch; persistDir?: string; onReady?: () => void },
  teardown: Teardown,
): Promise<DynamoEndpoint> {
  if (o.dynamoEndpoint) {
    if (o.dynamoLaunch) throw new Error("pass dynamoEndpoint or dynamoLaunch, not both");
    return { endpoint: o.dynamoEndpoint, ready: Promise.resolve() };
  }
  const launch = o.dynamoLaunch ?? launchDynamoLocal({ port: await freePort(), dbPath: o.persistDir ? join(o.persistDir, "dynamodb") : undefined });
  teardown.add("DynamoDB Local", () => launch.stop());
  const ready = launch.ready.then(() => o.onReady?.());
  ready.catch(() => {}); // awaited later; don't report it as unhandled if start-up fails first
  return { endpoint: launch.endpoint, ready, launch };
}

/** fauxqs in-process (unless given an endpoint): SQS and, by default, SNS. */
export async function startMessaging(o: { sqsEndpoint?: string; snsEndpoint?: string }, teardown: Teardown): Promise<{ sqs: string; sns: string }> {
  let sqs = o.sqsEndpoint;
  if (!sqs) {
    const fauxqs = await startFauxqsServer({ port: 0 });
    teardown.add("fauxqs", () => fauxqs.stop());
    sqs = fauxqs.endpoint;
  }
  return { sqs, sns: o.snsEndpoint ?? sqs };
}

export interface AwsClients {
  dynamoClient: DynamoDBClient;
  dynamo: DynamoDBDocumentClient;
  sqs: SQSClient;
  sns: SNSClient;
}

export function awsClients(region: string, endpoints: { dynamodb: string; sqs: string; sns: string }, teardown: Teardown): AwsClients {
  const aws = { region, credentials: { accessKeyId: "local", secretAccessKey: "local" } };
  const dynamoClient = new DynamoDBClient({ ...aws, endpoint: endpoints.dynamodb });
  const dynamo = DynamoDBDocumentClient.from(dynamoClient, { marshallOptions: { removeUndefinedValues: true } });
  const sqs = new SQSClient({ ...aws, endpoint: endpoints.sqs });
  const sns = new SNSClient({ ...aws, endpoint: endpoints.sns });
  teardown.add("SDK clients", () => {
    dynamo.destroy();
    sqs.destroy();
    sns.destroy();
  });
  return { dynamoClient, dynamo, sqs, sns };
}

// --- process env --------------------------------------------------------------------------------------------

/** The process-wide AWS SDK settings the handlers' own clients pick up. */
const PROCESS_ENV_KEYS = [
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_EC2_METADATA_DISABLED",
  "AWS_ENDPOINT_URL_DYNAMODB",
  "AWS_ENDPOINT_URL_SQS",
  "AWS_ENDPOINT_URL_SNS",
  "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED",
] as const;

let activeEndpoints: { key: string; count: number } | undefined;

/**
 * The SDK clients handlers create read their endpoints and region from process.env, which every
 * service in this process shares; only their SIYU_* variables differ (runWithEnv). One set of
 * endpoints per process, then: a second platform with other endpoints while one runs is refused.
 */
export function setProcessEnv(region: string, endpoints: { dynamodb: string; sqs: string; sns: string }, teardown: Teardown): void {
  const { dynamodb, sqs, sns } = endpoints;
  const key = `${region}|${dynamodb}|${sqs}|${sns}`;
  if (activeEndpoints && activeEndpoints.key !== key) {
    throw new Error("another local platform with different endpoints runs in this process; the AWS SDK reads endpoints from process.env, so only one set can be active");
  }
  const saved = Object.fromEntries(PROCESS_ENV_KEYS.map((k) => [k, process.env[k]]));
  const set: Record<string, string | undefined> = {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_SESSION_TOKEN: undefined,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb,
    AWS_ENDPOINT_URL_SQS: sqs,
    AWS_ENDPOINT_URL_SNS: sns,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ?? "true",
  };
  for (const [k, v] of Object.entries(set)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  activeEndpoints = activeEndpoints ? { key, count: activeEndpoints.count + 1 } : { key, count: 1 };
  let restored = false;
  teardown.add("process env", () => {
    if (restored) return;
    restored = true;
    if (activeEndpoints && --activeEndpoints.count > 0) return;
    activeEndpoints = undefined;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
}
