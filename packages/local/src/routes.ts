import type { AuthMode } from "@siyu/manifest";

/**
 * Route matching as API Gateway HTTP API does it for the routes a manifest declares: path templates
 * with `{param}` segments (one whole segment each; `{proxy+}` is not used), the most specific route
 * winning (a literal segment beats a parameter, left to right).
 */

export interface RouteEntry {
  service: string;
  method: string;
  /** The manifest path, e.g. `/v1/_probe/{probeId}`. */
  path: string;
  auth: AuthMode;
  name: string;
}

interface CompiledRoute extends RouteEntry {
  segments: ({ literal: string } | { param: string })[];
}

export type RouteMatch =
  | { kind: "match"; route: RouteEntry; pathParameters: Record<string, string> }
  | { kind: "method-not-allowed"; allow: string[] }
  | { kind: "not-found" };

export class RouteTable {
  private readonly routes: CompiledRoute[];

  constructor(routes: RouteEntry[]) {
    this.routes = routes.map((r) => ({ ...r, segments: splitPath(r.path).map(compileSegment) }));
  }

  get all(): readonly RouteEntry[] {
    return this.routes;
  }

  /** Match a request. `rawPath` is the path as received (percent-encoded), without query string. */
  match(method: string, rawPath: string): RouteMatch {
    const segments = splitPath(rawPath);
    const candidates: { route: CompiledRoute; params: Record<string, string> }[] = [];
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments);
      if (params) candidates.push({ route, params });
    }
    if (candidates.length === 0) return { kind: "not-found" };
    const upper = method.toUpperCase();
    const forMethod = candidates.filter((c) => c.route.method === upper);
    if (forMethod.length === 0) {
      const allow = [...new Set(candidates.map((c) => c.route.method))].sort();
      return { kind: "method-not-allowed", allow };
    }
    forMethod.sort((a, b) => compareSpecificity(a.route, b.route));
    const best = forMethod[0]!;
    const { segments: _s, ...route } = best.route;
    return { kind: "match", route, pathParameters: best.params };
  }
}

function splitPath(path: string): string[] {
  if (path === "/" || path === "") return [];
  return path.replace(/^\//, "").split("/");
}

function compileSegment(segment: string): { literal: string } | { param: string } {
  const m = /^\{([A-Za-z][A-Za-z0-9]*)\}$/.exec(segment);
  return m ? { param: m[1]! } : { literal: segment };
}

function matchSegments(route: CompiledRoute["segments"], actual: string[]): Record<string, string> | null {
  if (route.length !== actual.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < route.length; i++) {
    const want = route[i]!;
    const got = actual[i]!;
    if ("literal" in want) {
      if (safeDecode(got) !== want.literal) return null;
    } else {
      if (got === "") return null;
      params[want.param] = safeDecode(got);
    }
  }
  return params;
}

/** Negative when `a` is more specific than `b`: the first differing segment decides, literal first. */
function compareSpecificity(a: CompiledRoute, b: CompiledRoute): number {
  for (let i = 0; i < Math.min(a.segments.length, b.segments.length); i++) {
    const la = "literal" in a.segments[i]! ? 0 : 1;
    const lb = "literal" in b.segments[i]! ? 0 : 1;
    if (la !== lb) return la - lb;
  }
  return 0;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
