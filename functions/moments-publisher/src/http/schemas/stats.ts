/** `GET /v1/moments/{postId}/stats` (`postStats` in app/posts.ts, the run results of domain/results.ts). */
import * as z from "zod";
import { instant, runStateSchema } from "./common.ts";

const count = (description: string) => z.number().int().meta({ description });
const rate = (description: string) => z.number().meta({ description: `${description}, over the reached customers (0 when none), 4 decimals` });

export const staffResultSchema = z.object({
  userId: z.string(),
  published: z.boolean(),
  reached: count("Customers the member's post could reach"),
  likes: count("Likes by customers"),
  comments: count("Comments by customers"),
  losses: count("Reached customers who deleted the member within 7 days of the run"),
});

export const runResultsSchema = z.object({
  at: instant("The run's instant"),
  state: runStateSchema,
  momentId: z.string().nullable(),
  staffPublished: count("Staff who published"),
  staffTotal: count("Staff asked to publish"),
  reached: count("Customers reached"),
  likes: count("Likes"),
  comments: count("Comments"),
  losses: count("Losses among the reached customers within 7 days"),
  interactionRate: rate("(likes + comments) / reached"),
  lossRate: rate("losses / reached"),
  invalidSenders: z.array(z.string()).meta({ description: "Sender user ids WeCom refused" }),
  invalidTags: z.array(z.string()).meta({ description: "Customer tags WeCom refused" }),
  staff: z.array(staffResultSchema),
});

export const postStatsSchema = z.object({
  postId: z.string(),
  name: z.string(),
  totals: z.object({
    runs: count("The post's runs"),
    runsWithResults: count("Runs whose results were collected"),
    staffPublished: count("Staff who published, over the runs with results"),
    staffTotal: count("Staff asked to publish, over the runs with results"),
    reached: count("Customers reached"),
    likes: count("Likes"),
    comments: count("Comments"),
    losses: count("Losses within 7 days"),
    interactionRate: rate("(likes + comments) / reached"),
    lossRate: rate("losses / reached"),
  }),
  runs: z.array(runResultsSchema).meta({ description: "The runs with results (collected at the window's close, then daily for 7 days)" }),
});
