import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { App, Stack, Validations } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { type BuildAppOptions, buildApp } from "../lib/build-app.ts";
import { type ClientConfig, type ClientConfigInput, parseClientConfig } from "../lib/client-config.ts";
import type { SiyuStack } from "../lib/siyu-stack.ts";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const FIXTURES = join(REPO_ROOT, "infra", "test", "fixtures");

/** The feature flags `cdk synth` reads from the root cdk.json, so tests synthesize what the CLI would. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, "cdk.json"), "utf8")) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

export function testClient(overrides: Partial<ClientConfigInput> = {}): ClientConfig {
  return parseClientConfig(
    {
      name: "test-brand",
      corpId: "ww00000000000000aa",
      agentId: 1000002,
      wecomSecretName: "siyu/test-brand/wecom",
      alarmEmail: "alerts@test-brand.example.com",
      auth: { jwt: { issuer: "https://issuer.test-brand.example.com", audience: ["siyu-api", "siyu-console"] } },
      ...overrides,
    },
    "test",
  );
}

export interface NagViolation {
  plugin: string;
  ruleName: string;
  severity: string;
  paths: string[];
}

export interface Synthesized {
  app: App;
  stacks: SiyuStack[];
  templates: Map<string, Template>;
  /** Unacknowledged cdk-nag AwsSolutions and Serverless findings, from the synthesized validation-report.json. */
  nag: NagViolation[];
  /** Every finding of every validation plugin (cdk-nag, CDK's CloudFormation schema validation). */
  findings: NagViolation[];
  /** Every acknowledgment (suppression) in the app: construct path, rule id, reason. */
  acknowledgments: { path: string; id: string; reason: string }[];
  outdir: string;
  cleanup(): void;
}

interface Report {
  pluginReports: { pluginName: string; violations: { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] }[] }[];
}

/** Builds and synthesizes an app once (cdk-nag attached), in a temporary cloud assembly directory. */
export async function synthesize(
  opts: Omit<BuildAppOptions, "repoRoot"> & {
    /** CDK's own CloudFormation schema validation (default true, as in `cdk synth`); slow (~5-10 s per app). */
    cfnValidation?: boolean;
  },
): Promise<Synthesized> {
  const outdir = mkdtempSync(join(tmpdir(), "siyu-infra-test-"));
  const app = new App({
    outdir,
    builtinCloudFormationValidation: opts.cfnValidation ?? true,
    // collect the report instead of throwing on the first failing plugin
    context: { ...cdkJsonContext(), "@aws-cdk/core:failSynthOnValidationErrors": false },
  });
  const stacks = await buildApp(app, { repoRoot: REPO_ROOT, ...opts });
  const assembly = app.synth();
  const report = JSON.parse(readFileSync(join(assembly.directory, "validation-report.json"), "utf8")) as Report;
  const findings = report.pluginReports.flatMap((p) =>
    p.violations.map((v) => ({
      plugin: p.pluginName,
      ruleName: v.ruleName,
      severity: v.severity,
      paths: v.violatingConstructs.map((c) => c.constructPath),
    })),
  );
  const nag = findings.filter((f) => f.plugin === "AwsSolutions" || f.plugin === "Serverless");
  const templates = new Map(stacks.map((s) => [s.stackName, Template.fromStack(s)]));
  return { app, stacks, templates, nag, findings, acknowledgments: acknowledgments(app), outdir, cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
}

function acknowledgments(root: IConstruct): { path: string; id: string; reason: string }[] {
  const out: { path: string; id: string; reason: string }[] = [];
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, value] of Object.entries(entry.data as Record<string, unknown>)) {
        const reason = typeof value === "string" ? value : String((value as { reason?: unknown })?.reason ?? "");
        out.push({ path: c.node.path, id, reason });
      }
    }
  }
  return out;
}

// --- template helpers -------------------------------------------------------------------------------------

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export function resourcesOf(template: Template, type: string): [string, CfnResource][] {
  return Object.entries(template.findResources(type) as Record<string, CfnResource>);
}

export interface PolicyStatementJson {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  NotAction?: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

/** Every statement of every identity policy (AWS::IAM::Policy, inline role policies, managed policies). */
export function identityStatements(template: Template): { logicalId: string; statement: PolicyStatementJson }[] {
  const out: { logicalId: string; statement: PolicyStatementJson }[] = [];
  const push = (logicalId: string, doc: unknown) => {
    for (const statement of (doc as { Statement: PolicyStatementJson[] }).Statement) out.push({ logicalId, statement });
  };
  for (const [id, r] of resourcesOf(template, "AWS::IAM::Policy")) push(id, r.Properties!["PolicyDocument"]);
  for (const [id, r] of resourcesOf(template, "AWS::IAM::ManagedPolicy")) push(id, r.Properties!["PolicyDocument"]);
  for (const [id, r] of resourcesOf(template, "AWS::IAM::Role")) {
    for (const p of (r.Properties!["Policies"] as { PolicyDocument: unknown }[] | undefined) ?? []) push(id, p.PolicyDocument);
  }
  return out;
}

export const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Logical id of the resource at `path` below `scope` (e.g. a function's CfnFunction). */
export function logicalIdOf(construct: IConstruct): string {
  const stack = Stack.of(construct);
  const child = (construct.node.defaultChild ?? construct) as IConstruct;
  return stack.getLogicalId(child as never);
}
