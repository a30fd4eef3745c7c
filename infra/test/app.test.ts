import { join } from "node:path";
import { type LoadedService, loadServices, ROUTE_SCOPES, routeKey } from "@siyu/manifest";
import { App } from "aws-cdk-lib";
import { Match } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../lib/build-app.ts";
import { loadClientConfigs } from "../lib/client-config.ts";
import { asArray, identityStatements, REPO_ROOT, resourcesOf, type Synthesized, synthesize } from "./support.ts";

/**
 * The real app: every infra/clients/*.json × every functions/<service>/service.ts, bundled for real,
 * exactly as `pnpm synth` builds it (cdk-nag and CDK's CloudFormation validation included). Assertions
 * are written against the manifests, so new services need no change here.
 */

const clients = loadClientConfigs(join(REPO_ROOT, "infra", "clients"), REPO_ROOT);
let services: LoadedService[];
let out: Synthesized;

beforeAll(async () => {
  services = await loadServices(REPO_ROOT);
  out = await synthesize({ code: "bundle" });
});
afterAll(() => out?.cleanup());

const names = clients.map((c) => c.name);
const template = (name: string) => out.templates.get(`Siyu-${name}`)!;

describe("the app", () => {
  it("has one independent stack per client file, named Siyu-<name>, in the client's env", () => {
    expect(out.stacks.map((s) => s.stackName)).toEqual(names.map((n) => `Siyu-${n}`));
    for (const [i, s] of out.stacks.entries()) {
      expect(s.dependencies).toEqual([]);
      if (clients[i]!.env.region) expect(s.region).toBe(clients[i]!.env.region);
      expect(JSON.stringify(template(clients[i]!.name).toJSON())).not.toContain("Fn::ImportValue");
    }
  });

  it("-c client=<name> builds only that client's stack", async () => {
    const stacks = await buildApp(new App(), { repoRoot: REPO_ROOT, client: names[1]!, code: "inline", nag: false });
    expect(stacks.map((s) => s.stackName)).toEqual([`Siyu-${names[1]}`]);
  });

  it("cdk-nag AwsSolutions: zero unacknowledged findings", () => {
    expect(out.nag).toEqual([]);
  });

  it("CDK's CloudFormation template validation finds nothing either", () => {
    expect(out.findings).toEqual([]);
  });
});

