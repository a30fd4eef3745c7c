import type { RuntimeConfig } from "@siyu/lambda-kit";
import { wecomRuntime, type WecomRuntime } from "@siyu/wecom";

/** This function's way to WeCom (credentials from Secrets Manager in AWS, env/dev values locally). */
export function wecomFor(config: RuntimeConfig): WecomRuntime {
  return wecomRuntime({ secretArn: config.wecomSecretArn, baseUrl: config.wecomBaseUrl, env: config.env });
}
