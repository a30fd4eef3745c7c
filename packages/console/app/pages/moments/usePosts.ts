/** Reading the post list for the calendar: every page (newest first), up to a bound. */
import { api } from "../../api/client";
import type { MomentPost } from "../../api/moments";
import { unwrap } from "../../api/problem";

/** The calendar reads at most this many posts (a corp posting 3 a day has ~90 a month). */
export const CALENDAR_MAX_POSTS = 500;

export async function allPosts(): Promise<MomentPost[]> {
  const out: MomentPost[] = [];
  let cursor: string | undefined;
  do {
    const page = unwrap(await api.GET("/v1/moments", { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } }));
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && out.length < CALENDAR_MAX_POSTS);
  return out;
}
