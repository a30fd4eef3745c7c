import { BLOB_ABORT_MULTIPART_DAYS, BLOB_RETENTION_DAYS } from "@siyu/manifest";
import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import type { ClientConfig } from "./client-config.ts";

export interface BlobStorageProps {
  client: ClientConfig;
  removalPolicy: RemovalPolicy;
  /** Browser origins that may PUT to presigned URLs: the client's `corsOrigins` and the hosted console's. */
  corsOrigins: string[];
}

/** CloudWatch's "never expire" (RetentionDays.INFINITE): access logs then have no lifecycle either. */
const NEVER = 9999;

/**
 * The stack's one bucket of uploaded media, shared by the services whose manifest declares `blobs`
 * (each confined by IAM to its own `<service>/` prefix, see ServiceConstruct), and the bucket that
 * receives its server access logs. Private, SSE-S3, TLS only, no versioning: a blob is an upload an
 * operator can redo, and it expires after BLOB_RETENTION_DAYS. Browsers upload with presigned PUTs
 * from the client's console origins (`corsOrigins`), nothing else.
 *
 * Like the tables, both are retained unless the client chose `destroy`; then CloudFormation deletes
 * them only once empty (no auto-delete custom resource: it would bring an unpinned, managed-policy
 * Lambda into a stack whose functions have neither).
 */
export class BlobStorage extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: BlobStorageProps) {
    super(scope, id);
    const { client, removalPolicy } = props;
    // grant log delivery with a bucket policy (logging.s3.amazonaws.com, this bucket as source), not the
    // LogDeliveryWrite ACL, which BucketOwnerEnforced forbids; set here since cdk.json predates S3
    this.node.setContext("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", true);
    const common = {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      removalPolicy: removalPolicy === RemovalPolicy.RETAIN ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    } satisfies s3.BucketProps;

    this.accessLogs = new s3.Bucket(this, "AccessLogs", {
      ...common,
      lifecycleRules: [
        {
          id: "expire-access-logs",
          expiration: client.logRetentionDays === NEVER ? undefined : Duration.days(client.logRetentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(BLOB_ABORT_MULTIPART_DAYS),
        },
      ],
    });
    Validations.of(this.accessLogs).acknowledge({
      id: "AwsSolutions-S1",
      reason: "This bucket is the destination of the blob bucket's server access logs; logging its own writes would log the log deliveries, without end.",
    });

    this.bucket = new s3.Bucket(this, "Bucket", {
      ...common,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: "blobs/",
      lifecycleRules: [
        {
          id: "expire-uploads",
          expiration: Duration.days(BLOB_RETENTION_DAYS),
          abortIncompleteMultipartUploadAfter: Duration.days(BLOB_ABORT_MULTIPART_DAYS),
        },
      ],
      // the console PUTs to presigned URLs; without a console origin in the client file, no browser may
      cors:
        props.corsOrigins.length > 0
          ? [{ allowedMethods: [s3.HttpMethods.PUT], allowedOrigins: props.corsOrigins, allowedHeaders: ["content-type"], exposedHeaders: ["etag"], maxAge: 3600 }]
          : undefined,
    });
  }
}
