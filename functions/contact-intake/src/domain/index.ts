/** The pure domain layer of contact-intake. See README.md in this folder. */
export * from "./caps.ts";
export * from "./channel.ts";
export * from "./customers.ts";
export * from "./eligibility.ts";
export * from "./events.ts";
export * from "./limits.ts";
export * from "./rotation.ts";
export * from "./schedule.ts";
export * from "./tags.ts";
export * from "./transfer.ts";
export * from "./welcome.ts";
