import type { LocalPlatform } from "@siyu/local";
import type { RuntimeConfig } from "@siyu/lambda-kit";
import { TokenCache, WecomClient } from "@siyu/wecom";

/**
 * A service's use cases in-process on a local platform (usually with pollers off): its runtime config
 * against the platform's table and queues, WeCom = the simulator through a real client, and the
 * simulator's clock as the service's clock — so a test moves time for both at once.
 */
export function inProcess(platform: LocalPlatform, service: string, extra: Partial<RuntimeConfig> = {}): { config: RuntimeConfig; wecom: WecomClient; now: () => Date } {
  const world = platform.simulator!.world;
  const config: RuntimeConfig = {
    service,
    client: "local",
    corpId: world.config.corpId,
    timeZone: world.config.timeZone,
    table: platform.tableName(service),
    topicArn: platform.topicArn,
    logLevel: "warn",
    maxBodyBytes: 1_000_000,
    callbackWindowSeconds: undefined,
    wecomBaseUrl: platform.simulatorUrl,
    wecomSecretArn: undefined,
    publicBaseUrl: undefined,
    env: {},
    queueUrl: (name) => platform.queueUrl(service, name),
    dlqUrl: (name) => platform.dlqUrl(service, name),
    queuePolicy: () => undefined,
    ...extra,
  };
  const wecom = new WecomClient({ corpId: world.config.corpId, secret: world.config.secret, baseUrl: platform.simulatorUrl!, clock: world.clock, tokenCache: new TokenCache() });
  return { config, wecom, now: () => world.clock.now() };
}
