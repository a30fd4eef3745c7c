export * from "./manifest.ts";
export * from "./environment.ts";
export * from "./discover.ts";
export * from "./queues.ts";
export * from "./routes.ts";
export * from "./fallback.ts";
export * from "./blobs.ts";
