import type { Logger, RuntimeConfig } from "@siyu/lambda-kit";
import type { WecomClient } from "@siyu/wecom";

/** The stack's file storage as moments use it (S3 in AWS, a local folder in `pnpm dev`). */
export interface Blobs {
  uploadUrl(r: { key: string; contentType: string; maxBytes: number }): Promise<{ url: string; method: "PUT"; headers: Record<string, string>; expiresAt: string }>;
  head(key: string): Promise<{ size: number; contentType: string } | undefined>;
  get(key: string): Promise<{ bytes: Uint8Array; contentType: string } | undefined>;
}

/** What every use case gets: the runtime config, WeCom (lazily), the app (for app messages), files, the clock and the logger. */
export interface Deps {
  config: RuntimeConfig;
  wecom: () => Promise<WecomClient>;
  app: () => Promise<{ client: WecomClient; agentId: number }>;
  blobs: () => Blobs;
  now: () => Date;
  log: Logger;
}
