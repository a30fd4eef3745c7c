import type { SimWorld } from "./world.ts";

/**
 * A call WeCom would reject (or silently not honour) because of a limit or frequency rule.
 * Recorded only in strict mode; `GET /_sim/violations` lists them.
 */
export interface Violation {
  seq: number;
  at: string;
  /** API path below /cgi-bin/ (e.g. `externalcontact/send_welcome_msg`), or `client:<action>`. */
  api: string;
  errcode: number;
  /** Stable rule id, e.g. `welcome.window-20s`. */
  rule: string;
  detail: Record<string, unknown>;
}

export class ViolationLog {
  readonly entries: Violation[] = [];
  constructor(private readonly w: SimWorld) {}

  record(api: string, errcode: number, rule: string, detail: Record<string, unknown>): void {
    if (!this.w.config.strict) return;
    this.entries.push({ seq: this.entries.length + 1, at: this.w.clock.now().toISOString(), api, errcode, rule, detail });
  }
}
