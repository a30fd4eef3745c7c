import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ensureConsoleBuilt } from "@siyu/local/console";
import { type LoadedService, loadServices } from "@siyu/manifest";
import { type App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks, ServerlessChecks } from "cdk-nag";
import { type ClientConfig, ClientConfigError, loadClientConfig, loadClientConfigs } from "./client-config.ts";
import type { CodeMode } from "./functions.ts";
import { SiyuStack } from "./siyu-stack.ts";

export interface BuildAppOptions {
  /** Repository root (holds pnpm-lock.yaml; every function entry must be under it). */
  repoRoot: string;
  /** Where the client files are. Default `<repoRoot>/infra/clients`. */
  clientsDir?: string;
  /** Root whose `functions/<name>/service.ts` are the services. Default `repoRoot`. */
  servicesRoot?: string;
  /** Use these (already validated) clients instead of reading `clientsDir`. */
  clients?: ClientConfig[];
  /** Only this client (the `client` context, `-c client=<name>`). Default: every client file. */
  client?: string;
  /** Default `bundle`. */
  code?: CodeMode;
  /** See `SiyuStackProps.fallbackEntry`. */
  fallbackEntry?: string | null;
  /**
   * The console's build for clients with `console.enabled`. Default: packages/console/dist, built
   * first when missing or older than its sources.
   */
  consoleDist?: string;
  /** Attach cdk-nag's AwsSolutions and Serverless checks (default true). */
  nag?: boolean;
}

export function stackName(client: ClientConfig): string {
  return `Siyu-${client.name}`;
}

/** One stack per client; stacks share nothing. */
export async function buildApp(app: App, opts: BuildAppOptions): Promise<SiyuStack[]> {
  const clientsDir = opts.clientsDir ?? join(opts.repoRoot, "infra", "clients");
  let clients: ClientConfig[];
  if (opts.clients) {
    clients = opts.clients;
  } else if (opts.client) {
    if (!/^[a-z][a-z0-9-]*$/.test(opts.client)) throw new ClientConfigError(`-c client=${opts.client}: not a client name`);
    const file = join(clientsDir, `${opts.client}.json`);
    if (!existsSync(file)) {
      const known = existsSync(clientsDir) ? readdirSync(clientsDir).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)) : [];
      throw new ClientConfigError(`-c client=${opts.client}: no client file ${file} (clients: ${known.join(", ") || "none"})`);
    }
    clients = [loadClientConfig(file, opts.repoRoot)];
  } else {
    clients = loadClientConfigs(clientsDir, opts.repoRoot);
  }

  const services: LoadedService[] = await loadServices(opts.servicesRoot ?? opts.repoRoot);
  if (opts.consoleDist === undefined && clients.some((c) => c.console.enabled)) await ensureConsoleBuilt(opts.repoRoot);
  const stacks = clients.map(
    (client) =>
      new SiyuStack(app, stackName(client), {
        stackName: stackName(client),
        client,
        services,
        repoRoot: opts.repoRoot,
        code: opts.code,
        fallbackEntry: opts.fallbackEntry,
        ...(opts.consoleDist ? { consoleDist: opts.consoleDist } : {}),
        env: { account: client.env.account ?? process.env["CDK_DEFAULT_ACCOUNT"], region: client.env.region ?? process.env["CDK_DEFAULT_REGION"] },
      }),
  );
  if (opts.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return stacks;
}
