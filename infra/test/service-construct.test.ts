import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_TIMEZONE } from "@siyu/kernel";
import { functionEnvironment, type LoadedService, loadServices, ROUTE_SCOPES, routeKey } from "@siyu/manifest";
import { Match, type Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ESM_REQUIRE_BANNER } from "../lib/functions.ts";
import type { ServiceConstruct } from "../lib/service-construct.ts";
import type { SiyuStack } from "../lib/siyu-stack.ts";
import { asArray, FIXTURES, identityStatements, resourcesOf, type Synthesized, synthesize, testClient } from "./support.ts";

/**
 * The generic service construct against fixture services that use every manifest feature, with real
 * esbuild bundling (tiny handlers), in three stacks: JWT auth + retain + no tracing, Cognito + destroy,
 * and a corp in another timezone.
 */

// jwt-brand turns tracing off and keeps no reserved concurrency; the others take the defaults (on, 20)
const jwtClient = testClient({ name: "jwt-brand", tracing: false, publicConcurrency: null, throttling: { rateLimit: 100, burstLimit: 200, publicRateLimit: 10, publicBurstLimit: 20 } });
const poolClient = testClient({
  name: "pool-brand",
  auth: { cognito: { create: true, domainPrefix: "siyu-pool-brand", callbackUrls: ["https://console.pool-brand.example.com/cb"] } },
  removalPolicy: "destroy",
  logRetentionDays: 14,
  corsOrigins: ["https://console.pool-brand.example.com"],
});
const berlinClient = testClient({ name: "berlin-brand", timeZone: "Europe/Berlin", wecomBaseUrl: "https://wecom-sim.example.com" });

let out: Synthesized;
let services: LoadedService[];
const sample = () => services.find((s) => s.manifest.name === "sample")!.manifest;
const quiet = () => services.find((s) => s.manifest.name === "quiet")!.manifest;
const stack = (name: string) => out.stacks.find((s) => s.stackName === `Siyu-${name}`)!;
const template = (name: string) => out.templates.get(`Siyu-${name}`)!;
const svc = (st: SiyuStack, name: string) => st.services.find((s) => s.manifest.name === name)!;
const lid = (st: SiyuStack, c: { node: { defaultChild?: unknown } }) => st.getLogicalId(c.node.defaultChild as never);

beforeAll(async () => {
  services = await loadServices(FIXTURES);
  out = await synthesize({
    clients: [jwtClient, poolClient, berlinClient],
    servicesRoot: FIXTURES,
    fallbackEntry: join(FIXTURES, "fallback.ts"),
    code: "bundle",
    // CloudFormation schema validation runs in app.test.ts; here it would only add ~10 s
    cfnValidation: false,
  });
});
afterAll(() => out?.cleanup());

const ALL = ["jwt-brand", "pool-brand", "berlin-brand"];

describe("stacks", () => {
  it("one stack per client, named after it, sharing nothing", () => {
    expect(out.stacks.map((s) => s.stackName)).toEqual(["Siyu-jwt-brand", "Siyu-pool-brand", "Siyu-berlin-brand"]);
    for (const s of out.stacks) expect(s.dependencies).toEqual([]);
    for (const name of ALL) expect(JSON.stringify(template(name).toJSON())).not.toContain("Fn::ImportValue");
  });
});

