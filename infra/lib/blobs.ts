import { BLOB_ABORT_MULTIPART_DAYS, BLOB_RETENTION_DAYS } from "@siyu/manifest";
import { Duration, type RemovalPolicy } from "aws-cdk-lib";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { accessLogsBucket, privateBucketProps } from "./buckets.ts";
import type { ClientConfig } from "./client-config.ts";

export interface BlobStorageProps {
  client: ClientConfig;
  removalPolicy: RemovalPolicy;
  /** Browser origins that may PUT to presigned URLs: the client's `corsOrigins` and the hosted console's. */
  corsOrigins: string[];
}

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
    const { removalPolicy } = props;
    const common = privateBucketProps(removalPolicy);
    this.accessLogs = accessLogsBucket(this, props.client, removalPolicy, "blob");

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
