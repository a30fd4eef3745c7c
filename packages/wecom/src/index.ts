export * from "./crypto.ts";
export * from "./events.ts";
