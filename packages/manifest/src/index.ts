export * from "./manifest.ts";
export * from "./environment.ts";
export * from "./discover.ts";
