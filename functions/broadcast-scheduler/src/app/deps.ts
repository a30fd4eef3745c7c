import type { Logger, RuntimeConfig } from "@siyu/lambda-kit";
import type { WecomClient } from "@siyu/wecom";

/** What every use case gets: the runtime config, WeCom (lazily), the clock and the logger. */
export interface Deps {
  config: RuntimeConfig;
  wecom: () => Promise<WecomClient>;
  now: () => Date;
  log: Logger;
  /** Rows per WeCom page (default and at most 1000; tests use small pages to follow `next_cursor`). */
  pageLimit?: number;
}

export const pageLimitOf = (deps: Pick<Deps, "pageLimit">, max = 1000): number => Math.min(max, deps.pageLimit ?? max);

/** A run key is `<campaignId>#<instant or now>`; campaign ids never hold `#`. */
export const campaignIdOf = (runKey: string): string => runKey.slice(0, runKey.indexOf("#"));
