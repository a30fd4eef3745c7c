export * from "./ids.ts";
export * from "./clock.ts";
export * from "./days.ts";
export * from "./events.ts";
export * from "./problem.ts";
export * from "./domain-errors.ts";
export * from "./csv.ts";
