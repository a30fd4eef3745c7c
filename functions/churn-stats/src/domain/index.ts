/** The churn-stats domain: pure functions, no I/O. See docs/definitions.md. */
export * from "./facts.ts";
export * from "./episodes.ts";
export * from "./counters.ts";
export * from "./deltas.ts";
export * from "./recompute.ts";
export * from "./corrections.ts";
export * from "./cohorts.ts";
export * from "./errors.ts";
export * from "./query.ts";
export * from "./series.ts";
export * from "./read-plan.ts";
export * from "./csv.ts";
export * from "./alerts.ts";
export * from "./reconcile.ts";
export * from "./settings.ts";
