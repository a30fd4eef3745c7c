import { describe, expect, it } from "vitest";
import { FIRST_START_SCHEDULES, runFirstStart } from "../src/first-start.ts";
import type { PlatformLogger } from "../src/log.ts";

function logger() {
  const warnings: string[] = [];
  const log: PlatformLogger = { info() {}, warn: (m) => warnings.push(m), error() {}, request() {} };
  return { log, warnings };
}

describe("runFirstStart (what `pnpm dev` runs once the platform is up)", () => {
  it("runs contact-intake's tag-reconcile schedule and reports its result", async () => {
    expect(FIRST_START_SCHEDULES.map((s) => `${s.service}/${s.schedule}`)).toContain("contact-intake/tag-reconcile");
    const runs: string[] = [];
    const platform = {
      services: ["probe", "contact-intake"],
      runSchedule: async (service: string, name: string) => {
        runs.push(`${service}/${name}`);
        return { added: 8, removed: 0 };
      },
    };
    const { log, warnings } = logger();
    const out = await runFirstStart(platform, log);
    expect(runs).toEqual(["contact-intake/tag-reconcile"]);
    expect(out).toEqual([{ service: "contact-intake", schedule: "tag-reconcile", ok: true, ms: expect.any(Number), result: { added: 8, removed: 0 } }]);
    expect(warnings).toEqual([]);
  });

  it("skips services the platform does not run (pnpm dev --services probe)", async () => {
    const runs: string[] = [];
    const out = await runFirstStart({ services: ["probe"], runSchedule: async (s, n) => void runs.push(`${s}/${n}`) }, logger().log);
    expect(runs).toEqual([]);
    expect(out).toEqual([]);
  });

  it("reports a failing schedule and says how to run it again, without throwing (the platform stays up)", async () => {
    const { log, warnings } = logger();
    const out = await runFirstStart(
      {
        services: ["contact-intake"],
        runSchedule: async () => {
          throw new Error("externalcontact/get_corp_tag_list network error: connect ECONNREFUSED");
        },
      },
      log,
    );
    expect(out).toEqual([{ service: "contact-intake", schedule: "tag-reconcile", ok: false, ms: expect.any(Number), error: expect.stringContaining("ECONNREFUSED") }]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("trigger contact-intake/tag-reconcile");
  });
});
