/**
 * Follow WeCom's `next_cursor` to the last page (wecom-services §A: the anchors that stop at the first
 * page lose every row past it). `onPage` may answer "stop" when it has what it needs.
 */
export async function eachPage<P extends { next_cursor?: string | undefined }>(
  fetch: (cursor: string | undefined) => Promise<P>,
  onPage: (page: P) => unknown,
  maxPages = 10_000,
): Promise<number> {
  let cursor: string | undefined;
  for (let n = 1; n <= maxPages; n++) {
    const page = await fetch(cursor);
    if ((await onPage(page)) === "stop") return n;
    cursor = page.next_cursor || undefined;
    if (!cursor) return n;
  }
  throw new Error(`more than ${maxPages} pages`);
}
