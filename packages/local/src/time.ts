/**
 * A timer that does not keep the process alive: for the losing side of a race (a time limit on
 * something that holds the process open itself), so a won race does not delay exit by the limit.
 */
export function unrefSleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
