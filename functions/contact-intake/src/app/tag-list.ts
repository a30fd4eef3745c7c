import { CORP_TAGS_MAX } from "../domain/tags.ts";
import { countCorpTags, listTagGroups } from "../store/tags.ts";

/** `GET /v1/tags`: a page of Siyu's copy of the corp tag list (groups with their tags), with the corp's total against WeCom's limit. */
export async function listTags(deps: { table: string }, opts: { limit: number; cursor?: string | undefined }) {
  const [page, total] = await Promise.all([listTagGroups(deps.table, opts), countCorpTags(deps.table)]);
  return { items: page.items, nextCursor: page.nextCursor ?? null, total, limit: CORP_TAGS_MAX };
}