describe("tables", () => {
  it.each(ALL)("%s: one on-demand, PITR, encrypted table per service with its keys, GSIs and TTL", (name) => {
    const t = template(name);
    expect(resourcesOf(t, "AWS::DynamoDB::Table")).toHaveLength(2);
    t.hasResourceProperties("AWS::DynamoDB::Table", {
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      BillingMode: "PAY_PER_REQUEST",
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
      GlobalSecondaryIndexes: [
        Match.objectLike({ IndexName: "by-status", KeySchema: [{ AttributeName: "status", KeyType: "HASH" }, { AttributeName: "updatedAt", KeyType: "RANGE" }] }),
        Match.objectLike({ IndexName: "owners", KeySchema: [{ AttributeName: "owner", KeyType: "HASH" }] }),
      ],
    });
    t.hasResourceProperties("AWS::DynamoDB::Table", {
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it("tables are retained by default and deleted only when the client says destroy", () => {
    for (const name of ["jwt-brand", "berlin-brand"]) {
      for (const [, r] of resourcesOf(template(name), "AWS::DynamoDB::Table")) {
        expect(r.DeletionPolicy).toBe("Retain");
        expect(r.UpdateReplacePolicy).toBe("Retain");
        expect(r.Properties!["DeletionProtectionEnabled"]).toBe(true);
      }
    }
    for (const [, r] of resourcesOf(template("pool-brand"), "AWS::DynamoDB::Table")) {
      expect(r.DeletionPolicy).toBe("Delete");
      expect(r.Properties!["DeletionProtectionEnabled"]).toBe(false);
    }
  });
});

describe("queues", () => {
  it.each(ALL)("%s: every queue is encrypted, TLS-only, and either has a DLQ or is one", (name) => {
    const t = template(name);
    const queues = resourcesOf(t, "AWS::SQS::Queue");
    const dlqIds = new Set<string>();
    for (const [, q] of queues) {
      const redrive = q.Properties!["RedrivePolicy"] as { deadLetterTargetArn: { "Fn::GetAtt": [string, string] } } | undefined;
      if (redrive) dlqIds.add(redrive.deadLetterTargetArn["Fn::GetAtt"][0]);
    }
    // each schedule has its own DLQ (Scheduler dead-letter config + Lambda async DLQ)
    const scheduleDlqs = new Set(
      resourcesOf(t, "AWS::Scheduler::Schedule").map(([, s]) => (s.Properties!["Target"] as { DeadLetterConfig: { Arn: { "Fn::GetAtt": [string] } } }).DeadLetterConfig.Arn["Fn::GetAtt"][0]),
    );
    const declared = sample().queues.length + quiet().queues.length;
    // each declared queue and its DLQ, each schedule's DLQ, and the stack's Undeliverable (the SNS subscriptions' DLQ)
    expect(queues).toHaveLength(declared * 2 + sample().schedules.length + 1);
    const undeliverable = lid(stack(name), stack(name).platform.undeliverable);
    expect(dlqIds.size).toBe(declared);
    expect(scheduleDlqs.size).toBe(sample().schedules.length);
    for (const [id, q] of queues) {
      expect(q.Properties!["SqsManagedSseEnabled"], id).toBe(true);
      expect(Boolean(q.Properties!["RedrivePolicy"]) || dlqIds.has(id) || scheduleDlqs.has(id) || id === undeliverable, `${id} has no DLQ`).toBe(true);
      // TLS-only: a Deny on aws:SecureTransport=false in the queue's policy
      t.hasResourceProperties("AWS::SQS::QueuePolicy", {
        Queues: Match.arrayWith([{ Ref: id }]),
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: "Deny", Action: "sqs:*", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          ]),
        },
      });
    }
  });

  it("visibility timeout, maxReceiveCount and FIFO come from the manifest", () => {
    const st = stack("jwt-brand");
    const t = template("jwt-brand");
    for (const m of [sample(), quiet()]) {
      const construct = svc(st, m.name);
      for (const spec of m.queues) {
        const q = construct.queues.find((x) => x.spec.name === spec.name)!;
        const props = t.toJSON().Resources[lid(st, q.queue)].Properties;
        expect(props.VisibilityTimeout).toBe(spec.visibilityTimeoutSeconds);
        expect(props.RedrivePolicy).toEqual({ deadLetterTargetArn: { "Fn::GetAtt": [lid(st, q.dlq), "Arn"] }, maxReceiveCount: spec.maxReceiveCount });
        expect(props.FifoQueue).toBe(spec.fifo ? true : undefined);
        expect(t.toJSON().Resources[lid(st, q.dlq)].Properties.FifoQueue).toBe(spec.fifo ? true : undefined);
        expect(props.ContentBasedDeduplication).toBe(spec.fifo ? true : undefined);
      }
    }
  });

  it.each(ALL)("%s: an alarm on every DLQ's depth notifies the alarm topic, which mails the client", (name) => {
    const t = template(name);
    const st = stack(name);
    const alarmTopic = st.getLogicalId(st.platform.alarmTopic.node.defaultChild as never);
    const dlqs = [
      ...st.services.flatMap((s) => s.queues.map((q) => lid(st, q.dlq))),
      ...resourcesOf(t, "AWS::Scheduler::Schedule").map(([, s]) => (s.Properties!["Target"] as { DeadLetterConfig: { Arn: { "Fn::GetAtt": [string] } } }).DeadLetterConfig.Arn["Fn::GetAtt"][0]),
      lid(st, st.platform.undeliverable),
    ];
    expect(resourcesOf(t, "AWS::CloudWatch::Alarm").filter(([, a]) => a.Properties!["Namespace"] === "AWS/SQS")).toHaveLength(dlqs.length);
    for (const dlq of dlqs) {
      t.hasResourceProperties("AWS::CloudWatch::Alarm", {
        Namespace: "AWS/SQS",
        MetricName: "ApproximateNumberOfMessagesVisible",
        Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [dlq, "QueueName"] } }],
        ComparisonOperator: "GreaterThanThreshold",
        Threshold: 0,
        AlarmActions: [{ Ref: alarmTopic }],
      });
    }
    t.hasResourceProperties("AWS::SNS::Subscription", { Protocol: "email", Endpoint: "alerts@test-brand.example.com", TopicArn: { Ref: alarmTopic } });
  });

  it.each(ALL)("%s: every SNS subscription (each queue's, the alarm email) redrives what SNS cannot deliver to the Undeliverable queue, which SNS may write", (name) => {
    const t = template(name);
    const st = stack(name);
    const undeliverable = lid(st, st.platform.undeliverable);
    const subs = resourcesOf(t, "AWS::SNS::Subscription");
    const subscribing = [sample(), quiet()].flatMap((m) => m.queues.filter((q) => q.subscribes.length > 0));
    expect(subs).toHaveLength(subscribing.length + 1);
    for (const [id, sub] of subs) expect(sub.Properties!["RedrivePolicy"], id).toEqual({ deadLetterTargetArn: { "Fn::GetAtt": [undeliverable, "Arn"] } });
    t.hasResourceProperties("AWS::SQS::QueuePolicy", {
      Queues: Match.arrayWith([{ Ref: undeliverable }]),
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: "Allow", Action: "sqs:SendMessage", Principal: { Service: "sns.amazonaws.com" } })]) },
    });
  });
});

