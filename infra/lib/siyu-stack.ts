import { join } from "node:path";
import { FALLBACK_FUNCTION, fallbackEnvironment, type LoadedService, resolveFallbackEntry, routeKey, routeOwners } from "@siyu/manifest";
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Tags, Validations } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import * as apigwv2 from "aws-cdk-lib/aws-apigatewayv2";
import { HttpJwtAuthorizer, HttpUserPoolAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cognito from "aws-cdk-lib/aws-cognito";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as logs from "aws-cdk-lib/aws-logs";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { notifyingAlarm } from "./alarms.ts";
import { BlobStorage } from "./blobs.ts";
import type { ClientConfig } from "./client-config.ts";
import { ConsoleHosting } from "./console.ts";
import { type CodeMode, SiyuFunction } from "./functions.ts";
import type { Platform } from "./platform.ts";
import { ServiceConstruct } from "./service-construct.ts";

export interface SiyuStackProps extends StackProps {
  client: ClientConfig;
  /** The services to deploy (`loadServices(root)`), each with its manifest and folder. */
  services: LoadedService[];
  /** Repository root: esbuild's working directory (every entry must be under it). */
  repoRoot: string;
  /** Default `bundle`; `inline` only for fast template tests. */
  code?: CodeMode;
  /**
   * Handler for requests no route matches (`$default`, public). Default: `packages/lambda-kit/src/fallback.ts`
   * when that file exists; `null` for none.
   */
  fallbackEntry?: string | null;
  /** The console's build when `console.enabled` (default `<repoRoot>/packages/console/dist`). */
  consoleDist?: string;
}

export class SiyuStack extends Stack {
  readonly services: ServiceConstruct[] = [];
  readonly platform: Platform;
  /** The hosted console when `console.enabled`. */
  readonly console: ConsoleHosting | undefined;
  /** What the console signs in with (set by the authorizer built for the client's auth). */
  private consoleSignIn: { authority: string; clientId: string } | undefined;

  constructor(scope: Construct, id: string, props: SiyuStackProps) {
    super(scope, id, {
      description: `Siyu SCRM for ${props.client.name} (WeCom corp ${props.client.corpId})`,
      ...props,
    });
    const { client } = props;
    const removalPolicy = client.removalPolicy === "destroy" ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    Tags.of(this).add("siyu:client", client.name);

    // --- encryption key for the topics --------------------------------------------------------------
    const key = new kms.Key(this, "TopicKey", {
      description: `Siyu ${client.name}: SSE of the domain-event and alarm topics`,
      enableKeyRotation: true,
      removalPolicy,
      pendingWindow: Duration.days(7),
    });
    // CloudWatch alarms publish to the encrypted alarm topic (AWS managed keys cannot grant this)
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "CloudWatchAlarmsPublishToEncryptedTopic",
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["kms:Decrypt", "kms:GenerateDataKey"],
        resources: ["*"],
        conditions: { StringEquals: { "aws:SourceAccount": this.account } },
      }),
    );

    // --- topics -----------------------------------------------------------------------------------------
    const topic = new sns.Topic(this, "DomainEvents", {
      displayName: `Siyu ${client.name} domain events`,
      masterKey: key,
      enforceSSL: true,
    });
    const alarmTopic = new sns.Topic(this, "Alarms", {
      displayName: `Siyu ${client.name} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    // what SNS cannot deliver to a subscriber (a queue's policy or key, the alarm email) waits here 14 days
    const undeliverable = new sqs.Queue(this, "Undeliverable", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    for (const id of ["AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy"]) {
      Validations.of(undeliverable).acknowledge({ id, reason: "This queue is itself the dead-letter queue of every SNS subscription of the stack." });
    }
    alarmTopic.addSubscription(new subscriptions.EmailSubscription(client.alarmEmail, { deadLetterQueue: undeliverable }));
    notifyingAlarm(this, "UndeliverableAlarm", {
      client: client.name,
      description: "domain events or alarms SNS could not deliver (in the Undeliverable queue)",
      metric: undeliverable.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 0,
      topic: alarmTopic,
    });

    // --- operators' console (before the API: its origin joins the API's CORS) ----------------------------
    this.console = client.console.enabled
      ? new ConsoleHosting(this, "Console", {
          client,
          removalPolicy,
          distDir: props.consoleDist ?? join(props.repoRoot, "packages", "console", "dist"),
          openApiFile: join(props.repoRoot, "docs", "openapi.json"),
        })
      : undefined;
    const corsOrigins = this.console ? [...client.corsOrigins, this.console.origin] : client.corsOrigins;

    // --- HTTP API ---------------------------------------------------------------------------------------
    const api = new apigwv2.HttpApi(this, "Api", {
      apiName: `siyu-${client.name}`,
      description: `Siyu ${client.name}: WeCom callbacks, landing pages and the operators' API`,
      createDefaultStage: false,
      corsPreflight:
        corsOrigins.length > 0
          ? {
              allowOrigins: corsOrigins,
              allowMethods: [
                apigwv2.CorsHttpMethod.GET,
                apigwv2.CorsHttpMethod.POST,
                apigwv2.CorsHttpMethod.PUT,
                apigwv2.CorsHttpMethod.PATCH,
                apigwv2.CorsHttpMethod.DELETE,
              ],
              allowHeaders: ["authorization", "content-type", "idempotency-key"],
              exposeHeaders: ["location", "x-request-id"],
              maxAge: Duration.hours(1),
            }
          : undefined,
    });
    const accessLogs = new logs.LogGroup(this, "ApiAccessLogs", {
      retention: client.logRetentionDays as logs.RetentionDays,
      removalPolicy,
    });
    const stage = new apigwv2.HttpStage(this, "ApiStage", {
      httpApi: api,
      stageName: "$default",
      autoDeploy: true,
      throttle: { rateLimit: client.throttling.rateLimit, burstLimit: client.throttling.burstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: "$context.requestId",
            ip: "$context.identity.sourceIp",
            requestTime: "$context.requestTime",
            routeKey: "$context.routeKey",
            status: "$context.status",
            responseLength: "$context.responseLength",
            latencyMs: "$context.responseLatency",
            integrationError: "$context.integrationErrorMessage",
            authorizerError: "$context.authorizer.error",
            clientId: "$context.authorizer.claims.client_id",
            sub: "$context.authorizer.claims.sub",
          }),
        ),
      },
    });
    const apiBaseUrl = api.apiEndpoint;

    const authorizer = client.auth.cognito ? this.cognitoAuthorizer(client, removalPolicy) : this.jwtAuthorizer(client);

    const wecomSecret = secretsmanager.Secret.fromSecretNameV2(this, "WecomSecret", client.wecomSecretName);

    // one HTTP API for every service: a route belongs to one service only (checked before anything is built)
    const routeKeys = [...routeOwners(props.services.map((s) => s.manifest)).keys()];
    // --- blob storage (only when a service uploads media) ------------------------------------------------
    const blobs = props.services.some((s) => s.manifest.blobs) ? new BlobStorage(this, "Blobs", { client, removalPolicy, corsOrigins }) : undefined;
    if (blobs) new CfnOutput(this, "BlobBucketName", { value: blobs.bucket.bucketName, description: "Uploaded media (each service under <service>/)" });

    this.platform = {
      client,
      removalPolicy,
      code: props.code ?? "bundle",
      repoRoot: props.repoRoot,
      key,
      topic,
      alarmTopic,
      undeliverable,
      api,
      apiBaseUrl,
      authorizer,
      wecomSecret,
      wecomSecretPolicyArn: this.formatArn({
        service: "secretsmanager",
        resource: "secret",
        resourceName: `${client.wecomSecretName}-??????`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
      blobBucket: blobs?.bucket,
    };

    // --- services -----------------------------------------------------------------------------------------
    for (const service of props.services) {
      this.services.push(new ServiceConstruct(this, service.manifest.name, { service, platform: this.platform }));
    }

    // --- unmatched routes -----------------------------------------------------------------------------------
    const fallbackEntry = resolveFallbackEntry(props.repoRoot, props.fallbackEntry);
    if (fallbackEntry) this.addFallback(fallbackEntry, routeKeys);

    // public routes (anyone can call them): tighter throttling than the stage's default
    const publicKeys = props.services.flatMap((s) => (s.manifest.http?.routes ?? []).filter((r) => r.auth === "public").map(routeKey));
    if (fallbackEntry) publicKeys.push("$default");
    // RouteSettings is a JSON map in the L1: its values are written as CloudFormation spells them
    const limits = { ThrottlingRateLimit: client.throttling.publicRateLimit, ThrottlingBurstLimit: client.throttling.publicBurstLimit };
    (stage.node.defaultChild as apigwv2.CfnStage).routeSettings = Object.fromEntries(publicKeys.map((k) => [k, limits]));

    new CfnOutput(this, "ApiUrl", { value: apiBaseUrl, description: "Base URL of the HTTP API" });
    if (this.console) {
      const signIn = client.auth.jwt ? { authority: client.auth.jwt.issuer, clientId: client.console.clientId! } : this.consoleSignIn!;
      this.console.deploy({ apiUrl: apiBaseUrl, auth: { kind: "oidc", ...signIn, scopes: client.console.scopes } });
      new CfnOutput(this, "ConsoleUrl", { value: this.console.url, description: "The operators' console (also its OIDC redirect URI)" });
      new CfnOutput(this, "OpenApiUrl", { value: `${this.console.origin}/openapi.json`, description: "The API's OpenAPI 3.1 document" });
    }
    new CfnOutput(this, "DomainEventsTopicArn", { value: topic.topicArn });
    new CfnOutput(this, "AlarmTopicArn", { value: alarmTopic.topicArn });
    new CfnOutput(this, "WecomCallbackHint", {
      value: `${apiBaseUrl}/wecom/callback`,
      description: "WeCom app callback URL (when contact-intake is deployed); agentId " + client.agentId,
    });
  }

  private jwtAuthorizer(client: ClientConfig): apigwv2.IHttpRouteAuthorizer {
    const jwt = client.auth.jwt!;
    return new HttpJwtAuthorizer("JwtAuthorizer", jwt.issuer, {
      authorizerName: "siyu-jwt",
      jwtAudience: jwt.audience,
      identitySource: ["$request.header.Authorization"],
    });
  }

  /** A user pool with resource server `siyu` (scopes admin, operator), a machine client, and a console client. */
  private cognitoAuthorizer(client: ClientConfig, removalPolicy: RemovalPolicy): apigwv2.IHttpRouteAuthorizer {
    const conf = client.auth.cognito!;
    const pool = new cognito.UserPool(this, "UserPool", {
      userPoolName: `siyu-${client.name}`,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
    Validations.of(pool).acknowledge({
      id: "AwsSolutions-COG8",
      reason:
        "Plus feature plan (threat protection) is billed per MAU; operators sign in with MFA required and a 12-character password policy, machine clients use client credentials. Switch featurePlan to PLUS if the brand requires it.",
    });
    const admin = new cognito.ResourceServerScope({ scopeName: "admin", scopeDescription: "Administer Siyu (all operator rights, plus configuration)" });
    const operator = new cognito.ResourceServerScope({ scopeName: "operator", scopeDescription: "Operate Siyu: contacts, broadcasts, moments, live codes" });
    const server = pool.addResourceServer("ResourceServer", { identifier: "siyu", userPoolResourceServerName: "Siyu API", scopes: [admin, operator] });
    const domain = pool.addDomain("Domain", { cognitoDomain: { domainPrefix: conf.domainPrefix } });

    const machine = pool.addClient("MachineClient", {
      userPoolClientName: "siyu-machine",
      generateSecret: true,
      authFlows: {},
      oAuth: {
        flows: { clientCredentials: true },
        scopes: [cognito.OAuthScope.resourceServer(server, admin), cognito.OAuthScope.resourceServer(server, operator)],
      },
      accessTokenValidity: Duration.hours(1),
      preventUserExistenceErrors: true,
    });
    const clients: cognito.IUserPoolClient[] = [machine];
    const hosted = this.console ? [this.console.url] : [];
    if (conf.callbackUrls.length > 0 || hosted.length > 0) {
      const consoleClient = pool.addClient("ConsoleClient", {
        userPoolClientName: "siyu-console",
        generateSecret: false,
        authFlows: { userSrp: true },
        oAuth: {
          flows: { authorizationCodeGrant: true },
          scopes: [
            cognito.OAuthScope.OPENID,
            cognito.OAuthScope.EMAIL,
            cognito.OAuthScope.PROFILE,
            cognito.OAuthScope.resourceServer(server, operator),
            // every console user gets what the client allows: admin only when the client file asks for it
            ...(client.console.scopes.includes("siyu/admin") ? [cognito.OAuthScope.resourceServer(server, admin)] : []),
          ],
          callbackUrls: [...conf.callbackUrls, ...hosted],
          logoutUrls: conf.logoutUrls.length > 0 || hosted.length > 0 ? [...conf.logoutUrls, ...hosted] : undefined,
        },
        accessTokenValidity: Duration.hours(1),
        refreshTokenValidity: Duration.days(7),
        preventUserExistenceErrors: true,
      });
      clients.push(consoleClient);
      this.consoleSignIn = { authority: pool.userPoolProviderUrl, clientId: consoleClient.userPoolClientId };
      new CfnOutput(this, "ConsoleClientId", { value: consoleClient.userPoolClientId });
    }
    new CfnOutput(this, "UserPoolId", { value: pool.userPoolId });
    new CfnOutput(this, "MachineClientId", { value: machine.userPoolClientId });
    new CfnOutput(this, "TokenUrl", { value: `${domain.baseUrl()}/oauth2/token`, description: "OAuth2 token endpoint (client credentials: scope siyu/admin or siyu/operator)" });

    return new HttpUserPoolAuthorizer("CognitoAuthorizer", pool, {
      authorizerName: "siyu-cognito",
      userPoolClients: clients,
      identitySource: ["$request.header.Authorization"],
    });
  }

  /** `$default`: a public route answering unmatched requests with the kit's 404 problem+json. */
  private addFallback(entry: string, routeKeys: string[]): void {
    const { client } = this.platform;
    const fallback = new SiyuFunction(this, "Fallback", {
      entry,
      description: `Siyu: ${FALLBACK_FUNCTION.description}`,
      memoryMb: FALLBACK_FUNCTION.memoryMb,
      timeoutSeconds: FALLBACK_FUNCTION.timeoutSeconds,
      environment: fallbackEnvironment({ client: client.name, corpId: client.corpId, timeZone: client.timeZone, logLevel: client.logLevel }, routeKeys),
      logRetentionDays: client.logRetentionDays,
      removalPolicy: this.platform.removalPolicy,
      tracing: client.tracing,
      code: this.platform.code,
      projectRoot: this.platform.repoRoot,
      reservedConcurrency: client.publicConcurrency ?? undefined,
    });
    const route = new apigwv2.HttpRoute(this, "DefaultRoute", {
      httpApi: this.platform.api,
      routeKey: apigwv2.HttpRouteKey.DEFAULT,
      integration: new HttpLambdaIntegration("FallbackIntegration", fallback.fn),
    });
    Validations.of(route).acknowledge({
      id: "AwsSolutions-APIG4",
      reason: "$default only answers unmatched requests with a 404 problem+json; it reads and writes nothing.",
    });
  }
}

