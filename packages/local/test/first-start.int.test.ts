import { describe, expect, it } from "vitest";
import { usePlatform } from "../../../test/support/platform.ts";
import { runFirstStart } from "../src/first-start.ts";

/** The dev start path on a real platform with the demo corp, as `pnpm dev` starts it (seed "demo"). */
const platform = await usePlatform({ services: ["contact-intake"], simulator: { seed: "demo" } });
const quiet = { info() {}, warn() {}, error() {}, request() {} };
const tags = async () => {
  const res = await fetch(`${platform.gatewayUrl}/v1/tags?limit=100`, { headers: { authorization: `Bearer ${platform.adminToken}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { total: number; items: { groupName: string; tags: { name: string }[] }[] };
};

describe("pnpm dev's first start on the demo corp", () => {
  it("fills Siyu's tag copy from the simulator, so GET /v1/tags is not empty", async () => {
    expect((await tags()).total).toBe(0);
    const [outcome] = await runFirstStart(platform, quiet);
    expect(outcome).toMatchObject({ service: "contact-intake", schedule: "tag-reconcile", ok: true, result: { added: 8, groupsAdded: 3, total: 8 } });
    const after = await tags();
    expect(after.total).toBe(8);
    expect(after.items.map((g) => g.groupName).sort()).toEqual(["兴趣", "客户等级", "来源渠道"].sort());
    // a restart with --persist runs it again: nothing changes
    expect((await runFirstStart(platform, quiet))[0]).toMatchObject({ ok: true, result: { added: 0, removed: 0, renamed: 0, total: 8 } });
  });
});
