import { describe, expect, it } from "vitest";
import type { PlatformLogger } from "../src/log.ts";
import { Teardown } from "../src/teardown.ts";

const quiet = (errors: string[] = []): PlatformLogger => ({ info() {}, warn() {}, error: (m) => void errors.push(m), request() {} });

describe("Teardown", () => {
  it("stops in its fixed order whatever the order things started in, once, past a failing step", async () => {
    const errors: string[] = [];
    const t = new Teardown(quiet(errors));
    const ran: string[] = [];
    // the order startLocalPlatform registers them in
    for (const step of ["DynamoDB Local", "fauxqs", "process env", "SDK clients", "running handlers", "gateway (accepting)", "gateway", "WeCom simulator", "scheduler", "pollers"] as const) {
      t.add(step, () => {
        ran.push(step);
        if (step === "gateway") throw new Error("boom");
      });
    }
    await t.run();
    await t.run();
    expect(ran).toEqual(["scheduler", "pollers", "gateway (accepting)", "running handlers", "gateway", "WeCom simulator", "SDK clients", "process env", "fauxqs", "DynamoDB Local"]);
    expect(errors).toEqual(["close: stopping gateway failed"]);
  });

  it("runs only what was registered (a start that failed half-way)", async () => {
    const t = new Teardown(quiet());
    const ran: string[] = [];
    t.add("fauxqs", () => void ran.push("fauxqs"));
    t.add("DynamoDB Local", async () => void ran.push("dynamo"));
    await t.run();
    expect(ran).toEqual(["fauxqs", "dynamo"]);
    expect(() => t.add("fauxqs", () => {})).not.toThrow();
    expect(() => t.add("fauxqs", () => {})).toThrow("registered twice");
  });
});
