export * from "./client.ts";
export * from "./keys.ts";
export * from "./errors.ts";
export * from "./writes.ts";
export * from "./pages.ts";
export * from "./idempotency.ts";
export * from "./batch.ts";