describe("alarms", () => {
  const alarms = (name: string) => resourcesOf(template(name), "AWS::CloudWatch::Alarm").map(([, a]) => a.Properties!);
  it("each service: the sum of its functions' Errors and of their Throttles over 5 minutes, > 0, to the alarm topic and back", () => {
    const st = stack("jwt-brand");
    const topic = st.getLogicalId(st.platform.alarmTopic.node.defaultChild as never);
    for (const m of [sample(), quiet()]) {
      const n = svc(st, m.name).functions.length;
      for (const kind of ["errors", "throttles"]) {
        const [a] = alarms("jwt-brand").filter((x) => String(x["AlarmDescription"]).includes(`${m.name}: function ${kind}`));
        expect(a, `${m.name} ${kind}`).toBeDefined();
        expect(a!["Threshold"]).toBe(0);
        expect(a!["AlarmActions"]).toEqual([{ Ref: topic }]);
        expect(a!["OKActions"]).toEqual([{ Ref: topic }]);
        const stats = (a!["Metrics"] as { MetricStat?: { Metric: { MetricName: string }; Period: number; Stat: string } }[]).filter((x) => x.MetricStat);
        expect(stats).toHaveLength(n);
        for (const x of stats) expect(x.MetricStat).toMatchObject({ Metric: { MetricName: kind === "errors" ? "Errors" : "Throttles" }, Period: 300, Stat: "Sum" });
      }
    }
  });

  it("a service that calls WeCom: an alarm on its WecomErrors with errcode 45009 or 45033; the others none", () => {
    for (const m of [sample(), quiet()]) {
      const found = alarms("jwt-brand").filter((x) => String(x["AlarmDescription"]).includes(`${m.name}: WeCom refused`));
      expect(found, m.name).toHaveLength(m.secrets.includes("wecom") ? 1 : 0);
      for (const a of found) {
        const dims = (a["Metrics"] as { MetricStat?: { Metric: { MetricName: string; Dimensions: { Name: string; Value: string }[] } } }[]).flatMap((x) => (x.MetricStat ? [x.MetricStat.Metric] : []));
        expect(dims.map((d) => d.MetricName)).toEqual(["WecomErrors", "WecomErrors"]);
        expect(dims.map((d) => d.Dimensions.find((x) => x.Name === "errcode")!.Value)).toEqual(["45009", "45033"]);
        for (const d of dims) expect(d.Dimensions).toEqual(expect.arrayContaining([{ Name: "service", Value: m.name }, { Name: "client", Value: "jwt-brand" }]));
      }
    }
  });
});

