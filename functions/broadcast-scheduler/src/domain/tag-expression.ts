/**
 * WeCom's `tag_filter` semantics (wecom-reference §7): OR within a tag group, AND across groups.
 * Siyu adds exclusion tags (`noneOf`), which WeCom's filter cannot express and which always win.
 */
import type { TagExpression } from "./audience-types.ts";

/**
 * Whether tags satisfy every group of `allOf` (any one tag of each). An absent expression or an
 * empty `allOf` matches everyone; an empty inner group matches no one (no tag can satisfy it).
 * @example matchesAllOf(["vip", "bj"], { allOf: [["vip", "svip"], ["bj", "sh"]], noneOf: [] }) // true
 */
export function matchesAllOf(tagIds: readonly string[], expr: TagExpression | undefined): boolean {
  if (!expr) return true;
  const has = new Set(tagIds);
  return expr.allOf.every((group) => group.some((t) => has.has(t)));
}

/**
 * Whether tags carry one of the exclusion tags.
 * @example hasExcludedTag(["churned"], { allOf: [], noneOf: ["churned"] }) // true
 */
export function hasExcludedTag(tagIds: readonly string[], expr: TagExpression | undefined): boolean {
  if (!expr || expr.noneOf.length === 0) return false;
  const excluded = new Set(expr.noneOf);
  return tagIds.some((t) => excluded.has(t));
}
