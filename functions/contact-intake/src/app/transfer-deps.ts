
import type { Logger, RuntimeConfig } from "@siyu/lambda-kit";
import type { WecomClient } from "@siyu/wecom";


export interface TransferDeps {
  config: RuntimeConfig;
  wecom: () => Promise<WecomClient>;
  now: () => Date;
  log: Logger;
}

