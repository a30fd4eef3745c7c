import { BLOB_ABORT_MULTIPART_DAYS } from "@siyu/manifest";
import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import * as s3 from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";
import type { ClientConfig } from "./client-config.ts";

/** CloudWatch's "never expire" (RetentionDays.INFINITE): access logs then have no lifecycle either. */
const NEVER = 9999;

/**
 * What every bucket of the stack is: private, SSE-S3, TLS 1.2+ only, owner-enforced, unversioned,
 * retained unless the client chose `destroy` (then deleted by CloudFormation once empty: no
 * auto-delete custom resource).
 */
export function privateBucketProps(removalPolicy: RemovalPolicy) {
  return {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: false,
    removalPolicy: removalPolicy === RemovalPolicy.RETAIN ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  } satisfies s3.BucketProps;
}

/**
 * The bucket receiving another bucket's server access logs (`AccessLogs` under `scope`), kept for the
 * client's log retention. Log delivery is granted by bucket policy (logging.s3.amazonaws.com, the
 * source bucket as condition), not the LogDeliveryWrite ACL that BucketOwnerEnforced forbids.
 */
export function accessLogsBucket(scope: Construct, client: ClientConfig, removalPolicy: RemovalPolicy, of: string): s3.Bucket {
  // set here since cdk.json predates the flag
  scope.node.setContext("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", true);
  const bucket = new s3.Bucket(scope, "AccessLogs", {
    ...privateBucketProps(removalPolicy),
    lifecycleRules: [
      {
        id: "expire-access-logs",
        expiration: client.logRetentionDays === NEVER ? undefined : Duration.days(client.logRetentionDays),
        abortIncompleteMultipartUploadAfter: Duration.days(BLOB_ABORT_MULTIPART_DAYS),
      },
    ],
  });
  Validations.of(bucket).acknowledge({
    id: "AwsSolutions-S1",
    reason: `This bucket is the destination of the ${of} bucket's server access logs; logging its own writes would log the log deliveries, without end.`,
  });
  return bucket;
}
