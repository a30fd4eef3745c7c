import type { RuntimeConfig } from "@siyu/lambda-kit";
import { type WecomClient, wecomRuntime } from "@siyu/wecom";

/** This function's way to WeCom (credentials from Secrets Manager in AWS, env/dev values locally). */
export function wecomFor(config: RuntimeConfig) {
  const runtime = wecomRuntime({ secretArn: config.wecomSecretArn, baseUrl: config.wecomBaseUrl, env: config.env });
  return {
    client: (): Promise<WecomClient> => runtime.client(),
    /** The client and the app's agent id (app messages are sent as the app). */
    async app(): Promise<{ client: WecomClient; agentId: number }> {
      const [client, creds] = await Promise.all([runtime.client(), runtime.credentials()]);
      return { client, agentId: Number(creds.agentId) };
    },
  };
}
