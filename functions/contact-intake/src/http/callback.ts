import { AppError } from "@siyu/kernel";
import { type HttpRequest, route } from "@siyu/lambda-kit";
import { CallbackError, openCallback, parseCallbackEvent, type ReplayWindow, verifyUrl, type WecomEvent, wecomFor } from "@siyu/wecom";
import * as z from "zod";
import { queueCallback } from "../app/callback.ts";

/** WeCom's callback endpoint. Verify, decrypt, parse, queue, answer 200: no other work inline (WeCom waits ≤ 5 s). */
const signedQuery = z.object({ msg_signature: z.string().min(1), timestamp: z.string().regex(/^\d+$/), nonce: z.string().min(1) });

/** Callback failures as problems; nothing is stored or queued for any of them. */
function callbackProblem(error: CallbackError): AppError {
  switch (error.code) {
    case "bad-signature":
      return new AppError(401, "callback-signature-invalid", "Callback signature does not verify", error.message);
    case "bad-receive-id":
      return new AppError(403, "callback-wrong-corp", "Callback is for another corp", error.message);
    case "too-large":
      return new AppError(413, "payload-too-large", "Callback body too large", error.message);
    case "timestamp-out-of-window":
      // correctly signed, but not sent now: a replay (or a sender whose clock is far off)
      return new AppError(401, "callback-timestamp-out-of-window", "Callback timestamp is outside the replay window", error.message);
    default:
      return new AppError(400, "callback-invalid", "Callback could not be decrypted or parsed", error.message);
  }
}

/**
 * The signed `timestamp` is WeCom's send time, so it is checked against this function's own clock
 * (real time, in AWS and locally alike); the simulator stamps callbacks with real time too, whatever
 * its world clock says, as WeCom's servers do.
 */
function replayWindow(req: Pick<HttpRequest<unknown, unknown, unknown>, "clock" | "config">): ReplayWindow {
  return { now: req.clock.now(), windowSeconds: req.config.callbackWindowSeconds };
}

export const verifyCallback = route({ query: signedQuery.extend({ echostr: z.string().min(1) }) }, async (req) => {
  const keys = await wecomFor(req.config).callbackKeys();
  try {
    // WeCom wants the plain echostr only: no quotes, no BOM, no newline
    return { status: 200, text: verifyUrl(keys, req.query, replayWindow(req)), contentType: "text/plain; charset=utf-8" };
  } catch (error) {
    if (error instanceof CallbackError) throw callbackProblem(error);
    throw error;
  }
});

export const receiveCallback = route(
  // any media type: WeCom's clients differ, and the body proves itself cryptographically
  { query: signedQuery, body: "text" },
  async (req) => {
    const keys = await wecomFor(req.config).callbackKeys();
    let xml: string;
    let event: WecomEvent;
    try {
      xml = openCallback(keys, req.query, req.body, { maxBodyBytes: req.config.maxBodyBytes, ...replayWindow(req) });
      event = parseCallbackEvent(xml);
    } catch (error) {
      if (error instanceof CallbackError) throw callbackProblem(error);
      throw error;
    }
    await queueCallback(req.config, req.clock.now(), { dedupeKey: event.dedupeKey, xml, event });
    return { status: 200, text: "", contentType: "text/plain; charset=utf-8" };
  },
);
