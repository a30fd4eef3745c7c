/**
 * The OpenAPI 3.1 document of Siyu's HTTP API, built from what the code itself declares, so it cannot
 * drift: each service manifest's routes (method, path, auth) and each route's own zod schemas (path,
 * query, body; zod 4's JSON Schema output), plus the `doc` a route adds (a body the domain parses, the
 * success answer, extra problem statuses). Every error answer is an RFC 9457 problem.
 */

import { ROUTE_SCOPES, type ServiceManifest } from "@siyu/manifest";
import { toJSONSchema, type z } from "zod";
import type { RouteHandler } from "./http.ts";

type Json = Record<string, unknown>;

export interface DocumentedService {
  manifest: ServiceManifest;
  /** The http handler's route table (`handler.routes`), when the service has HTTP routes. */
  routes?: Readonly<Record<string, RouteHandler>>;
}

const PROBLEM_TITLES: Record<number, string> = {
  400: "The request is not valid (every failing field in `errors`)",
  401: "No valid token",
  403: "The token lacks the scope",
  404: "Not found",
  409: "Conflict with the current state",
  413: "The body is too large",
  415: "Unsupported media type",
  422: "The request cannot be carried out as asked",
  429: "Too many requests",
  500: "Internal error",
};

/** JSON Schema of a zod schema as the client sends it (input side: defaults optional, transforms before). */
function schemaOf(schema: z.ZodType): Json {
  const { $schema: _s, ...rest } = toJSONSchema(schema, { io: "input", unrepresentable: "any", target: "draft-2020-12" }) as Json;
  return rest;
}

/** A route input is "anything" when its zod schema is z.unknown()/z.any(): the domain parses it. */
const isOpen = (j: Json) => Object.keys(j).length === 0;

function parametersOf(route: { path: string }, h: RouteHandler | undefined): Json[] {
  const out: Json[] = [];
  const pathNames = [...route.path.matchAll(/\{([A-Za-z][A-Za-z0-9]*)\}/g)].map((m) => m[1]!);
  const params = h?.options.params ? schemaOf(h.options.params) : undefined;
  const props = (params?.properties ?? {}) as Record<string, Json>;
  for (const name of pathNames) out.push({ name, in: "path", required: true, schema: props[name] ?? { type: "string" } });
  if (h?.options.query) {
    const q = schemaOf(h.options.query);
    const required = new Set((q.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((q.properties ?? {}) as Record<string, Json>)) {
      out.push({ name, in: "query", required: required.has(name), schema });
    }
  }
  return out;
}

function requestBodyOf(h: RouteHandler | undefined): Json | undefined {
  if (!h) return undefined;
  const o = h.options;
  if (o.body === "text") {
    const types = o.accepts?.length ? o.accepts : ["text/plain"];
    return { required: false, content: Object.fromEntries(types.map((t) => [t, { schema: { type: "string" } }])) };
  }
  const declared = o.doc?.requestBody ?? o.body;
  if (!declared) return undefined;
  const schema = schemaOf(declared);
  return { required: true, content: { "application/json": { schema: isOpen(schema) ? { type: "object" } : schema } } };
}

const problemResponse = (status: number) => ({
  description: PROBLEM_TITLES[status] ?? "A problem",
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

const humanize = (name: string) => name.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/^./, (c) => c.toUpperCase());

/**
 * Build the document.
 *
 * @example
 * openApiDocument([{ manifest, routes: handler.routes }], { title: "Siyu API", version: "0.1.0" })
 */
export function openApiDocument(services: readonly DocumentedService[], info: { title: string; version: string; description?: string; servers?: readonly { url: string; description?: string }[] }): Json {
  const paths: Record<string, Record<string, Json>> = {};
  const tags: Json[] = [];
  for (const s of services) {
    const routes = s.manifest.http?.routes ?? [];
    if (routes.length === 0) continue;
    tags.push({ name: s.manifest.name, description: s.manifest.description });
    for (const r of routes) {
      const h = s.routes?.[r.name];
      const doc = h?.options.doc;
      const status = doc?.response?.status ?? 200;
      const problems = new Set<number>([400, 500, ...(r.auth === "public" ? [] : [401, 403]), ...(r.path.includes("{") ? [404] : []), ...(h?.options.body ? [413, 415] : []), ...(doc?.problems ?? [])]);
      const responseSchema = doc?.response?.schema ? schemaOf(doc.response.schema) : { type: "object" };
      const operation: Json = {
        operationId: r.name,
        tags: [s.manifest.name],
        summary: doc?.summary ?? humanize(r.name),
        ...(doc?.description ? { description: doc.description } : {}),
        parameters: parametersOf(r, h),
        ...(requestBodyOf(h) ? { requestBody: requestBodyOf(h) } : {}),
        responses: {
          [String(status)]: {
            description: doc?.response?.description ?? "OK",
            ...(status === 204 ? {} : { content: { [doc?.response?.contentType ?? "application/json"]: { schema: responseSchema } } }),
          },
          ...Object.fromEntries([...problems].sort().map((p) => [String(p), problemResponse(p)])),
        },
        security: r.auth === "public" ? [] : [{ bearer: [...ROUTE_SCOPES[r.auth]] }],
      };
      paths[r.path] = { ...paths[r.path], [r.method.toLowerCase()]: operation };
    }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: info.title,
      version: info.version,
      description: info.description ?? "Siyu's HTTP API, generated from the services' manifests and their routes' schemas.",
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
    },
    servers: info.servers ?? [{ url: "http://127.0.0.1:3000", description: "pnpm dev" }],
    tags,
    paths,
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "A JWT from the client's issuer (locally: the dev issuer); its scopes (`siyu/admin`, `siyu/operator`) open the routes." },
      },
      schemas: {
        Problem: {
          type: "object",
          description: "RFC 9457 problem details",
          required: ["type", "title", "status"],
          properties: {
            type: { type: "string" },
            title: { type: "string" },
            status: { type: "integer" },
            detail: { type: "string" },
            instance: { type: "string" },
            requestId: { type: "string" },
            errors: {
              type: "array",
              description: "One entry per failing field. `code` and its figures say which schema rule failed (absent for a domain rule), so a client can word the error in its own language.",
              items: {
                type: "object",
                required: ["path", "message"],
                properties: {
                  path: { type: "string", description: "e.g. `body.staff.0.userId`" },
                  message: { type: "string" },
                  code: { type: "string", description: "zod's issue code: too_small, too_big, invalid_type, invalid_format, invalid_value, unrecognized_keys, …" },
                  minimum: { type: "number" },
                  maximum: { type: "number" },
                  origin: { type: "string", description: "what the bound counts: string (characters), array (items), number, date, …" },
                  expected: { type: "string" },
                  format: { type: "string" },
                },
              },
            },
          },
        },
      },
    },
  };
}
