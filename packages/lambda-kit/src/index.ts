export * from "./runtime-env.ts";
export * from "./config.ts";
export * from "./logger.ts";
export * from "./problem.ts";
export * from "./routing.ts";
export * from "./http.ts";
export * from "./sqs.ts";
export * from "./job.ts";
