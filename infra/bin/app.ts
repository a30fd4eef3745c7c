import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { App } from "aws-cdk-lib";
import { buildApp } from "../lib/build-app.ts";
import { ClientConfigError } from "../lib/client-config.ts";

/**
 * The CDK app: one stack per `infra/clients/*.json` (or only `-c client=<name>`), named `Siyu-<name>`.
 * Run through the root `cdk.json` (`pnpm synth`, `pnpm cdk deploy -c client=<name>`).
 */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const app = new App();
const client = app.node.tryGetContext("client") as string | undefined;
/** `-c clientsDir=<dir>` (relative to the repository root): client files kept elsewhere, e.g. a private repo. */
const clientsDir = app.node.tryGetContext("clientsDir") as string | undefined;

try {
  await buildApp(app, { repoRoot, client: client || undefined, clientsDir: clientsDir ? resolve(repoRoot, clientsDir) : undefined });
} catch (error) {
  if (error instanceof ClientConfigError) {
    console.error(`Invalid client configuration:\n${error.message}`);
    process.exit(1);
  }
  throw error;
}
app.synth();
