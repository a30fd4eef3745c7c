import { afterEach, describe, expect, it, vi } from "vitest";
import type { LocalFunction } from "../src/functions.ts";
import type { PlatformLogger } from "../src/log.ts";
import { LocalScheduler } from "../src/scheduler.ts";

const quiet: PlatformLogger = { info() {}, warn() {}, error() {}, request() {} };

function fakeFunction() {
  const calls: unknown[] = [];
  const invoke = async (event: unknown) => {
    calls.push(event);
    return { ok: true };
  };
  const fn = { invoke } as unknown as LocalFunction;
  return { fn, calls };
}

const spec = (name: string, expression: string, timeZone?: string) => ({ name, handler: "src/x.ts", expression, timeoutSeconds: 60, description: "", timeZone });

afterEach(() => {
  vi.useRealTimers();
});

describe("local scheduler", () => {
  it("fires a cron schedule at its time in its timezone, with EventBridge Scheduler's input", async () => {
    vi.useFakeTimers({ now: new Date("2025-01-06T01:59:00Z") }); // Monday 09:59 in Shanghai
    const { fn, calls } = fakeFunction();
    const s = new LocalScheduler([{ service: "svc", spec: spec("morning", "cron(0 10 ? * 2-6 *)"), timeZone: "Asia/Shanghai", fn }], quiet);
    s.start();
    expect(s.list()[0]!.next).toBe("2025-01-06T02:00:00.000Z");
    await vi.advanceTimersByTimeAsync(59_000);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toEqual([{ schedule: "morning", scheduledTime: "2025-01-06T02:00:00Z" }]);
    expect(s.list()[0]!.next).toBe("2025-01-07T02:00:00.000Z");
    s.stop();
  });

  it("skips the weekend for a Monday-Friday schedule (EventBridge 2-6)", async () => {
    vi.useFakeTimers({ now: new Date("2025-01-10T03:00:00Z") }); // Friday, after 10:00 Shanghai
    const { fn, calls } = fakeFunction();
    const s = new LocalScheduler([{ service: "svc", spec: spec("morning", "cron(0 10 ? * 2-6 *)"), timeZone: "Asia/Shanghai", fn }], quiet);
    s.start();
    expect(s.list()[0]!.next).toBe("2025-01-13T02:00:00.000Z"); // Monday
    await vi.advanceTimersByTimeAsync(3 * 86_400_000);
    expect(calls).toHaveLength(1);
    s.stop();
  });

  it("fires rate schedules repeatedly and stops on stop()", async () => {
    vi.useFakeTimers({ now: new Date("2025-01-01T00:00:00Z") });
    const { fn, calls } = fakeFunction();
    const s = new LocalScheduler([{ service: "svc", spec: spec("tick", "rate(5 minutes)"), timeZone: "UTC", fn }], quiet);
    s.start();
    await vi.advanceTimersByTimeAsync(15 * 60_000);
    expect(calls).toHaveLength(3);
    s.stop();
    await vi.advanceTimersByTimeAsync(15 * 60_000);
    expect(calls).toHaveLength(3);
  });

  it("runs a schedule by hand and rejects unknown ones", async () => {
    const { fn, calls } = fakeFunction();
    const s = new LocalScheduler([{ service: "svc", spec: spec("tick", "rate(1 day)"), timeZone: "UTC", fn }], quiet);
    await expect(s.run("svc", "tick", new Date("2025-05-05T05:05:05.123Z"))).resolves.toEqual({ ok: true });
    expect(calls).toEqual([{ schedule: "tick", scheduledTime: "2025-05-05T05:05:05Z" }]);
    await expect(s.run("svc", "nope")).rejects.toThrow(/no schedule svc\/nope; known: svc\/tick/);
  });

  it("refuses a bad expression at start-up", () => {
    const { fn } = fakeFunction();
    expect(() => new LocalScheduler([{ service: "svc", spec: spec("bad", "cron(0 3 * * * *)"), timeZone: "UTC", fn }], quiet)).toThrow(/svc\/schedules\/bad/);
  });
});
