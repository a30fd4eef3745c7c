import { putLost } from "../store/posts.ts";
import type { Deps } from "./deps.ts";

/** A customer deleted a member (`contact.lost`): kept as a loss fact for the 7-day losses of the posts that reached them. */
export async function recordLoss(deps: Pick<Deps, "config">, f: { userId: string; externalUserId: string; lostAt: string }): Promise<void> {
  await putLost(deps.config.table, f);
}