describe("throttling and concurrency", () => {
  const stage = (name: string) => resourcesOf(template(name), "AWS::ApiGatewayV2::Stage")[0]![1].Properties!;
  const publicKeys = () => [...[sample(), quiet()].flatMap((m) => (m.http?.routes ?? []).filter((r) => r.auth === "public").map(routeKey)), "$default"].sort();

  it("the stage throttles every route at the client's limits (defaults 200/400)", () => {
    expect(stage("pool-brand")["DefaultRouteSettings"]).toMatchObject({ ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 });
    expect(stage("jwt-brand")["DefaultRouteSettings"]).toMatchObject({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 });
  });

  it("every public route and $default, and only those, are throttled tighter (defaults 50/100)", () => {
    expect(publicKeys().length).toBeGreaterThan(1);
    for (const [name, limits] of [["pool-brand", { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 }], ["jwt-brand", { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 }]] as const) {
      const settings = stage(name)["RouteSettings"] as Record<string, unknown>;
      expect(Object.keys(settings).sort()).toEqual(publicKeys());
      for (const v of Object.values(settings)) expect(v).toEqual(limits);
    }
  });

  it("functions behind a public route (and the fallback) have reserved concurrency; consumers and jobs do not; null reserves none", () => {
    const st = stack("pool-brand");
    const t = template("pool-brand").toJSON().Resources;
    for (const m of [sample(), quiet()]) {
      const isPublic = (m.http?.routes ?? []).some((r) => r.auth === "public");
      for (const f of svc(st, m.name).functions) {
        const reserved = t[lid(st, f.fn)].Properties.ReservedConcurrentExecutions;
        expect(reserved, `${m.name} ${f.node.id}`).toBe(isPublic && f.node.id === "Http" ? 20 : undefined);
      }
    }
    const fallback = resourcesOf(template("pool-brand"), "AWS::Lambda::Function").find(([id]) => id.startsWith("FallbackFn"));
    expect(fallback).toBeDefined();
    expect(fallback![1].Properties!["ReservedConcurrentExecutions"]).toBe(20);
    for (const [id, f] of resourcesOf(template("jwt-brand"), "AWS::Lambda::Function")) expect(f.Properties!["ReservedConcurrentExecutions"], id).toBeUndefined();
  });
});

describe("domain-event topic", () => {
  it("is encrypted and TLS-only; subscribing queues get a filter on the type attribute, with raw delivery", () => {
    const st = stack("jwt-brand");
    const t = template("jwt-brand");
    const topic = st.getLogicalId(st.platform.topic.node.defaultChild as never);
    t.hasResourceProperties("AWS::SNS::Topic", { KmsMasterKeyId: Match.anyValue() });
    for (const [, tp] of resourcesOf(t, "AWS::SNS::Topic")) expect(tp.Properties!["KmsMasterKeyId"]).toBeDefined();
    t.hasResourceProperties("AWS::SNS::TopicPolicy", {
      Topics: [{ Ref: topic }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } })]) },
    });
    const events = svc(st, "sample").queues.find((q) => q.spec.name === "contact-events")!;
    t.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "sqs",
      TopicArn: { Ref: topic },
      Endpoint: { "Fn::GetAtt": [lid(st, events.queue), "Arn"] },
      RawMessageDelivery: true,
      FilterPolicy: { type: ["contact.added", "contact.lost"] },
    });
    // only subscribing queues are subscribed
    const sqsSubs = resourcesOf(t, "AWS::SNS::Subscription").filter(([, s]) => s.Properties!["Protocol"] === "sqs");
    expect(sqsSubs).toHaveLength(1);
  });
});

