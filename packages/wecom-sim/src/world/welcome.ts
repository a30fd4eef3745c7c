import { ERR, limitError, WecomError } from "../errors.ts";
import type { SimWorld } from "./world.ts";

/** The welcome_code lives 20 s (wecom-reference §4). */
export const WELCOME_CODE_TTL_MS = 20_000;
const MAX_TEXT_BYTES = 4000;
const MAX_ATTACHMENTS = 9;

interface IssuedWelcomeCode {
  code: string;
  userid: string;
  externalUserId: string;
  issuedAt: number;
  usedAt?: number;
}

/** A welcome message WeCom accepted (`GET /_sim/welcome-messages`). */
export interface WelcomeDelivery {
  welcomeCode: string;
  userid: string;
  externalUserId: string;
  text?: string;
  attachments: unknown[];
  addedAt: string;
  sentAt: string;
  /** Sim-clock milliseconds between the add event and this send. */
  delayMs: number;
}

export class WelcomeMessages {
  private readonly codes = new Map<string, IssuedWelcomeCode>();
  readonly delivered: WelcomeDelivery[] = [];
  constructor(private readonly w: SimWorld) {}

  issue(userid: string, externalUserId: string): IssuedWelcomeCode {
    const code: IssuedWelcomeCode = { code: this.w.ids.welcomeCode(), userid, externalUserId, issuedAt: this.w.clock.nowMs() };
    this.codes.set(code.code, code);
    return code;
  }

  send(welcomeCode: string | undefined, text: string | undefined, attachments: unknown[]): WelcomeDelivery {
    if (!welcomeCode) throw new WecomError(ERR.MISSING_WELCOME_CODE);
    const issued = this.codes.get(welcomeCode);
    if (!issued) throw new WecomError(ERR.INVALID_WELCOME_CODE, "unknown welcome_code");
    const now = this.w.clock.nowMs();
    const ageMs = now - issued.issuedAt;
    if (issued.usedAt !== undefined) {
      throw limitError(ERR.ALREADY_CHATTING, "welcome.single-use", "the welcome_code was already used", {
        userid: issued.userid,
        externalUserId: issued.externalUserId,
        usedAt: new Date(issued.usedAt).toISOString(),
      });
    }
    if (ageMs > WELCOME_CODE_TTL_MS) {
      throw limitError(ERR.INVALID_WELCOME_CODE, "welcome.window-20s", `the welcome_code is ${ageMs} ms old (valid ${WELCOME_CODE_TTL_MS} ms)`, {
        userid: issued.userid,
        externalUserId: issued.externalUserId,
        ageMs,
      });
    }
    if (!text && attachments.length === 0) throw new WecomError(ERR.EMPTY_TEXT, "text and attachments are both empty");
    if (text !== undefined && Buffer.byteLength(text, "utf8") > MAX_TEXT_BYTES) {
      throw limitError(ERR.INVALID_PARAMETER, "welcome.text-4000-bytes", `text is ${Buffer.byteLength(text, "utf8")} bytes (max ${MAX_TEXT_BYTES})`);
    }
    if (attachments.length > MAX_ATTACHMENTS) {
      throw limitError(ERR.INVALID_PARAMETER, "welcome.max-9-attachments", `${attachments.length} attachments (max ${MAX_ATTACHMENTS})`);
    }
    issued.usedAt = now;
    const rel = this.w.customers.relation(issued.userid, issued.externalUserId);
    if (rel) rel.chatted = true;
    const delivery: WelcomeDelivery = {
      welcomeCode,
      userid: issued.userid,
      externalUserId: issued.externalUserId,
      attachments,
      addedAt: new Date(issued.issuedAt).toISOString(),
      sentAt: new Date(now).toISOString(),
      delayMs: ageMs,
      ...(text !== undefined ? { text } : {}),
    };
    this.delivered.push(delivery);
    this.w.activity.record({ at: now, kind: "message_sent", userid: issued.userid, externalUserId: issued.externalUserId });
    return delivery;
  }
}
