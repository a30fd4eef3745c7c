import { type DomainEvent, makeEvent } from "@siyu/kernel";
import type { Logger, RuntimeConfig } from "@siyu/lambda-kit";
import { DEV_WECOM_CREDENTIALS } from "@siyu/wecom";
import { inProcess } from "../../../../test/support/in-process.ts";
import type { usePlatform } from "../../../../test/support/platform.ts";
import type { Deps } from "../../src/app/deps.ts";

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } as unknown as Logger;

/**
 * The service's use cases in-process on a local platform (pollers off), with the simulator's clock as
 * the service's clock, so a test can move time for both at once.
 */
export function depsOn(platform: Awaited<ReturnType<typeof usePlatform>>, opts: { pageLimit?: number } = {}): Deps & { config: RuntimeConfig } {
  const { config, wecom, now } = inProcess(platform, "broadcast-scheduler", { client: "test", maxBodyBytes: 512 * 1024 });
  return { config, wecom: async () => wecom, now, log: quiet, ...(opts.pageLimit ? { pageLimit: opts.pageLimit } : {}) };
}

/** A contact event as contact-intake would publish it. */
export function contactEvent<T extends DomainEvent["type"]>(type: T, data: DomainEvent<T>["data"], at: Date): DomainEvent<T> {
  return makeEvent(type, data, { corpId: DEV_WECOM_CREDENTIALS.corpId, occurredAt: at });
}
