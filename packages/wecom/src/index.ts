export * from "./crypto.ts";
export * from "./events.ts";
export * from "./errors.ts";
export * from "./limits.ts";
export * from "./token.ts";
export * from "./types.ts";
export * from "./client.ts";
export * from "./credentials.ts";
