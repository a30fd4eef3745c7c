import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname, join } from "node:path";
import { Duration, type RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { LogLevel, NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

/**
 * How function code is produced:
 * - `bundle`: esbuild (the one installed in infra/node_modules, never Docker) bundles the entry:
 *   ESM, minified, source maps, AWS SDK included. This is what `pnpm synth` and deploys use.
 * - `inline`: a stub `Code.fromInline` with the same runtime, roles and configuration; only for fast
 *   tests that assert on the template and not on the bundle.
 */
export type CodeMode = "bundle" | "inline";

/** The latest Node.js runtime Lambda offers (the bundles target it; the code also runs on local Node 20). */
export const RUNTIME = lambda.Runtime.NODEJS_24_X;
export const ARCHITECTURE = lambda.Architecture.ARM_64;

/** Lets ESM bundles load CommonJS dependencies that call `require` (e.g. for Node built-ins). */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __siyuCreateRequire } from 'node:module'; const require = __siyuCreateRequire(import.meta.url);";

let esbuildReady = false;

/**
 * Make CDK bundle with the esbuild infra depends on (infra/node_modules), locally, never in Docker.
 *
 * Left alone, CDK `require`s whichever esbuild the pnpm store hoists and then runs `pnpm exec esbuild`
 * from the repository root, i.e. whatever esbuild the root's node_modules/.bin happens to link (another
 * version, or none). So: put infra's esbuild first on PATH and tell CDK's bundler (an internal static
 * cache of aws-lambda-nodejs, stable in the pinned aws-cdk-lib) to run plain `esbuild`. If that
 * internal moves in a future CDK, bundling still works with CDK's own detection.
 */
export function ensureLocalEsbuild(): void {
  if (esbuildReady) return;
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve("esbuild/package.json");
  const version = (JSON.parse(readFileSync(pkgJson, "utf8")) as { version: string }).version;
  const bin = join(dirname(pkgJson), "bin");
  if (!existsSync(join(bin, "esbuild"))) throw new Error(`esbuild binary not found under ${bin}: run pnpm install`);
  const path = process.env["PATH"] ?? "";
  if (!path.split(delimiter).includes(bin)) process.env["PATH"] = `${bin}${delimiter}${path}`;
  try {
    const cdkRequire = createRequire(require.resolve("aws-cdk-lib/package.json"));
    const { Bundling } = cdkRequire("./aws-lambda-nodejs/lib/bundling.js") as { Bundling?: { esbuildInstallation?: unknown } };
    if (Bundling && "esbuildInstallation" in Bundling) Bundling.esbuildInstallation = { isWorkspacePackage: false, version };
  } catch {
    // a CDK without that module: its own detection finds `esbuild` on PATH or through `pnpm exec`
  }
  esbuildReady = true;
}

export interface SiyuFunctionProps {
  /** Absolute path of the entry file (exports `handler`). */
  entry: string;
  description: string;
  memoryMb: number;
  timeoutSeconds: number;
  environment: Record<string, string>;
  logRetentionDays: number;
  removalPolicy: RemovalPolicy;
  tracing: boolean;
  code: CodeMode;
  /** Repository root: the esbuild working directory and the lock file's folder. */
  projectRoot: string;
  /** Where the asynchronous invocations (schedules) that keep failing go. */
  deadLetterQueue?: sqs.IQueue;
  /** Reserved concurrency: at most this many at once (functions behind public routes); undefined for none. */
  reservedConcurrency?: number | undefined;
}

/**
 * One Lambda function with its own role (only what is granted to it later, plus writing to its own
 * log group: no AWS managed policy) and its own log group with retention.
 */
export class SiyuFunction extends Construct {
  readonly fn: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: SiyuFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, "Logs", {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.removalPolicy,
    });
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `${Stack.of(this).stackName} ${this.node.path}`.slice(0, 1000),
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "WriteOwnLogs",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    const common = {
      description: props.description.slice(0, 256),
      runtime: RUNTIME,
      architecture: ARCHITECTURE,
      memorySize: props.memoryMb,
      timeout: Duration.seconds(props.timeoutSeconds),
      environment: { ...props.environment, NODE_OPTIONS: "--enable-source-maps" },
      role: this.role,
      logGroup: this.logGroup,
      tracing: props.tracing ? lambda.Tracing.ACTIVE : undefined,
      deadLetterQueue: props.deadLetterQueue,
      reservedConcurrentExecutions: props.reservedConcurrency,
    } satisfies Partial<lambda.FunctionProps>;

    if (props.code === "bundle") {
      if (!existsSync(props.entry)) throw new Error(`entry file not found: ${props.entry}`);
      ensureLocalEsbuild();
      this.fn = new NodejsFunction(this, "Fn", {
        ...common,
        entry: props.entry,
        handler: "handler",
        projectRoot: props.projectRoot,
        depsLockFilePath: join(props.projectRoot, "pnpm-lock.yaml"),
        bundling: {
          forceDockerBundling: false,
          format: OutputFormat.ESM,
          target: "node24",
          mainFields: ["module", "main"],
          banner: ESM_REQUIRE_BANNER,
          minify: true,
          sourceMap: true,
          sourcesContent: false,
          externalModules: [],
          logLevel: LogLevel.ERROR,
        },
      });
    } else {
      this.fn = new lambda.Function(this, "Fn", {
        ...common,
        handler: "index.handler",
        code: lambda.Code.fromInline("exports.handler = async () => { throw new Error('inline test stub: synthesized without bundling'); };"),
      });
    }

    if (!props.deadLetterQueue) {
      Validations.of(this.fn).acknowledge({
        id: "Serverless-LambdaDLQ",
        reason:
          "Never invoked asynchronously: API Gateway invokes it synchronously (a failure is the HTTP answer) or an SQS event source mapping does, and the queue's redrive policy parks what keeps failing in that queue's DLQ. Scheduled jobs, invoked asynchronously, do have a DLQ.",
      });
    }
    if (!props.tracing) {
      Validations.of(this.fn).acknowledge({ id: "Serverless-LambdaTracing", reason: "The client file turns X-Ray tracing off (tracing: false), e.g. for its cost; the default is on." });
    }
    if (props.tracing) {
      // CDK adds xray:PutTraceSegments / PutTelemetryRecords on "*" for active tracing
      Validations.of(this.role).acknowledge({
        id: "AwsSolutions-IAM5[Resource::*]",
        reason: "X-Ray PutTraceSegments/PutTelemetryRecords do not support resource-level permissions (added by Tracing.ACTIVE).",
      });
    }
  }
}
