import { existsSync } from "node:fs";
import { join } from "node:path";
import { Duration, type RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import * as cloudfront from "aws-cdk-lib/aws-cloudfront";
import * as origins from "aws-cdk-lib/aws-cloudfront-origins";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as s3deploy from "aws-cdk-lib/aws-s3-deployment";
import { Construct } from "constructs";
import { accessLogsBucket, privateBucketProps } from "./buckets.ts";
import type { ClientConfig } from "./client-config.ts";

/**
 * The operators' console in the client's stack: the built console (packages/console/dist) and the
 * OpenAPI document in a private bucket, served by CloudFront through origin access control, with
 * `console/config.json` telling the console where the API is and how to sign in (OIDC authorization
 * code + PKCE at the client's issuer or Cognito pool). The stack adds the distribution's origin to the
 * API's CORS and to the Cognito console client's callback URLs.
 *
 * Paths: `/console/…` (any path below it answers the SPA's index.html), `/openapi.json`.
 */
export interface ConsoleRuntimeConfig {
  apiUrl: string;
  auth: { kind: "oidc"; authority: string; clientId: string; scopes: string[] };
}

export interface ConsoleHostingProps {
  client: ClientConfig;
  removalPolicy: RemovalPolicy;
  /** The console's production build (`pnpm console:build`). */
  distDir: string;
  /** docs/openapi.json. */
  openApiFile: string;
}

export class ConsoleHosting extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** `https://<distribution domain>` (a token until deploy). */
  readonly origin: string;
  /** The console's own URL, also its OIDC redirect URI. */
  readonly url: string;
  /** What `deploy` wrote to `console/config.json` (tokens until deploy). */
  config: ConsoleRuntimeConfig | undefined;

  constructor(scope: Construct, id: string, private readonly props: ConsoleHostingProps) {
    super(scope, id);
    if (!existsSync(join(props.distDir, "index.html"))) {
      throw new Error(`console.enabled: no console build at ${props.distDir} — run \`pnpm console:build\` first (pnpm synth does)`);
    }
    const common = privateBucketProps(props.removalPolicy);
    const accessLogs = accessLogsBucket(this, props.client, props.removalPolicy, "console");
    this.bucket = new s3.Bucket(this, "Bucket", { ...common, serverAccessLogsBucket: accessLogs, serverAccessLogsPrefix: "console/" });

    this.distribution = new cloudfront.Distribution(this, "Distribution", {
      comment: `Siyu ${props.client.name} operators' console`,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
        compress: true,
      },
      defaultRootObject: "console/index.html",
      // the SPA's routes (/console/customers, …) are not objects: answer its index.html
      errorResponses: [403, 404].map((httpStatus) => ({ httpStatus, responseHttpStatus: 200, responsePagePath: "/console/index.html", ttl: Duration.seconds(0) })),
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
    });
    const nagReasons: Record<string, string> = {
      "AwsSolutions-CFR1": "The console is for the brand's operators wherever they work; the API it calls checks every request's token, so a geo restriction adds nothing.",
      "AwsSolutions-CFR2": "The distribution serves static files only; the data is behind the HTTP API's JWT authorizer and throttling. Attach a WAF web ACL here if the brand's policy requires one (billed per ACL and request).",
      "AwsSolutions-CFR3": "Static files, no personal data: CloudFront standard logs would need an ACL-enabled bucket. The S3 server access logs and the API's access logs record what matters.",
      "AwsSolutions-CFR4": "The default *.cloudfront.net certificate negotiates TLS 1.2+ with modern clients but CloudFormation reports TLSv1 for it; with a custom domain (issue 16) the TLS_V1_2_2021 policy set here applies.",
    };
    for (const [id, reason] of Object.entries(nagReasons)) Validations.of(this.distribution).acknowledge({ id, reason });
    this.origin = `https://${this.distribution.distributionDomainName}`;
    this.url = `${this.origin}/console/`;
  }

  /** Upload the build, the OpenAPI document and the runtime config, and invalidate the cached copies. */
  deploy(config: ConsoleRuntimeConfig): void {
    this.config = config;
    const deployment = new s3deploy.BucketDeployment(this, "Deploy", {
      destinationBucket: this.bucket,
      sources: [
        s3deploy.Source.asset(this.props.distDir),
        s3deploy.Source.jsonData("config.json", config),
      ],
      destinationKeyPrefix: "console/",
      distribution: this.distribution,
      distributionPaths: ["/console/*"],
      prune: true,
      memoryLimit: 256,
    });
    const openapi = new s3deploy.BucketDeployment(this, "DeployOpenApi", {
      destinationBucket: this.bucket,
      sources: [s3deploy.Source.asset(join(this.props.openApiFile, ".."), { exclude: ["*", "!openapi.json"] })],
      prune: false,
      distribution: this.distribution,
      distributionPaths: ["/openapi.json"],
      contentType: "application/json",
      memoryLimit: 256,
    });
    // the deployments share one singleton function at the stack's root
    const stack = Stack.of(this);
    const singleton = stack.node.children.filter((c) => c.node.id.startsWith("Custom::CDKBucketDeployment"));
    const bucketArn = `<${stack.getLogicalId(this.bucket.node.defaultChild as never)}.Arn>`;
    const wildcards = ["Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*", "Action::s3:Abort*", "Action::s3:DeleteObject*", `Resource::${bucketArn}/*`, "Resource::*"];
    // CDK's asset bucket under the default synthesizer's qualifier
    wildcards.push("Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*");
    for (const c of singleton.flatMap((f) => f.node.findAll())) {
      Validations.of(c).acknowledge(
        {
          id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
          reason: "CDK's bucket-deployment function uses AWSLambdaBasicExecutionRole for its own logs; it runs only during deploys.",
        },
        ...wildcards.map((w) => ({
          id: `AwsSolutions-IAM5[${w}]`,
          reason: "CDK's bucket-deployment function copies the console's asset objects into this bucket and prunes old ones (object-key wildcards of the CDK asset bucket and this bucket); it runs only during deploys.",
        })),
        { id: "AwsSolutions-L1", reason: "The runtime of CDK's bucket-deployment function is chosen by aws-cdk-lib; it runs only during deploys and is updated with the library." },
        { id: "Serverless-LambdaLatestVersion", reason: "The runtime of CDK's bucket-deployment function is chosen by aws-cdk-lib; it runs only during deploys and is updated with the library." },
        { id: "Serverless-LambdaDLQ", reason: "CDK's bucket-deployment function is a CloudFormation custom resource: CloudFormation invokes it and fails the deploy on its error; nothing is queued." },
        { id: "Serverless-LambdaTracing", reason: "CDK's bucket-deployment function only copies the console's files during a deploy; it handles no request worth tracing." },
      );
    }
    void deployment;
    void openapi;
  }
}