describe("functions", () => {
  it.each(ALL)("%s: every function is nodejs24.x on arm64 with an ESM bundle handler", (name) => {
    const fns = resourcesOf(template(name), "AWS::Lambda::Function");
    // sample: http + 3 consumers + 2 jobs; quiet: 1 consumer; fallback
    expect(fns).toHaveLength(8);
    for (const [id, f] of fns) {
      expect(f.Properties!["Runtime"], id).toBe("nodejs24.x");
      expect(f.Properties!["Architectures"], id).toEqual(["arm64"]);
      expect(f.Properties!["Handler"], id).toBe("index.handler");
      expect((f.Properties!["Environment"] as { Variables: Record<string, unknown> }).Variables["NODE_OPTIONS"]).toBe("--enable-source-maps");
      expect(f.Properties!["LoggingConfig"], id).toEqual({ LogGroup: { Ref: expect.any(String) } });
    }
  });

  it("memory and timeouts come from the manifest; tracing from the client (on by default)", () => {
    const st = stack("pool-brand");
    const t = template("pool-brand").toJSON().Resources;
    const s = svc(st, "sample");
    const byId = (c: ServiceConstruct["functions"][number]) => t[lid(st, c.fn)].Properties;
    const timeouts = s.functions.map((f) => byId(f).Timeout);
    expect(timeouts).toEqual([15, 20, 90, 30, 60, 120]);
    for (const f of s.functions) {
      expect(byId(f).MemorySize).toBe(384);
      expect(byId(f).TracingConfig).toEqual({ Mode: "Active" });
    }
    expect(byId(svc(st, "quiet").functions[0]!).MemorySize).toBe(128);
    const jwt = stack("jwt-brand");
    const jt = template("jwt-brand").toJSON().Resources;
    for (const f of svc(jwt, "sample").functions) expect(jt[lid(jwt, f.fn)].Properties.TracingConfig).toBeUndefined();
  });

  it("log groups have the client's retention; kept unless destroy", () => {
    for (const [, lg] of resourcesOf(template("pool-brand"), "AWS::Logs::LogGroup")) {
      expect(lg.Properties!["RetentionInDays"]).toBe(14);
      expect(lg.DeletionPolicy).toBe("Delete");
    }
    for (const [, lg] of resourcesOf(template("jwt-brand"), "AWS::Logs::LogGroup")) {
      expect(lg.Properties!["RetentionInDays"]).toBe(90);
      expect(lg.DeletionPolicy).toBe("Retain");
    }
  });

  it("environment is exactly functionEnvironment(manifest, deployed resources) + NODE_OPTIONS", () => {
    const st = stack("berlin-brand");
    const t = template("berlin-brand").toJSON().Resources;
    for (const m of [sample(), quiet()]) {
      const s = svc(st, m.name);
      const expected = functionEnvironment(m, {
        client: "berlin-brand",
        corpId: berlinClient.corpId,
        timeZone: "Europe/Berlin",
        tableName: "t",
        topicArn: "a",
        queueUrls: Object.fromEntries(m.queues.map((q) => [q.name, "u"])),
        dlqUrls: Object.fromEntries(m.queues.map((q) => [q.name, "d"])),
        wecomSecretArn: "s",
        wecomBaseUrl: "https://wecom-sim.example.com",
        publicBaseUrl: "p",
        blobs: { bucket: "b" },
      });
      for (const f of s.functions) {
        const vars = t[lid(st, f.fn)].Properties.Environment.Variables as Record<string, unknown>;
        expect(Object.keys(vars).sort()).toEqual([...Object.keys(expected), "NODE_OPTIONS"].sort());
        expect(vars["SIYU_CORP_TIMEZONE"]).toBe("Europe/Berlin");
        expect(vars["SIYU_CLIENT"]).toBe("berlin-brand");
        expect(vars["SIYU_TABLE"]).toEqual({ Ref: lid(st, s.table) });
        // the API's own URL (a token: no cycle, the API does not depend on the function)
        expect(JSON.stringify(vars["SIYU_PUBLIC_BASE_URL"])).toContain(lid(st, st.platform.api));
        for (const q of s.queues) {
          expect(vars[`SIYU_QUEUE_${q.spec.name.toUpperCase().replace(/-/g, "_")}`]).toEqual({ Ref: lid(st, q.queue) });
          expect(vars[`SIYU_DLQ_${q.spec.name.toUpperCase().replace(/-/g, "_")}`]).toEqual({ Ref: lid(st, q.dlq) });
        }
      }
    }
    const sampleVars = t[lid(st, svc(st, "sample").functions[0]!.fn)].Properties.Environment.Variables;
    expect(JSON.stringify(sampleVars["SIYU_WECOM_SECRET_ARN"])).toContain("secret:siyu/test-brand/wecom");
    expect(sampleVars["SIYU_WECOM_BASE_URL"]).toBe("https://wecom-sim.example.com");
  });

  it("consumers: SQS event source with the manifest's batch settings and partial batch failures", () => {
    const st = stack("jwt-brand");
    const t = template("jwt-brand");
    const s = svc(st, "sample");
    expect(resourcesOf(t, "AWS::Lambda::EventSourceMapping")).toHaveLength(4);
    for (const q of s.queues) {
      const consumer = s.functions.find((f) => f.node.id === `Consumer-${q.spec.name}`)!;
      t.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
        EventSourceArn: { "Fn::GetAtt": [lid(st, q.queue), "Arn"] },
        FunctionName: { Ref: lid(st, consumer.fn) },
        BatchSize: q.spec.batchSize,
        MaximumBatchingWindowInSeconds: q.spec.maxBatchingWindowSeconds > 0 ? q.spec.maxBatchingWindowSeconds : Match.absent(),
        FunctionResponseTypes: ["ReportBatchItemFailures"],
      });
    }
  });

  it("bundles are minified ESM with the createRequire banner and a source map", () => {
    const st = stack("jwt-brand");
    const assets = new Set<string>();
    for (const f of [...st.services.flatMap((s) => s.functions)]) {
      const code = template("jwt-brand").toJSON().Resources[lid(st, f.fn)].Properties.Code;
      const key = String(code.S3Key);
      assets.add(key.replace(/\.zip$/, ""));
    }
    expect(assets.size).toBe(7);
    for (const hash of assets) {
      const dir = join(out.outdir, `asset.${hash}`);
      expect(existsSync(join(dir, "index.mjs")), dir).toBe(true);
      expect(existsSync(join(dir, "index.mjs.map")), dir).toBe(true);
      const js = readFileSync(join(dir, "index.mjs"), "utf8");
      expect(js.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
      expect(js).toMatch(/export\s*\{/);
      expect(js).toContain("sourceMappingURL=index.mjs.map");
    }
  });
});

