import { isValidTimeZone } from "@siyu/kernel";
import {
  blobPrefix,
  checkQueueRules,
  type DeployedResources,
  entryPath,
  functionEnvironment,
  type LoadedService,
  type QueueSpec,
  queueSettings,
  ROUTE_SCOPES,
  type RouteSpec,
  routeKey,
  type ScheduleSpec,
  type ServiceManifest,
} from "@siyu/manifest";
import { CfnOutput, Duration, RemovalPolicy, Stack, Tags, Validations } from "aws-cdk-lib";
import * as apigwv2 from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { notifyingAlarm } from "./alarms.ts";
import { SiyuFunction } from "./functions.ts";
import type { Platform } from "./platform.ts";

export interface ServiceConstructProps {
  service: LoadedService;
  platform: Platform;
}

/** Item actions a service's functions may use on its own table (and its GSIs, for Query). */
const TABLE_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:BatchGetItem",
  "dynamodb:Query",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:ConditionCheckItem",
];

export interface ServiceQueue {
  spec: QueueSpec;
  queue: sqs.Queue;
  dlq: sqs.Queue;
}

/**
 * Everything one service manifest declares: its table, its queues (each with a DLQ and an alarm),
 * topic subscriptions, one HTTP function for all its routes, one function per queue consumer and per
 * schedule, and grants derived from the manifest (its own table and queues only).
 */
export class ServiceConstruct extends Construct {
  readonly manifest: ServiceManifest;
  readonly table: dynamodb.Table;
  readonly queues: ServiceQueue[] = [];
  readonly functions: SiyuFunction[] = [];
  readonly httpFunction?: SiyuFunction;

  private readonly platform: Platform;
  private readonly service: LoadedService;
  private readonly environment: Record<string, string>;

  constructor(scope: Construct, id: string, props: ServiceConstructProps) {
    super(scope, id);
    const { service, platform } = props;
    const m = service.manifest;
    this.manifest = m;
    this.platform = platform;
    this.service = service;
    Tags.of(this).add("siyu:service", m.name);

    checkQueueRules(m);
    this.table = this.buildTable(m);
    for (const spec of m.queues) this.queues.push(this.buildQueue(spec));

    const resources: DeployedResources = {
      client: platform.client.name,
      corpId: platform.client.corpId,
      timeZone: platform.client.timeZone,
      tableName: this.table.tableName,
      topicArn: platform.topic.topicArn,
      queueUrls: Object.fromEntries(this.queues.map((q) => [q.spec.name, q.queue.queueUrl])),
      dlqUrls: Object.fromEntries(this.queues.map((q) => [q.spec.name, q.dlq.queueUrl])),
      wecomSecretArn: platform.wecomSecret.secretArn,
      wecomBaseUrl: platform.client.wecomBaseUrl,
      publicBaseUrl: platform.apiBaseUrl,
      logLevel: platform.client.logLevel,
      blobs: platform.blobBucket ? { bucket: platform.blobBucket.bucketName } : undefined,
    };
    this.environment = functionEnvironment(m, resources);

    if (m.http) this.httpFunction = this.buildHttp(m.http);
    for (const q of this.queues) this.buildConsumer(q);
    for (const s of m.schedules) this.buildSchedule(s);
    this.buildAlarms(m);

    new CfnOutput(this, "TableName", { value: this.table.tableName, description: `${m.name}: DynamoDB table` });
  }

  // --- table ------------------------------------------------------------------------------------------------

