/** Path-template matching shared by the HTTP wrapper (and usable by any gateway emulation). */
export interface RouteLike {
  method: string;
  path: string;
}

function matchTemplate(template: string, path: string): Record<string, string> | undefined {
  const t = template.split("/");
  const p = path.split("/");
  if (t.length !== p.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const seg = t[i]!;
    const actual = p[i]!;
    if (seg.startsWith("{") && seg.endsWith("}")) {
      if (actual === "") return undefined;
      try {
        params[seg.slice(1, -1)] = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
    } else if (seg !== actual) return undefined;
  }
  return params;
}

export type RouteMatch<R> = { kind: "match"; route: R; params: Record<string, string> } | { kind: "method-not-allowed"; allow: string[] } | { kind: "not-found" };

/** Find the route for a method and path; literal segments win over parameters. */
export function matchRoute<R extends RouteLike>(routes: readonly R[], method: string, path: string): RouteMatch<R> {
  const candidates = routes
    .map((route) => ({ route, params: matchTemplate(route.path, path) }))
    .filter((c): c is { route: R; params: Record<string, string> } => c.params !== undefined)
    // prefer templates with more literal segments (e.g. /v1/tags/sync over /v1/tags/{id})
    .sort((a, b) => Object.keys(a.params).length - Object.keys(b.params).length);
  if (candidates.length === 0) return { kind: "not-found" };
  const hit = candidates.find((c) => c.route.method === method);
  if (hit) return { kind: "match", route: hit.route, params: hit.params };
  return { kind: "method-not-allowed", allow: [...new Set(candidates.map((c) => c.route.method))].sort() };
}