describe("HTTP API", () => {
  const routes = () => [...sample().http!.routes];

  it.each(ALL)("%s: the authorizer guards every admin/operator route with its scopes; public routes have none", (name) => {
    const st = stack(name);
    const t = template(name);
    const authorizers = resourcesOf(t, "AWS::ApiGatewayV2::Authorizer");
    expect(authorizers).toHaveLength(1);
    const [authorizerId] = authorizers[0]!;
    const all = resourcesOf(t, "AWS::ApiGatewayV2::Route");
    expect(all).toHaveLength(routes().length + 1);
    for (const r of routes()) {
      const found = all.filter(([, x]) => x.Properties!["RouteKey"] === routeKey(r));
      expect(found, routeKey(r)).toHaveLength(1);
      const props = found[0]![1].Properties!;
      if (r.auth === "public") {
        expect(props["AuthorizationType"]).toBe("NONE");
        expect(props["AuthorizerId"]).toBeUndefined();
        expect(props["AuthorizationScopes"]).toBeUndefined();
      } else {
        expect(props["AuthorizationType"]).toBe("JWT");
        expect(props["AuthorizerId"]).toEqual({ Ref: authorizerId });
        expect(props["AuthorizationScopes"]).toEqual([...ROUTE_SCOPES[r.auth]]);
      }
    }
    expect(st.platform.api).toBeDefined();
  });

  it("unmatched requests go to the public $default fallback, which knows every route", () => {
    const t = template("jwt-brand");
    t.hasResourceProperties("AWS::ApiGatewayV2::Route", { RouteKey: "$default", AuthorizationType: "NONE" });
    t.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ SIYU_ROUTES: JSON.stringify(routes().map(routeKey)) }) },
    });
  });

  it("JWT authorizer uses the configured issuer and audience", () => {
    template("jwt-brand").hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
      AuthorizerType: "JWT",
      IdentitySource: ["$request.header.Authorization"],
      JwtConfiguration: { Issuer: "https://issuer.test-brand.example.com", Audience: ["siyu-api", "siyu-console"] },
    });
  });

  it("Cognito: pool with resource server siyu (admin, operator), machine + console clients as the audience", () => {
    const t = template("pool-brand");
    t.hasResourceProperties("AWS::Cognito::UserPoolResourceServer", {
      Identifier: "siyu",
      Scopes: [Match.objectLike({ ScopeName: "admin" }), Match.objectLike({ ScopeName: "operator" })],
    });
    t.hasResourceProperties("AWS::Cognito::UserPool", { MfaConfiguration: "ON", AdminCreateUserConfig: { AllowAdminCreateUserOnly: true } });
    t.hasResourceProperties("AWS::Cognito::UserPoolDomain", { Domain: "siyu-pool-brand" });
    t.hasResourceProperties("AWS::Cognito::UserPoolClient", {
      AllowedOAuthFlows: ["client_credentials"],
      GenerateSecret: true,
      AllowedOAuthScopes: Match.arrayWith([Match.objectLike({ "Fn::Join": Match.anyValue() })]),
    });
    t.hasResourceProperties("AWS::Cognito::UserPoolClient", { AllowedOAuthFlows: ["code"], CallbackURLs: ["https://console.pool-brand.example.com/cb"] });
    const [, authorizer] = resourcesOf(t, "AWS::ApiGatewayV2::Authorizer")[0]!;
    const jwt = authorizer.Properties!["JwtConfiguration"] as { Audience: unknown[]; Issuer: unknown };
    expect(jwt.Audience).toHaveLength(2);
    expect(JSON.stringify(jwt.Issuer)).toContain("cognito-idp");
  });

  it("CORS only for the client's declared origins", () => {
    template("pool-brand").hasResourceProperties("AWS::ApiGatewayV2::Api", {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ["https://console.pool-brand.example.com"], AllowHeaders: ["authorization", "content-type", "idempotency-key"] }),
    });
    template("jwt-brand").hasResourceProperties("AWS::ApiGatewayV2::Api", { CorsConfiguration: Match.absent() });
  });

  it("the stage writes JSON access logs to a log group", () => {
    template("jwt-brand").hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp("requestId") },
    });
  });
});

