import { join } from "node:path";
import { BLOB_RETENTION_DAYS, type LoadedService, loadServices } from "@siyu/manifest";
import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceConstruct } from "../lib/service-construct.ts";
import { SiyuStack } from "../lib/siyu-stack.ts";
import { asArray, FIXTURES, identityStatements, REPO_ROOT, resourcesOf, type Synthesized, synthesize, testClient } from "./support.ts";

/**
 * The blob bucket against the fixtures (sample declares blobs, quiet does not), cdk-nag and CDK's
 * CloudFormation validation attached (no real service may declare blobs yet): a console origin +
 * destroy, and a client with neither.
 */

const consoleClient = testClient({ name: "console-brand", corsOrigins: ["https://console.console-brand.example.com"], removalPolicy: "destroy", logRetentionDays: 30 });
const plainClient = testClient({ name: "plain-brand" });

let out: Synthesized;
let services: LoadedService[];
const stack = (name: string) => out.stacks.find((s) => s.stackName === `Siyu-${name}`)!;
const template = (name: string) => out.templates.get(`Siyu-${name}`)!;
const svc = (name: string, service: string) => stack(name).services.find((s) => s.manifest.name === service)!;
const lid = (name: string, c: { node: { defaultChild?: unknown } }) => stack(name).getLogicalId(c.node.defaultChild as never);

beforeAll(async () => {
  services = await loadServices(FIXTURES);
  out = await synthesize({ clients: [consoleClient, plainClient], servicesRoot: FIXTURES, fallbackEntry: join(FIXTURES, "fallback.ts"), code: "inline" });
});
afterAll(() => out?.cleanup());

const blobBucketId = (name: string) => lid(name, stack(name).platform.blobBucket as never);

describe("blob bucket", () => {
  it.each(["console-brand", "plain-brand"])("%s: private, SSE-S3, no versioning, expiring uploads and aborting multipart uploads", (name) => {
    const t = template(name);
    const bucket = t.toJSON().Resources[blobBucketId(name)];
    expect(bucket.Type).toBe("AWS::S3::Bucket");
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] },
      OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
      LifecycleConfiguration: {
        Rules: [{ Id: "expire-uploads", Status: "Enabled", ExpirationInDays: BLOB_RETENTION_DAYS, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }],
      },
      LoggingConfiguration: { DestinationBucketName: { Ref: lid(name, stack(name).node.findChild("Blobs").node.findChild("AccessLogs") as never) }, LogFilePrefix: "blobs/" },
    });
    expect(BLOB_RETENTION_DAYS).toBe(90);
    expect(bucket.Properties.VersioningConfiguration).toBeUndefined();
    expect(bucket.Properties.BucketName).toBeUndefined(); // generated: bucket names are global
    // TLS only (and TLS 1.2+)
    t.hasResourceProperties("AWS::S3::BucketPolicy", {
      Bucket: { Ref: blobBucketId(name) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          Match.objectLike({ Effect: "Deny", Action: "s3:*", Condition: { NumericLessThan: { "s3:TlsVersion": 1.2 } } }),
        ]),
      },
    });
    expect(resourcesOf(t, "AWS::S3::Bucket")).toHaveLength(2);
  });

  it("CORS: PUT with content-type from the client's console origins only; none without one", () => {
    const cors = template("console-brand").toJSON().Resources[blobBucketId("console-brand")].Properties.CorsConfiguration;
    expect(cors).toEqual({
      CorsRules: [{ AllowedMethods: ["PUT"], AllowedOrigins: ["https://console.console-brand.example.com"], AllowedHeaders: ["content-type"], ExposedHeaders: ["etag"], MaxAge: 3600 }],
    });
    expect(template("plain-brand").toJSON().Resources[blobBucketId("plain-brand")].Properties.CorsConfiguration).toBeUndefined();
  });

  it("retained like the tables, deleted (once empty) only when the client says destroy", () => {
    for (const [, b] of resourcesOf(template("plain-brand"), "AWS::S3::Bucket")) expect(b.DeletionPolicy).toBe("Retain");
    for (const [, b] of resourcesOf(template("console-brand"), "AWS::S3::Bucket")) expect(b.DeletionPolicy).toBe("Delete");
    // no auto-delete custom resource (and so no extra Lambda)
    expect(JSON.stringify(template("console-brand").toJSON())).not.toContain("Custom::S3AutoDeleteObjects");
  });

  it("access logs: delivered by the logging service through the bucket policy, kept for the client's log retention", () => {
    const t = template("console-brand");
    const logs = lid("console-brand", stack("console-brand").node.findChild("Blobs").node.findChild("AccessLogs") as never);
    expect(t.toJSON().Resources[logs].Properties.LifecycleConfiguration.Rules[0]).toMatchObject({ ExpirationInDays: 30 });
    t.hasResourceProperties("AWS::S3::BucketPolicy", {
      Bucket: { Ref: logs },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Allow",
            Principal: { Service: "logging.s3.amazonaws.com" },
            Action: "s3:PutObject",
            Condition: { ArnLike: { "aws:SourceArn": { "Fn::GetAtt": [blobBucketId("console-brand"), "Arn"] } } },
          }),
        ]),
      },
    });
  });

  it("no bucket when no service declares blobs", () => {
    const quiet = services.filter((s) => s.manifest.name === "quiet");
    const st = new SiyuStack(new App(), "NoBlobs", { client: testClient(), services: quiet, repoRoot: REPO_ROOT, code: "inline", fallbackEntry: null });
    expect(st.platform.blobBucket).toBeUndefined();
    expect(resourcesOf(Template.fromStack(st), "AWS::S3::Bucket")).toEqual([]);
  });
});

