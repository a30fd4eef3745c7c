import type { Clock } from "@siyu/kernel";

/**
 * The simulator's clock: a base clock (the system clock, or the one passed in options) plus an
 * offset that `POST /_sim/clock {advanceMs}` moves forward. Every time rule (token expiry, the
 * welcome-code window, transfer completion, frequency periods) reads this clock.
 */
export class SimClock implements Clock {
  private offsetMs = 0;
  constructor(private readonly base: Clock) {}

  now(): Date {
    return new Date(this.nowMs());
  }
  nowMs(): number {
    return this.base.now().getTime() + this.offsetMs;
  }
  /** Unix seconds, as WeCom returns times. */
  nowSec(): number {
    return Math.floor(this.nowMs() / 1000);
  }
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError("the simulator clock only moves forward");
    this.offsetMs += ms;
  }
  get offset(): number {
    return this.offsetMs;
  }
  resetOffset(): void {
    this.offsetMs = 0;
  }
}