describe.each(names)("Siyu-%s", (name) => {
  const client = () => clients.find((c) => c.name === name)!;

  it("every table: on-demand, PITR, encrypted, retained", () => {
    const tables = resourcesOf(template(name), "AWS::DynamoDB::Table");
    expect(tables).toHaveLength(services.length);
    for (const [id, t] of tables) {
      expect(t.Properties!["BillingMode"], id).toBe("PAY_PER_REQUEST");
      expect(t.Properties!["PointInTimeRecoverySpecification"], id).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(t.Properties!["SSESpecification"], id).toEqual({ SSEEnabled: true });
      expect(t.DeletionPolicy, id).toBe("Retain");
    }
  });

  it("every queue: SSE, and a DLQ (RedrivePolicy) unless it is a DLQ", () => {
    const t = template(name);
    const queues = resourcesOf(t, "AWS::SQS::Queue");
    const declared = services.flatMap((s) => s.manifest.queues);
    const withRedrive = queues.filter(([, q]) => q.Properties!["RedrivePolicy"]);
    expect(withRedrive).toHaveLength(declared.length);
    const dlqs = new Set(withRedrive.map(([, q]) => (q.Properties!["RedrivePolicy"] as { deadLetterTargetArn: { "Fn::GetAtt": [string] } }).deadLetterTargetArn["Fn::GetAtt"][0]));
    const scheduleDlqs = new Set(
      resourcesOf(t, "AWS::Scheduler::Schedule").map(([, s]) => (s.Properties!["Target"] as { DeadLetterConfig: { Arn: { "Fn::GetAtt": [string] } } }).DeadLetterConfig.Arn["Fn::GetAtt"][0]),
    );
    // the SNS subscriptions' DLQ: every subscription redrives to it
    const undeliverable = resourcesOf(t, "AWS::SNS::Subscription").map(([, s]) => (s.Properties!["RedrivePolicy"] as { deadLetterTargetArn: { "Fn::GetAtt": [string] } }).deadLetterTargetArn["Fn::GetAtt"][0]);
    expect(new Set(undeliverable).size).toBe(1);
    for (const [id, q] of queues) {
      expect(q.Properties!["SqsManagedSseEnabled"], id).toBe(true);
      expect(Boolean(q.Properties!["RedrivePolicy"]) || dlqs.has(id) || scheduleDlqs.has(id) || id === undeliverable[0], `${id} has no DLQ`).toBe(true);
    }
    const depthAlarms = resourcesOf(t, "AWS::CloudWatch::Alarm").filter(([, a]) => a.Properties!["Namespace"] === "AWS/SQS");
    expect(depthAlarms).toHaveLength(dlqs.size + scheduleDlqs.size + 1);
  });

  it("alarms: each service's function errors and throttles, WeCom's 45009/45033 for services calling WeCom, and the manifests' own (welcome failures)", () => {
    const t = template(name);
    const alarms = resourcesOf(t, "AWS::CloudWatch::Alarm").map(([, a]) => a.Properties!);
    const described = (text: string) => alarms.filter((a) => String(a["AlarmDescription"]).includes(text));
    for (const s of services) {
      expect(described(`${s.manifest.name}: function errors`).length, s.manifest.name).toBeGreaterThanOrEqual(1);
      expect(described(`${s.manifest.name}: function throttles`).length, s.manifest.name).toBeGreaterThanOrEqual(1);
      expect(described(`${s.manifest.name}: WeCom refused`).length, s.manifest.name).toBe(s.manifest.secrets.includes("wecom") ? 1 : 0);
      for (const a of s.manifest.alarms) {
        const [alarm] = described(`${s.manifest.name}: ${a.description}`);
        expect(alarm, `${s.manifest.name} ${a.name}`).toBeDefined();
        expect(alarm!["Threshold"]).toBe(a.threshold);
        const used = (alarm!["Metrics"] as { MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] } } }[]).flatMap((x) => (x.MetricStat ? [x.MetricStat.Metric] : []));
        expect(used.map((u) => u.MetricName).sort()).toEqual([...a.metrics].sort());
        for (const u of used) {
          expect(u.Namespace).toBe("Siyu");
          expect(u.Dimensions).toEqual(expect.arrayContaining([{ Name: "service", Value: s.manifest.name }]));
        }
      }
    }
    expect(described("contact-intake: welcome messages failed or expired")).toHaveLength(1);
  });

  it("every function: nodejs24.x on arm64", () => {
    const fns = resourcesOf(template(name), "AWS::Lambda::Function");
    const expected = services.reduce((n, s) => n + (s.manifest.http ? 1 : 0) + s.manifest.queues.length + s.manifest.schedules.length, 0);
    expect(fns.length).toBeGreaterThanOrEqual(expected);
    for (const [id, f] of fns) {
      expect(f.Properties!["Runtime"], id).toBe("nodejs24.x");
      expect(f.Properties!["Architectures"], id).toEqual(["arm64"]);
    }
  });

  it("the authorizer is on every admin/operator route (with the route's scopes) and on no public route", () => {
    const routes = resourcesOf(template(name), "AWS::ApiGatewayV2::Route");
    for (const s of services) {
      for (const r of s.manifest.http?.routes ?? []) {
        const found = routes.find(([, x]) => x.Properties!["RouteKey"] === routeKey(r));
        expect(found, `${s.manifest.name} ${routeKey(r)}`).toBeDefined();
        const props = found![1].Properties!;
        if (r.auth === "public") {
          expect(props["AuthorizationType"]).toBe("NONE");
          expect(props["AuthorizerId"]).toBeUndefined();
        } else {
          expect(props["AuthorizationType"]).toBe("JWT");
          expect(props["AuthorizerId"]).toBeDefined();
          expect(props["AuthorizationScopes"]).toEqual([...ROUTE_SCOPES[r.auth]]);
        }
      }
    }
  });

  it("no IAM statement allows Action * or service:*", () => {
    for (const { logicalId, statement } of identityStatements(template(name))) {
      for (const action of asArray(statement.Action)) {
        expect(action, logicalId).not.toBe("*");
        expect(action, logicalId).not.toMatch(/^[a-z0-9-]+:\*$/);
      }
      if (asArray(statement.Resource).includes("*")) expect(asArray(statement.Action).every((a) => a.startsWith("xray:")), logicalId).toBe(true);
    }
  });

  it("each subscribing queue gets a filtered, raw subscription (the probe's events queue: probe.recorded)", () => {
    const t = template(name);
    const subs = resourcesOf(t, "AWS::SNS::Subscription").filter(([, s]) => s.Properties!["Protocol"] === "sqs");
    const subscribing = services.flatMap((s) => s.manifest.queues.filter((q) => q.subscribes.length > 0).map((q) => ({ service: s.manifest.name, q })));
    expect(subs).toHaveLength(subscribing.length);
    const stack = out.stacks.find((st) => st.stackName === `Siyu-${name}`)!;
    for (const { service, q } of subscribing) {
      const queue = stack.services.find((x) => x.manifest.name === service)!.queues.find((x) => x.spec.name === q.name)!.queue;
      const queueId = stack.getLogicalId(queue.node.defaultChild as never);
      const match = subs.find(([, s]) => JSON.stringify(s.Properties!["Endpoint"]) === JSON.stringify({ "Fn::GetAtt": [queueId, "Arn"] }));
      expect(match, `${service}/${q.name}`).toBeDefined();
      expect(match![1].Properties!["FilterPolicy"]).toEqual({ type: q.subscribes });
      expect(match![1].Properties!["RawMessageDelivery"]).toBe(true);
    }
    const probe = services.find((s) => s.manifest.name === "probe");
    if (probe) {
      t.hasResourceProperties("AWS::SNS::Subscription", {
        Protocol: "sqs",
        Endpoint: { "Fn::GetAtt": [Match.stringLikeRegexp("^probeevents"), "Arn"] },
        FilterPolicy: { type: ["probe.recorded"] },
        RawMessageDelivery: true,
      });
    }
  });

  it("one schedule per manifest schedule, in its timezone (default: the corp's)", () => {
    const t = template(name);
    const declared = services.flatMap((s) => s.manifest.schedules);
    expect(resourcesOf(t, "AWS::Scheduler::Schedule")).toHaveLength(declared.length);
    for (const s of declared) {
      t.hasResourceProperties("AWS::Scheduler::Schedule", {
        ScheduleExpression: s.expression,
        ScheduleExpressionTimezone: s.timeZone ?? client().timeZone,
        Target: Match.objectLike({ Input: JSON.stringify({ schedule: s.name, scheduledTime: "<aws.scheduler.scheduled-time>" }) }),
      });
    }
  });
});