describe("blob access", () => {
  const name = "console-brand";
  const statementsOf = (f: ServiceConstruct["functions"][number]) => {
    const t = template(name);
    const roleId = lid(name, f.role);
    const policy = resourcesOf(t, "AWS::IAM::Policy").find(([, p]) => JSON.stringify(p.Properties!["Roles"]) === JSON.stringify([{ Ref: roleId }]))!;
    return identityStatements(t).filter((s) => s.logicalId === policy[0]).map((s) => s.statement);
  };
  const vars = (f: ServiceConstruct["functions"][number]) => template(name).toJSON().Resources[lid(name, f.fn)].Properties.Environment.Variables as Record<string, unknown>;

  it("every function of an opted-in service may read, write and delete objects under <service>/ only, and list only that prefix", () => {
    const sample = svc(name, "sample");
    expect(sample.functions).toHaveLength(6);
    for (const f of sample.functions) {
      const s3 = statementsOf(f).filter((s) => asArray(s.Action).some((a) => a.startsWith("s3:")));
      expect(s3, f.node.id).toEqual([
        {
          Sid: "OwnBlobs",
          Effect: "Allow",
          Action: ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
          Resource: { "Fn::Join": ["", [{ "Fn::GetAtt": [blobBucketId(name), "Arn"] }, "/sample/*"]] },
        },
        {
          Sid: "ListOwnBlobs",
          Effect: "Allow",
          Action: "s3:ListBucket",
          Resource: { "Fn::GetAtt": [blobBucketId(name), "Arn"] },
          Condition: { StringLike: { "s3:prefix": ["sample/*"] } },
        },
      ]);
    }
  });

  it("SIYU_BLOB_* only on the opted-in service's functions: the bucket, its prefix, its limit", () => {
    for (const f of svc(name, "sample").functions) {
      expect(vars(f)["SIYU_BLOB_BUCKET"], f.node.id).toEqual({ Ref: blobBucketId(name) });
      expect(vars(f)["SIYU_BLOB_PREFIX"]).toBe("sample/");
      expect(vars(f)["SIYU_BLOB_MAX_BYTES"]).toBe(String(20 * 1024 * 1024));
      expect(Object.keys(vars(f)).filter((k) => k.startsWith("SIYU_BLOB_LOCAL"))).toEqual([]);
    }
    const others = resourcesOf(template(name), "AWS::Lambda::Function").filter(([id]) => !svc(name, "sample").functions.some((f) => lid(name, f.fn) === id));
    expect(others.length).toBeGreaterThan(1); // quiet's consumer and the fallback
    for (const [id, f] of others) {
      const env = (f.Properties!["Environment"] as { Variables: Record<string, unknown> }).Variables;
      expect(Object.keys(env).filter((k) => k.startsWith("SIYU_BLOB_")), id).toEqual([]);
    }
    for (const f of svc(name, "quiet").functions) expect(JSON.stringify(statementsOf(f))).not.toContain("s3:");
  });

  it("CDK's CloudFormation template validation finds nothing", () => {
    expect(out.findings.filter((f) => f.plugin !== "AwsSolutions")).toEqual([]);
  });

  it("cdk-nag: nothing unacknowledged; the prefix wildcard is acknowledged per role with its reason", () => {
    expect(out.nag).toEqual([]);
    const acks = out.acknowledgments.map((a) => ({ ...a, id: a.id.replace(/^Annotation::/i, "") }));
    const blobAcks = acks.filter((a) => a.id.startsWith("AwsSolutions-IAM5[Resource::<") && a.id.endsWith("/sample/*]"));
    expect(blobAcks.length).toBe(2 * 6);
    for (const a of blobAcks) expect(a.reason).toMatch(/own prefix sample\//);
    expect(acks.filter((a) => a.id === "AwsSolutions-S1").map((a) => a.path.split("/").slice(-1)[0])).toEqual(["AccessLogs", "AccessLogs"]);
  });
});
