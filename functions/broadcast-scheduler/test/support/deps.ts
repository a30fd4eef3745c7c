import { type DomainEvent, makeEvent } from "@siyu/kernel";
import type { Logger, RuntimeConfig } from "@siyu/lambda-kit";
import { DEV_WECOM_CREDENTIALS, TokenCache, WecomClient } from "@siyu/wecom";
import type { usePlatform } from "../../../../test/support/platform.ts";
import type { Deps } from "../../src/app/deps.ts";

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } as unknown as Logger;

/**
 * The service's use cases in-process on a local platform (pollers off), with the simulator's clock as
 * the service's clock, so a test can move time for both at once.
 */
export function depsOn(platform: Awaited<ReturnType<typeof usePlatform>>, opts: { pageLimit?: number } = {}): Deps & { config: RuntimeConfig } {
  const world = platform.simulator!.world;
  const service = "broadcast-scheduler";
  const config = {
    service,
    client: "test",
    corpId: DEV_WECOM_CREDENTIALS.corpId,
    timeZone: "Asia/Shanghai",
    table: platform.tableName(service),
    topicArn: platform.topicArn,
    logLevel: "warn",
    maxBodyBytes: 512 * 1024,
    callbackWindowSeconds: undefined,
    wecomBaseUrl: platform.simulatorUrl,
    wecomSecretArn: undefined,
    publicBaseUrl: undefined,
    env: {},
    queueUrl: (name: string) => platform.queueUrl(service, name),
    dlqUrl: (name: string) => platform.dlqUrl(service, name),
    queuePolicy: () => undefined,
  } satisfies RuntimeConfig;
  const client = new WecomClient({
    corpId: DEV_WECOM_CREDENTIALS.corpId,
    secret: DEV_WECOM_CREDENTIALS.secret,
    baseUrl: platform.simulatorUrl!,
    clock: world.clock,
    tokenCache: new TokenCache(),
  });
  return { config, wecom: async () => client, now: () => world.clock.now(), log: quiet, ...(opts.pageLimit ? { pageLimit: opts.pageLimit } : {}) };
}

/** A contact event as contact-intake would publish it. */
export function contactEvent<T extends DomainEvent["type"]>(type: T, data: DomainEvent<T>["data"], at: Date): DomainEvent<T> {
  return makeEvent(type, data, { corpId: DEV_WECOM_CREDENTIALS.corpId, occurredAt: at });
}
