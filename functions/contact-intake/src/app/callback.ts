import { sendCommand } from "@siyu/bus";
import { deterministicId, makeEvent } from "@siyu/kernel";
import type { RuntimeConfig } from "@siyu/lambda-kit";
import type { WecomEvent } from "@siyu/wecom";
import { welcomeRequestOf } from "../domain/callback.ts";

/**
 * Queue a verified callback: the whole event on the intake queue and, for an add with a WelcomeCode,
 * the welcome on its own lane, side by side (WeCom waits at most 5 s for the answer). Message ids follow
 * the callback's natural key, so a WeCom retry queues the same ids.
 */
export async function queueCallback(config: RuntimeConfig, now: Date, cb: { dedupeKey: string; xml: string; event: WecomEvent }): Promise<void> {
  const welcome = welcomeRequestOf(cb.event, cb.dedupeKey);
  const meta = (kind: string) => ({ corpId: config.corpId, occurredAt: now, id: deterministicId(kind, cb.dedupeKey) });
  await Promise.all([
    sendCommand(config.queueUrl("intake"), makeEvent("wecom.callback_received", { dedupeKey: cb.dedupeKey, xml: cb.xml, receivedAt: now.toISOString() }, meta("wecom-callback"))),
    welcome
      ? sendCommand(
          config.queueUrl("welcome"),
          makeEvent("wecom.welcome_requested", { ...welcome, state: welcome.state, createTime: welcome.createTime.toISOString() }, meta("wecom-welcome")),
        )
      : undefined,
  ]);
}
