/**
 * moments-publisher's domain errors. The HTTP edge maps each to a status and a problem type; a
 * consumer parks them at once (the same input fails the same way every time).
 */
import { DomainError } from "@siyu/kernel";

export { DomainError, InvalidInput } from "@siyu/kernel";

/** The post has started (a run was sent to WeCom) or finished: its definition can no longer change. */
export class PostStarted extends DomainError {
  constructor(readonly postId: string, readonly state: string) {
    super(`the moment post ${postId} is ${state}: it can no longer be changed`);
  }
}

/** Planning refused some occurrences (a member's 3-a-day limit, the customers' per-day setting). */
export class PlanRefused extends DomainError {
  constructor(readonly refused: readonly { at: string; reason: string; detail: string }[]) {
    super(`${refused.length} scheduled post(s) would break WeCom's or the corp's daily limits: ${refused.map((r) => `${r.at} ${r.detail}`).join("; ")}`);
  }
}
