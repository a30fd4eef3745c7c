import type { RemovalPolicy } from "aws-cdk-lib";
import type * as apigwv2 from "aws-cdk-lib/aws-apigatewayv2";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import type * as sns from "aws-cdk-lib/aws-sns";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import type { ClientConfig } from "./client-config.ts";
import type { CodeMode } from "./functions.ts";

/**
 * What every service construct of a stack shares. The stack builds it; service constructs only read
 * it (route ownership is decided before any service is built: `routeOwners` in @siyu/manifest).
 */
export interface Platform {
  client: ClientConfig;
  removalPolicy: RemovalPolicy;
  code: CodeMode;
  repoRoot: string;
  /** Encrypts both topics (the alarm topic needs a customer-managed key CloudWatch may use). */
  key: kms.Key;
  /** The domain-event topic (one per stack). */
  topic: sns.Topic;
  /** DLQ alarms notify this topic (email subscription to the client's alarm address). */
  alarmTopic: sns.Topic;
  /** The dead-letter queue of every SNS subscription: what SNS could not deliver (alarmed). */
  undeliverable: sqs.Queue;
  api: apigwv2.HttpApi;
  /** `https://<api-id>.execute-api.<region>.<suffix>` (no trailing slash). */
  apiBaseUrl: string;
  authorizer: apigwv2.IHttpRouteAuthorizer;
  wecomSecret: secretsmanager.ISecret;
  /** `arn:…:secret:<name>-??????`: the secret whatever its random suffix, and nothing else. */
  wecomSecretPolicyArn: string;
  /** The bucket of uploaded media, when some service's manifest declares `blobs` (none otherwise). */
  blobBucket: s3.IBucket | undefined;
}
