import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClientConfigError } from "../lib/client-config.ts";
import { FIXTURES, type Synthesized, synthesize, testClient } from "./support.ts";

/**
 * The hosted console (`console.enabled`): the build and openapi.json in a private bucket behind
 * CloudFront (origin access control), the runtime config telling it where the API is and how to sign
 * in, its origin added to the API's CORS and to the Cognito console client's callback URLs; cdk-nag
 * clean. A fixture build stands in for packages/console/dist.
 */
const jwtClient = testClient({ name: "jwt-console", console: { enabled: true, clientId: "siyu-console-spa" }, corsOrigins: ["https://ops.jwt-console.example.com"] });
const cognitoClient = testClient({
  name: "cognito-console",
  auth: { cognito: { create: true, domainPrefix: "siyu-ops-console", callbackUrls: [], logoutUrls: [] } },
  console: { enabled: true, scopes: ["openid", "siyu/operator", "siyu/admin"] },
});
const plainClient = testClient({ name: "no-console" });

let out: Synthesized;
const template = (name: string) => out.templates.get(`Siyu-${name}`)!.toJSON() as { Resources: Record<string, { Type: string; Properties: any }>; Outputs: Record<string, any> };
const ofType = (name: string, type: string) => Object.entries(template(name).Resources).filter(([, r]) => r.Type === type);

beforeAll(async () => {
  out = await synthesize({
    clients: [jwtClient, cognitoClient, plainClient],
    servicesRoot: FIXTURES,
    fallbackEntry: join(FIXTURES, "fallback.ts"),
    code: "inline",
    consoleDist: join(FIXTURES, "console-dist"),
    cfnValidation: false,
  });
});
afterAll(() => out?.cleanup());

describe("console config", () => {
  it("with auth.jwt the console needs its OIDC client id, named at its field", () => {
    expect(() => testClient({ console: { enabled: true } })).toThrow(ClientConfigError);
    expect(() => testClient({ console: { enabled: true } })).toThrow(/console\.clientId: the hosted console signs in at auth\.jwt\.issuer/);
  });
  it("with auth.cognito the stack makes the client: a given id is refused", () => {
    expect(() =>
      testClient({ auth: { cognito: { create: true, domainPrefix: "siyu-x", callbackUrls: [], logoutUrls: [] } }, console: { enabled: true, clientId: "x" } }),
    ).toThrow(/console\.clientId: with auth\.cognito the stack creates/);
  });
  it("is off by default", () => {
    expect(plainClient.console.enabled).toBe(false);
    expect(ofType("no-console", "AWS::CloudFront::Distribution")).toEqual([]);
    expect(ofType("no-console", "Custom::CDKBucketDeployment")).toEqual([]);
  });
});

describe("hosted console", () => {
  it.each(["jwt-console", "cognito-console"])("%s: a private bucket served only through CloudFront's origin access control, HTTPS, SPA fallback to /console/index.html", (name) => {
    const dists = ofType(name, "AWS::CloudFront::Distribution");
    expect(dists).toHaveLength(1);
    const d = dists[0]![1].Properties.DistributionConfig;
    expect(d.DefaultCacheBehavior.ViewerProtocolPolicy).toBe("redirect-to-https");
    expect(d.DefaultRootObject).toBe("console/index.html");
    expect(d.CustomErrorResponses).toEqual([
      { ErrorCode: 403, ResponseCode: 200, ResponsePagePath: "/console/index.html", ErrorCachingMinTTL: 0 },
      { ErrorCode: 404, ResponseCode: 200, ResponsePagePath: "/console/index.html", ErrorCachingMinTTL: 0 },
    ]);
    expect(d.Origins[0].OriginAccessControlId).toBeDefined();
    expect(ofType(name, "AWS::CloudFront::OriginAccessControl")).toHaveLength(1);
    const buckets = ofType(name, "AWS::S3::Bucket").map(([, b]) => b.Properties);
    for (const b of buckets) expect(b.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    // the bucket policy lets CloudFront (this distribution only) read
    const policies = JSON.stringify(ofType(name, "AWS::S3::BucketPolicy"));
    expect(policies).toContain("cloudfront.amazonaws.com");
    expect(policies).toContain("AWS:SourceArn");
  });

  it.each(["jwt-console", "cognito-console"])("%s: the build, config.json and openapi.json are deployed and invalidated", (name) => {
    const deployments = ofType(name, "Custom::CDKBucketDeployment").map(([, r]) => r.Properties);
    expect(deployments).toHaveLength(2);
    const [site, openapi] = deployments as [any, any];
    expect(site.DestinationBucketKeyPrefix).toBe("console/");
    expect(site.DistributionPaths).toEqual(["/console/*"]);
    expect(site.Prune).toBe(true);
    expect(openapi.DistributionPaths).toEqual(["/openapi.json"]);
    expect(openapi.Prune).toBe(false);
    // config.json's values resolve at deploy time: the API's endpoint and the sign-in
    const markers = JSON.stringify(site.SourceMarkers);
    expect(markers).toContain("ApiEndpoint");
  });

  it("jwt: the console signs in at the issuer with its own client; the API's CORS allows the distribution's origin beside the client's", () => {
    const api = ofType("jwt-console", "AWS::ApiGatewayV2::Api")[0]?.[1];
    const origins = JSON.stringify(api!.Properties.CorsConfiguration.AllowOrigins);
    expect(origins).toContain("https://ops.jwt-console.example.com");
    expect(origins).toContain("DomainName");
    expect(api!.Properties.CorsConfiguration.AllowHeaders).toContain("idempotency-key");
    const stack = out.stacks.find((s) => s.stackName === "Siyu-jwt-console")!;
    const config = stack.resolve(stack.console!.config);
    expect(config).toMatchObject({ auth: { kind: "oidc", authority: "https://issuer.test-brand.example.com", clientId: "siyu-console-spa", scopes: ["openid", "profile", "siyu/operator"] } });
    expect(JSON.stringify(config.apiUrl)).toContain("ApiEndpoint");
    expect(Object.keys(template("jwt-console").Outputs)).toEqual(expect.arrayContaining(["ConsoleUrl", "OpenApiUrl"]));
  });

  it("cognito: a public console client (code grant, no secret) whose callback and logout URLs are the console, with admin only because the client asks for it", () => {
    const clients = ofType("cognito-console", "AWS::Cognito::UserPoolClient").map(([, c]) => c.Properties);
    const consoleClient = clients.find((c) => c.ClientName === "siyu-console")!;
    expect(consoleClient.GenerateSecret).toBe(false);
    expect(consoleClient.AllowedOAuthFlows).toEqual(["code"]);
    expect(JSON.stringify(consoleClient.CallbackURLs)).toContain("DomainName");
    expect(JSON.stringify(consoleClient.LogoutURLs)).toContain("DomainName");
    expect(JSON.stringify(consoleClient.AllowedOAuthScopes)).toContain("/admin");
    const markers = JSON.stringify(ofType("cognito-console", "Custom::CDKBucketDeployment")[0]![1].Properties.SourceMarkers);
    expect(markers).toContain("ProviderURL");
  });

  it("cdk-nag: no unacknowledged finding, every acknowledgement with its reason", () => {
    expect(out.nag.map((f) => `${f.ruleName} ${f.paths.join(",")}`)).toEqual([]);
    const ours = out.acknowledgments.filter((a) => a.path.includes("/Console/") || a.path.includes("CDKBucketDeployment"));
    expect(ours.length).toBeGreaterThan(0);
    for (const a of ours) expect(a.reason.length, `${a.path} ${a.id}`).toBeGreaterThan(40);
  });
});

