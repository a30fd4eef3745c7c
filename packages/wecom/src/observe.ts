/**
 * Told of every errcode WeCom answers (after the client's own busy and token retries): the functions
 * count them as metrics. Its own module (`@siyu/wecom/observe`), so a function that only observes
 * does not bundle the client.
 */
export type WecomErrorObserver = (api: string, errcode: number) => void;

let observer: WecomErrorObserver | undefined;

/** One observer per process (lambda-kit counts `WecomErrors` by errcode); `undefined` removes it. */
export function observeWecomErrors(fn: WecomErrorObserver | undefined): void {
  observer = fn;
}

export function notifyWecomError(api: string, errcode: number): void {
  observer?.(api, errcode);
}

/**
 * One HTTP exchange with WeCom as it ended (each busy or token retry is its own exchange): the
 * functions turn it into an X-Ray subsegment. `url` has no query string (it carries the token).
 */
export interface WecomCall {
  api: string;
  method: "GET" | "POST";
  url: string;
  startMs: number;
  endMs: number;
  /** The HTTP status, when an answer came. */
  status?: number;
  /** WeCom's errcode, when the answer was a JSON object (0: done). */
  errcode?: number;
  /** How the exchange failed without a WeCom answer: `timeout`, `network` or `response` (not JSON, HTTP error). */
  failure?: "timeout" | "network" | "response";
}

export type WecomCallObserver = (call: WecomCall) => void;

let callObserver: WecomCallObserver | undefined;

/** One call observer per process (lambda-kit sends X-Ray subsegments); `undefined` removes it. */
export function observeWecomCalls(fn: WecomCallObserver | undefined): void {
  callObserver = fn;
}

export function notifyWecomCall(call: WecomCall): void {
  callObserver?.(call);
}
