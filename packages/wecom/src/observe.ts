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
