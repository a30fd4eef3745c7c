/** What the answers of `/v1/moments` share: instants and the closed sets of the domain's types. */
import * as z from "zod";
import type { LimitReason } from "../../domain/plan.ts";
import type { PostState } from "../../domain/post.ts";
import type { RunState } from "../../domain/run.ts";

/** An ISO 8601 instant (the code's own are UTC, `…Z`; a schedule's `at` keeps the offset it was given). */
export const instant = (description: string) => z.string().meta({ description, format: "date-time" });

/** A closed set from a domain type, each value with what it means (the `Record` makes the list exhaustive). */
function described<T extends string>(values: Record<T, string>) {
  const keys = Object.keys(values) as [T, ...T[]];
  return z.enum(keys).meta({ description: keys.map((k) => `\`${k}\`: ${values[k]}`).join("; ") });
}

export const postStateSchema = described<PostState>({
  scheduled: "no run has been handed to WeCom yet (the post can be edited)",
  running: "a run was handed to WeCom",
  finished: "every run is over",
  cancelled: "cancelled by an operator",
});

export const runStateSchema = described<RunState>({
  planned: "waiting for its instant",
  preparing: "its media are being uploaded to WeCom",
  ready: "media uploaded, waiting for a slot of the corp-wide limiter",
  claimed: "add_moment_task is being called",
  submitted: "WeCom's job (jobid) is polled for its result",
  created: "the moment exists (momentId); staff publish it within the window",
  closed: "the window ended; results are collected for 7 days",
  failed: "WeCom or the media refused it (error)",
  expired: "WeCom gave no result for the job within 24 hours",
  missed: "the window ended before it could be sent",
  cancelled: "cancelled before it was sent",
});

export const limitReasonSchema = described<LimitReason>({
  "member-daily-limit": "a member would post more than 3 moments that day (WeCom's limit)",
  "customer-daily-limit": "customers could see more posts that day than the corp's setting allows",
});
