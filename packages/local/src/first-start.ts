import type { PlatformLogger } from "./log.ts";
import type { LocalPlatform } from "./platform.ts";

/**
 * What `pnpm dev` runs once when the platform is up, so a fresh platform looks like a deployed one
 * the morning after: jobs whose daily run fills state the API shows. Each is a schedule of a service
 * manifest, run through the platform's scheduler as `cli.ts trigger <service>/<schedule>` does.
 */
export const FIRST_START_SCHEDULES: readonly { service: string; schedule: string; why: string }[] = [
  { service: "contact-intake", schedule: "tag-reconcile", why: "fill Siyu's copy of the corp tag list from WeCom (GET /v1/tags)" },
];

export type FirstStartOutcome =
  | { service: string; schedule: string; ok: true; ms: number; result: unknown }
  | { service: string; schedule: string; ok: false; ms: number; error: string };

/**
 * Run every first-start schedule of the services this platform runs, one after another. A failure is
 * logged and reported, not thrown: the platform stays up (WeCom may be unreachable with
 * `--no-simulator`), and the schedule can be run again by hand.
 */
export async function runFirstStart(platform: Pick<LocalPlatform, "services" | "runSchedule">, log: PlatformLogger): Promise<FirstStartOutcome[]> {
  const out: FirstStartOutcome[] = [];
  for (const { service, schedule, why } of FIRST_START_SCHEDULES) {
    if (!platform.services.includes(service)) continue;
    const started = Date.now();
    try {
      const result = await platform.runSchedule(service, schedule);
      out.push({ service, schedule, ok: true, ms: Date.now() - started, result });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      log.warn(`first start: ${service}/${schedule} (to ${why}) failed: ${error}; run it again with \`pnpm exec tsx packages/local/src/cli.ts trigger ${service}/${schedule}\``);
      out.push({ service, schedule, ok: false, ms: Date.now() - started, error });
    }
  }
  return out;
}
