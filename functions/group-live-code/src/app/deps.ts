import type { Logger, RuntimeConfig } from "@siyu/lambda-kit";
import type { WecomClient } from "@siyu/wecom";

/** What every use case gets: the runtime config, WeCom (lazily), the clock and the logger. */
export interface Deps {
  config: RuntimeConfig;
  wecom: () => Promise<WecomClient>;
  /** The app's client and agent id, for app messages (alerts). */
  app: () => Promise<{ client: WecomClient; agentId: number }>;
  now: () => Date;
  log: Logger;
}