describe("schedules", () => {
  it.each(ALL)("%s: one schedule per manifest schedule, in the right timezone, with the schedule input and a DLQ", (name) => {
    const st = stack(name);
    const t = template(name);
    const schedules = resourcesOf(t, "AWS::Scheduler::Schedule");
    expect(schedules).toHaveLength(sample().schedules.length);
    const client = [jwtClient, poolClient, berlinClient].find((c) => c.name === name)!;
    for (const s of sample().schedules) {
      const job = svc(st, "sample").functions.find((f) => f.node.id === `Job-${s.name}`)!;
      t.hasResourceProperties("AWS::Scheduler::Schedule", {
        ScheduleExpression: s.expression,
        ScheduleExpressionTimezone: s.timeZone ?? client.timeZone,
        FlexibleTimeWindow: { Mode: "OFF" },
        Target: Match.objectLike({
          Arn: { "Fn::GetAtt": [lid(st, job.fn), "Arn"] },
          Input: JSON.stringify({ schedule: s.name, scheduledTime: "<aws.scheduler.scheduled-time>" }),
          DeadLetterConfig: { Arn: Match.anyValue() },
          RetryPolicy: Match.anyValue(),
        }),
      });
    }
    expect(jwtClient.timeZone).toBe(DEFAULT_TIMEZONE);
  });

  it("each schedule's role can only invoke its function (and dead-letter to its DLQ)", () => {
    const t = template("jwt-brand");
    const schedulerRoles = resourcesOf(t, "AWS::IAM::Role").filter(([, r]) => JSON.stringify(r.Properties!["AssumeRolePolicyDocument"]).includes("scheduler.amazonaws.com"));
    expect(schedulerRoles).toHaveLength(2);
    const statements = identityStatements(t);
    for (const [roleId] of schedulerRoles) {
      const policy = resourcesOf(t, "AWS::IAM::Policy").find(([, p]) => JSON.stringify(p.Properties!["Roles"]) === JSON.stringify([{ Ref: roleId }]))!;
      const own = statements.filter((s) => s.logicalId === policy[0]).map((s) => s.statement);
      expect(own.map((s) => s.Action)).toEqual(["lambda:InvokeFunction", "sqs:SendMessage"]);
      expect(JSON.stringify(own[0]!.Resource)).toMatch(/^\{"Fn::GetAtt":\["sample\w+Fn\w+","Arn"\]\}$/);
    }
  });
});

