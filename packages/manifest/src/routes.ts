import { type RouteSpec, routeKey, routeShape, type ServiceManifest } from "./manifest.ts";

/**
 * Who owns which route of the one HTTP API every service of a stack shares. Infra builds the API's
 * routes and the local gateway matches requests from the same answer.
 */

export class RouteConflictError extends Error {
  override name = "RouteConflictError";
}

/**
 * Every route key (`GET /v1/x/{id}`) of these services with the service that declares it, in
 * declaration order. Throws a RouteConflictError when a route's shape is already taken: two
 * services (or one, twice) may not answer the same requests.
 * @example [...routeOwners(services.map((s) => s.manifest)).keys()] // what the `$default` fallback knows
 */
export function routeOwners(manifests: readonly Pick<ServiceManifest, "name" | "http">[]): Map<string, string> {
  const owners = new Map<string, string>();
  const byShape = new Map<string, { key: string; service: string }>();
  for (const m of manifests) {
    for (const route of m.http?.routes ?? ([] as RouteSpec[])) {
      const key = routeKey(route);
      const taken = byShape.get(routeShape(route));
      if (taken) {
        const as = taken.key === key ? "" : ` (as "${taken.key}")`;
        throw new RouteConflictError(`route "${key}" is declared by both ${taken.service}${as} and ${m.name}`);
      }
      byShape.set(routeShape(route), { key, service: m.name });
      owners.set(key, m.name);
    }
  }
  return owners;
}
