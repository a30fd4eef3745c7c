import { type ChildProcess, fork } from "node:child_process";

/**
 * Fork `modulePath` (TypeScript, run with tsx) with `--child`, and resolve once it sends its first IPC
 * message `{ url }`: a benchmark's out-of-process part (WeCom, fauxqs) listening on that URL.
 */
export async function forkUntilListening(modulePath: string, what: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(modulePath, ["--child"], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`${what} exited (${code}) before it was ready`)));
    child.once("message", (m: { url?: string }) => (m.url ? resolve(m.url) : reject(new Error(`${what}: unexpected first message`))));
  });
  child.removeAllListeners("exit");
  return { child, url };
}

/** SIGTERM, and wait for the exit. */
export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