  private buildTable(m: ServiceManifest): dynamodb.Table {
    const str = (name: string) => ({ name, type: dynamodb.AttributeType.STRING });
    const retain = this.platform.removalPolicy === RemovalPolicy.RETAIN;
    const table = new dynamodb.Table(this, "Table", {
      partitionKey: str(m.table.partitionKey),
      sortKey: m.table.sortKey ? str(m.table.sortKey) : undefined,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: m.table.ttlAttribute,
      // tables are retained unless the client explicitly chose `destroy`
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      deletionProtection: retain,
    });
    for (const gsi of m.table.gsis) {
      table.addGlobalSecondaryIndex({
        indexName: gsi.name,
        partitionKey: str(gsi.partitionKey),
        sortKey: gsi.sortKey ? str(gsi.sortKey) : undefined,
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    return table;
  }

  // --- queues -------------------------------------------------------------------------------------------------

  private buildQueue(spec: QueueSpec): ServiceQueue {
    const m = this.manifest;
    const settings = queueSettings(spec);
    const fifo = settings.fifo ? { fifo: true, contentBasedDeduplication: settings.contentBasedDeduplication } : {};
    const dlq = new sqs.Queue(this, `${spec.name}-dlq`, {
      ...fifo,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.seconds(settings.dlqRetentionSeconds),
    });
    const queue = new sqs.Queue(this, spec.name, {
      ...fifo,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(settings.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(settings.retentionSeconds),
      deadLetterQueue: { queue: dlq, maxReceiveCount: settings.maxReceiveCount },
    });
    Validations.of(dlq).acknowledge({ id: "Serverless-SQSRedrivePolicy", reason: `This queue is itself the dead-letter queue of ${m.name}/${spec.name}.` });
    this.alarmOnDepth(dlq, `${spec.name}-dlq-alarm`, `${m.name}/${spec.name}: messages in the dead-letter queue`);

    if (spec.subscribes.length > 0) {
      this.platform.topic.addSubscription(
        new subscriptions.SqsSubscription(queue, {
          rawMessageDelivery: true,
          filterPolicy: { type: sns.SubscriptionFilter.stringFilter({ allowlist: [...spec.subscribes] }) },
          // an event SNS cannot deliver to this queue (its policy, its key) is kept, not lost
          deadLetterQueue: this.platform.undeliverable,
        }),
      );
    }
    return { spec, queue, dlq };
  }

  // --- alarms on what operators must hear about ----------------------------------------------------------

  /**
   * Per service: its functions' errors and throttles (sums, 5 minutes, > 0); WeCom's frequency refusals
   * 45009/45033 when it calls WeCom (WecomErrors by errcode, > 0); and the manifest's own metric alarms
   * (e.g. welcome failures). Each notifies the client's alarm topic, and again when it clears.
   */
  private buildAlarms(m: ServiceManifest): void {
    const period = Duration.minutes(5);
    // FILL: a metric with no datapoint in the period (a function not invoked, a code never seen) counts 0 instead of hiding the sum
    const sum = (label: string, metrics: readonly cloudwatch.IMetric[], over = period) =>
      new cloudwatch.MathExpression({
        expression: metrics.map((_, i) => `FILL(m${i}, 0)`).join(" + "),
        usingMetrics: Object.fromEntries(metrics.map((x, i) => [`m${i}`, x])),
        period: over,
        label,
      });
    // a math expression takes at most 10 metrics: one alarm per 10 functions
    for (let i = 0; i < this.functions.length; i += 10) {
      const fns = this.functions.slice(i, i + 10);
      const part = this.functions.length > 10 ? `-${i / 10 + 1}` : "";
      const names = fns.map((f) => f.node.id).join(", ");
      this.alarm(`FunctionErrors${part}`, `${m.name}: function errors (${names})`, sum("errors", fns.map((f) => f.fn.metricErrors({ period, statistic: "Sum" }))), 0);
      this.alarm(`FunctionThrottles${part}`, `${m.name}: function throttles (${names})`, sum("throttles", fns.map((f) => f.fn.metricThrottles({ period, statistic: "Sum" }))), 0);
    }
    const siyu = (metricName: string, dims: Record<string, string> = {}, minutes = 5) =>
      new cloudwatch.Metric({ namespace: "Siyu", metricName, dimensionsMap: { service: m.name, client: this.platform.client.name, ...dims }, period: Duration.minutes(minutes), statistic: "Sum" });
    if (m.secrets.includes("wecom")) {
      const refused = sum("WeCom 45009/45033", ["45009", "45033"].map((errcode) => siyu("WecomErrors", { errcode })));
      this.alarm("WecomRateLimited", `${m.name}: WeCom refused calls for a frequency rule (45009 API frequency, 45033 concurrency)`, refused, 0);
    }
    for (const a of m.alarms) {
      const metrics = a.metrics.map((name) => siyu(name, {}, a.periodMinutes));
      this.alarm(`Alarm-${a.name}`, `${m.name}: ${a.description} (${a.metrics.join(" + ")} > ${a.threshold} in ${a.periodMinutes} min)`, sum(a.name, metrics, Duration.minutes(a.periodMinutes)), a.threshold);
    }
  }

  private alarm(id: string, description: string, metric: cloudwatch.IMetric, threshold: number): void {
    notifyingAlarm(this, id, { client: this.platform.client.name, description, metric, threshold, topic: this.platform.alarmTopic });
  }

  /** ApproximateNumberOfMessagesVisible > 0 on a dead-letter queue → the client's alarm topic. */
  private alarmOnDepth(dlq: sqs.IQueue, id: string, description: string): void {
    this.alarm(id, description, dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }), 0);
  }

  // --- functions ------------------------------------------------------------------------------------------------

  private newFunction(
    id: string,
    entry: string,
    description: string,
    timeoutSeconds: number,
    opts: { scan?: boolean; dlq?: sqs.IQueue; reservedConcurrency?: number | undefined } = {},
  ): SiyuFunction {
    const { client } = this.platform;
    const fn = new SiyuFunction(this, id, {
      entry: entryPath(this.service, entry),
      description: `Siyu ${client.name} ${this.manifest.name}: ${description}`,
      memoryMb: this.manifest.memoryMb,
      timeoutSeconds,
      environment: this.environment,
      logRetentionDays: client.logRetentionDays,
      removalPolicy: this.platform.removalPolicy,
      tracing: client.tracing,
      code: this.platform.code,
      projectRoot: this.platform.repoRoot,
      deadLetterQueue: opts.dlq,
      reservedConcurrency: opts.reservedConcurrency,
    });
    this.grantServiceAccess(fn.role, { scan: opts.scan ?? false });
    this.functions.push(fn);
    return fn;
  }

  /**
   * What every function of this service may do, derived from the manifest: read/write its own table,
   * send to its own queues, publish to the topic if it publishes anything, read the WeCom secret if it
   * declares it.
   */
  private grantServiceAccess(role: iam.Role, opts: { scan: boolean }): void {
    const m = this.manifest;
    const tableResources = [this.table.tableArn, ...m.table.gsis.map((g) => `${this.table.tableArn}/index/${g.name}`)];
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "OwnTable",
        actions: opts.scan ? [...TABLE_ACTIONS, "dynamodb:Scan"] : TABLE_ACTIONS,
        resources: tableResources,
      }),
    );
    if (this.queues.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: "SendToOwnQueues",
          actions: ["sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"],
          resources: this.queues.map((q) => q.queue.queueArn),
        }),
      );
    }
    if (m.publishes.length > 0) {
      const { topic, key } = this.platform;
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: "PublishDomainEvents", actions: ["sns:Publish"], resources: [topic.topicArn] }));
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: "EncryptForTopic",
          actions: ["kms:GenerateDataKey", "kms:Decrypt"],
          resources: [key.keyArn],
          conditions: { StringEquals: { "kms:ViaService": `sns.${Stack.of(this).region}.${Stack.of(this).urlSuffix}` } },
        }),
      );
    }
    if (m.blobs) this.grantOwnBlobs(role);
    if (m.secrets.includes("wecom")) {
      const { wecomSecretPolicyArn, client } = this.platform;
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: "ReadWecomSecret",
          actions: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
          // the name-based ARN ends in "-??????" (Secrets Manager's random suffix), not "*"
          resources: [wecomSecretPolicyArn],
        }),
      );
      if (client.wecomSecretKmsKeyArn) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: "DecryptWecomSecret",
            actions: ["kms:Decrypt"],
            resources: [client.wecomSecretKmsKeyArn],
            conditions: { StringEquals: { "kms:ViaService": `secretsmanager.${Stack.of(this).region}.${Stack.of(this).urlSuffix}` } },
          }),
        );
      }
    }
  }

  /**
   * Objects under the service's own prefix only: read, write (the function signs the browser's
   * presigned PUT with its own role, so the URL can do no more than the role), delete. Listing is
   * allowed under the prefix too, because S3 answers a missing key with 404 only to a caller that may
   * list it (403 otherwise), and `head` must tell "not uploaded yet" from "refused".
   */
  private grantOwnBlobs(role: iam.Role): void {
    const bucket = this.platform.blobBucket;
    if (!bucket) throw new Error(`${this.manifest.name} declares blobs but the stack has no blob bucket`);
    const prefix = blobPrefix(this.manifest.name);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "OwnBlobs",
        actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        resources: [bucket.arnForObjects(`${prefix}*`)],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "ListOwnBlobs",
        actions: ["s3:ListBucket"],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { "s3:prefix": [`${prefix}*`] } },
      }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(bucket.node.defaultChild as never)}.Arn>/${prefix}*]`,
      reason: `Object keys are chosen at upload time (one per moment, image, video): the wildcard is every key under ${this.manifest.name}'s own prefix ${prefix} and nothing else in the bucket.`,
    });
  }

  private buildHttp(http: NonNullable<ServiceManifest["http"]>): SiyuFunction {
    // behind a public route: a bounded share of the account's concurrency (client.publicConcurrency)
    const reserved = http.routes.some((r) => r.auth === "public") ? (this.platform.client.publicConcurrency ?? undefined) : undefined;
    const fn = this.newFunction("Http", http.entry, `HTTP API (${http.routes.length} routes)`, http.timeoutSeconds, { reservedConcurrency: reserved });
    const integration = new HttpLambdaIntegration("Integration", fn.fn, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    for (const route of http.routes) this.addRoute(route, integration);
    return fn;
  }

  private addRoute(route: RouteSpec, integration: HttpLambdaIntegration): void {
    const key = routeKey(route);
    const id = `Route-${route.method}-${route.path.replace(/[^A-Za-z0-9_.-]+/g, "_")}`;
    const httpRoute = new apigwv2.HttpRoute(this, id, {
      httpApi: this.platform.api,
      routeKey: apigwv2.HttpRouteKey.with(route.path, apigwv2.HttpMethod[route.method]),
      integration,
      ...(route.auth === "public"
        ? {}
        : { authorizer: this.platform.authorizer, authorizationScopes: [...ROUTE_SCOPES[route.auth]] }),
    });
    if (route.auth === "public") {
      Validations.of(httpRoute).acknowledge({
        id: "AwsSolutions-APIG4",
        reason: `${key} (${this.manifest.name}.${route.name}) is declared auth: public in the service manifest: WeCom callbacks are verified by msg_signature, landing pages serve customers without accounts.`,
      });
    }
  }

  private buildConsumer(q: ServiceQueue): void {
    const { spec } = q;
    const source = queueSettings(spec).eventSource;
    const fn = this.newFunction(`Consumer-${spec.name}`, spec.consumer, `consumer of queue ${spec.name}`, spec.timeoutSeconds);
    fn.fn.addEventSource(
      new SqsEventSource(q.queue, {
        batchSize: source.batchSize,
        maxBatchingWindow: source.maxBatchingWindowSeconds > 0 ? Duration.seconds(source.maxBatchingWindowSeconds) : undefined,
        reportBatchItemFailures: source.reportBatchItemFailures,
      }),
    );
    Validations.of(fn.fn).acknowledge({
      id: "Serverless-LambdaEventSourceMappingDestination",
      reason: `An SQS event source takes no on-failure destination (those are for stream and Kafka sources): queue ${spec.name}'s redrive policy parks a record that keeps failing in its DLQ (alarmed), and the consumer parks unprocessable ones there itself with the reason.`,
    });
    // the consumer parks records that can never succeed in its own queue's DLQ
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "ParkInOwnDlq",
        actions: ["sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"],
        resources: [q.dlq.queueArn],
      }),
    );
  }

  private buildSchedule(s: ScheduleSpec): void {
    const m = this.manifest;
    const timeZone = s.timeZone ?? this.platform.client.timeZone;
    if (!isValidTimeZone(timeZone)) throw new Error(`${m.name}/schedules/${s.name}: timezone "${timeZone}" is not an IANA timezone`);

    // receives both failed deliveries (Scheduler) and failed asynchronous invocations (Lambda)
    const dlq = new sqs.Queue(this, `Schedule-${s.name}-dlq`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    for (const id of ["AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy"]) {
      Validations.of(dlq).acknowledge({
        id,
        reason: `This queue is itself the dead-letter queue of schedule ${m.name}/${s.name} (Scheduler DeadLetterConfig and the function's async DLQ).`,
      });
    }
    this.alarmOnDepth(dlq, `Schedule-${s.name}-dlq-alarm`, `${m.name}/schedule ${s.name}: failed runs in the dead-letter queue`);

    // jobs (reconciliation, statistics) may scan their own table; request and consumer paths may not
    const fn = this.newFunction(`Job-${s.name}`, s.handler, `schedule ${s.name}${s.description ? ` (${s.description})` : ""}`, s.timeoutSeconds, {
      scan: true,
      dlq,
    });

    const role = new iam.Role(this, `Schedule-${s.name}-role`, {
      assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com").withConditions({
        StringEquals: { "aws:SourceAccount": Stack.of(this).account },
      }),
      description: `EventBridge Scheduler: invoke ${m.name}/${s.name} only`,
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: "InvokeScheduleFunction", actions: ["lambda:InvokeFunction"], resources: [fn.fn.functionArn] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: "DeadLetter", actions: ["sqs:SendMessage"], resources: [dlq.queueArn] }));

    const schedule = new scheduler.CfnSchedule(this, `Schedule-${s.name}`, {
      description: `Siyu ${this.platform.client.name} ${m.name}/${s.name}${s.description ? `: ${s.description}` : ""}`.slice(0, 512),
      scheduleExpression: s.expression,
      scheduleExpressionTimezone: timeZone,
      flexibleTimeWindow: { mode: "OFF" },
      state: "ENABLED",
      target: {
        arn: fn.fn.functionArn,
        roleArn: role.roleArn,
        input: JSON.stringify({ schedule: s.name, scheduledTime: "<aws.scheduler.scheduled-time>" }),
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
        deadLetterConfig: { arn: dlq.queueArn },
      },
    });
    // the role's policy must exist before the schedule first fires
    schedule.node.addDependency(role);
  }
}