describe("least privilege", () => {
  it.each(ALL)("%s: no identity policy allows * or service:* actions, and only X-Ray gets Resource *", (name) => {
    const client = [jwtClient, poolClient, berlinClient].find((c) => c.name === name)!;
    for (const { logicalId, statement } of identityStatements(template(name))) {
      expect(statement.NotAction, logicalId).toBeUndefined();
      for (const action of asArray(statement.Action)) {
        expect(action, logicalId).not.toBe("*");
        expect(action, logicalId).not.toMatch(/^[a-z0-9-]+:\*$/);
      }
      if (asArray(statement.Resource).includes("*")) {
        expect(client.tracing, `${logicalId}: Resource * without tracing`).toBe(true);
        expect(asArray(statement.Action).every((a) => a.startsWith("xray:")), logicalId).toBe(true);
      }
    }
  });

  it("grants follow the manifest: own table only, topic only when publishing, secret only when declared, Scan only for jobs", () => {
    const st = stack("jwt-brand");
    const t = template("jwt-brand");
    const statements = identityStatements(t);
    const policyOf = (f: ServiceConstruct["functions"][number]) => {
      const roleId = st.getLogicalId(f.role.node.defaultChild as never);
      const policy = resourcesOf(t, "AWS::IAM::Policy").find(([, p]) => JSON.stringify(p.Properties!["Roles"]) === JSON.stringify([{ Ref: roleId }]))!;
      return statements.filter((s) => s.logicalId === policy[0]).map((s) => s.statement);
    };
    const sampleSvc = svc(st, "sample");
    const quietSvc = svc(st, "quiet");
    const sampleTable = lid(st, sampleSvc.table);
    const quietTable = lid(st, quietSvc.table);
    for (const f of sampleSvc.functions) {
      const json = JSON.stringify(policyOf(f));
      expect(json).toContain("sns:Publish");
      expect(json).toContain("secretsmanager:GetSecretValue");
      expect(json).toContain(":secret:siyu/test-brand/wecom-??????");
      expect(json).toContain(sampleTable);
      expect(json).toContain(`${sampleTable}","Arn"]},"/index/by-status`);
      expect(json).not.toContain(quietTable);
      expect(json.includes("dynamodb:Scan"), f.node.id).toBe(f.node.id.startsWith("Job-"));
    }
    for (const f of quietSvc.functions) {
      const json = JSON.stringify(policyOf(f));
      expect(json).not.toContain("sns:Publish");
      expect(json).not.toContain("secretsmanager");
      expect(json).not.toContain("kms:");
      expect(json).not.toContain(sampleTable);
      expect(json).toContain(quietTable);
    }
    // consumers may park only in their own queue's DLQ
    for (const q of sampleSvc.queues) {
      const consumer = sampleSvc.functions.find((f) => f.node.id === `Consumer-${q.spec.name}`)!;
      const park = policyOf(consumer).find((s) => s.Sid === "ParkInOwnDlq")!;
      expect(park.Resource).toEqual({ "Fn::GetAtt": [lid(st, q.dlq), "Arn"] });
    }
    // no AWS managed policies on function roles
    for (const [, r] of resourcesOf(t, "AWS::IAM::Role")) expect(r.Properties!["ManagedPolicyArns"]).toBeUndefined();
  });
});

describe("cdk-nag", () => {
  it("AwsSolutions reports no unacknowledged finding (errors or warnings)", () => {
    expect(out.nag).toEqual([]);
  });

  it("every acknowledgment is specific and carries a reason", () => {
    expect(out.acknowledgments.length).toBeGreaterThan(0);
    for (const a of out.acknowledgments) {
      expect(a.id, a.path).toMatch(/(AwsSolutions-[A-Z]+\d+|Serverless-[A-Za-z]+)/);
      expect(a.reason.length, `${a.path} ${a.id}`).toBeGreaterThan(40);
    }
    const ids = new Set(out.acknowledgments.map((a) => a.id.replace(/^Annotation::/i, "")));
    expect([...ids].sort()).toEqual([
      "AwsSolutions-APIG4",
      "AwsSolutions-COG8",
      "AwsSolutions-IAM5[Resource::*]",
      // sample declares blobs: object keys under its own prefix (blobs.test.ts), and the access-log bucket not logging itself
      "AwsSolutions-IAM5[Resource::<BlobsBucket1038ED5D.Arn>/sample/*]",
      "AwsSolutions-S1",
      "AwsSolutions-SQS3",
      // a DLQ needs no DLQ; synchronous and SQS-driven functions need no async DLQ; SQS sources take no on-failure destination; jwt-brand turns tracing off
      "Serverless-LambdaDLQ",
      "Serverless-LambdaEventSourceMappingDestination",
      "Serverless-LambdaTracing",
      "Serverless-SQSRedrivePolicy",
    ]);
  });
});

describe("template helpers", () => {
  it("sanity: every template synthesizes with resources", () => {
    for (const name of ALL) expect(Object.keys((template(name) as Template).toJSON().Resources).length).toBeGreaterThan(50);
  });
});
