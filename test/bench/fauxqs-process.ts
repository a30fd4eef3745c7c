/**
 * fauxqs (SQS + SNS) in a process of its own for benchmarks: in AWS, SQS and SNS are services, so the
 * platform process should not serve every queue request in its own event loop.
 */
import { fileURLToPath } from "node:url";
import { startFauxqsServer } from "@siyu/local/services";
import { forkUntilListening, stopChild } from "./child-process.ts";

export async function startFauxqsProcess(): Promise<{ endpoint: string; pid: number; close(): Promise<void> }> {
  const { child, url } = await forkUntilListening(fileURLToPath(import.meta.url), "fauxqs process");
  return { endpoint: url, pid: child.pid!, close: () => stopChild(child) };
}

if (process.argv.includes("--child")) {
  const server = await startFauxqsServer();
  process.on("SIGTERM", () => void server.stop().then(() => process.exit(0)));
  process.send!({ url: server.endpoint });
}
