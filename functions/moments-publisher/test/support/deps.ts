import type { Logger } from "@siyu/lambda-kit";
import { blobStore } from "@siyu/store";
import { inProcess } from "../../../../test/support/in-process.ts";
import type { Deps } from "../../src/app/deps.ts";
import { advanceRun } from "../../src/app/runs.ts";
import { dueRuns } from "../../src/store/posts.ts";

type LocalPlatform = Parameters<typeof inProcess>[0];
const SERVICE = "moments-publisher";
const quiet = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;

/**
 * moments-publisher's use cases in-process on a local platform (pollers off), on the simulator's
 * clock, with the platform's blob folder as its storage (written directly, as the gateway would).
 */
export function momentDeps(platform: LocalPlatform): Deps {
  const world = platform.simulator!.world;
  const ip = inProcess(platform, SERVICE, {
    blobs: { mode: "local", dir: platform.blobDir, uploadUrl: `${platform.gatewayUrl}/_local/blobs`, secret: "in-process", prefix: `${SERVICE}/`, maxBytes: 10 * 1024 * 1024 },
  });
  return {
    config: ip.config,
    wecom: async () => ip.wecom,
    app: async () => ({ client: ip.wecom, agentId: Number(world.config.agentId) }),
    blobs: () => blobStore(ip.config),
    now: ip.now,
    log: quiet,
  };
}

/**
 * The per-minute `due` job and the runs queue, in one, on the simulator's clock: the runs due before
 * the next tick, each advanced at its own instant (the job delays each message to it), those due at
 * the same instant concurrently, as the consumers would. Returns how many runs were advanced.
 */
export async function playMinute(platform: LocalPlatform, deps: Deps): Promise<number> {
  const world = platform.simulator!.world;
  const start = world.clock.nowMs();
  const due = await dueRuns(deps.config.table, new Date(start + 60_000 - 1));
  const byInstant = new Map<number, typeof due>();
  for (const d of due) {
    const t = Math.max(start, Date.parse(d.dueAt));
    byInstant.set(t, [...(byInstant.get(t) ?? []), d]);
  }
  for (const t of [...byInstant.keys()].sort((a, b) => a - b)) {
    world.clock.advance(Math.max(0, t - world.clock.nowMs()));
    await Promise.all(byInstant.get(t)!.map((d) => advanceRun(deps, d.postId, d.at)));
  }
  return due.length;
}
