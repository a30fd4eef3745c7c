/**
 * Where a verified callback goes: the whole event to the intake queue, and an add's welcome, which has
 * a WeCom deadline (the WelcomeCode dies 20 s after the add), to a lane of its own (ARCHITECTURE.md
 * "Deadlines first").
 */
import type { WecomEvent } from "@siyu/wecom";

/** An add that carries a WelcomeCode, as the callback route hands it to the welcome lane. */
interface WelcomeRequest {
  /** The add callback's natural key: one welcome attempt per add. */
  addKey: string;
  userId: string;
  externalUserId: string;
  state?: string | undefined;
  welcomeCode: string;
  createTime: Date;
}

/**
 * The welcome lane's work for a callback, or undefined. Any add or confirmation that carries a
 * WelcomeCode goes there at once (the code dies 20 s after the add); the intake consumer, which does
 * the rest of the add and may lag under a burst, only records `no-code` for adds without one.
 */
export function welcomeRequestOf(event: WecomEvent, addKey: string): WelcomeRequest | undefined {
  if (event.kind !== "change_external_contact") return undefined;
  if (event.changeType !== "add_external_contact" && event.changeType !== "add_half_external_contact") return undefined;
  if (!event.welcomeCode) return undefined;
  return { addKey, userId: event.userId, externalUserId: event.externalUserId, state: event.state, welcomeCode: event.welcomeCode, createTime: event.createTime };
}

