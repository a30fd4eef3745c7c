import * as z from "zod";
import { ERR, limitError, WecomError } from "../errors.ts";
import type { Method } from "../router.ts";
import type { SimWorld } from "../world/world.ts";

/** A request body as bytes, for a route that is not JSON (a multipart upload). */
export interface RawBody {
  contentType: string | undefined;
  /** At most the server's upload cap; `size` counts every byte sent. */
  bytes: Buffer;
  size: number;
}

/** What a WeCom API handler gets. `body` is the parsed JSON body ({} for GET); a `rawBody` route gets `raw` instead. */
interface ApiContext {
  world: SimWorld;
  /** Path below /cgi-bin/, e.g. `externalcontact/add_contact_way`. */
  api: string;
  query: URLSearchParams;
  body: unknown;
  raw?: RawBody;
}

/** Returns the response fields besides errcode/errmsg (`{ errcode: 0, errmsg: "ok", ...result }`). */
export type ApiHandler = (ctx: ApiContext) => Record<string, unknown> | Promise<Record<string, unknown>>;

export interface ApiRoute {
  method: Method;
  /** Below /cgi-bin/. */
  path: string;
  /** Needs a valid access_token (everything but gettoken). */
  auth: boolean;
  /** The body is not JSON: the handler reads `raw` (e.g. multipart/form-data). */
  rawBody?: true;
  handler: ApiHandler;
}

export const get = (path: string, handler: ApiHandler, auth = true): ApiRoute => ({ method: "GET", path, auth, handler });
export const post = (path: string, handler: ApiHandler, auth = true): ApiRoute => ({ method: "POST", path, auth, handler });
/** A POST whose body the handler reads as bytes (`raw`). */
export const postRaw = (path: string, handler: ApiHandler): ApiRoute => ({ method: "POST", path, auth: true, rawBody: true, handler });

/** Validate a body against a zod schema; failures are WeCom's 40058 (invalid parameter). */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.map(String).join(".") || "(body)"}: ${i.message}`).join("; ");
  throw new WecomError(ERR.INVALID_PARAMETER, issues);
}

/** A paging `limit` with WeCom's default and maximum; above the maximum is a recorded limit violation. */
export function limitOf(value: number | undefined, def: number, max: number, rule: string): number {
  if (value === undefined || value === 0) return def;
  if (value < 0 || !Number.isInteger(value)) throw new WecomError(ERR.INVALID_PARAMETER, `limit must be a positive integer`);
  if (value > max) throw limitError(ERR.INVALID_PARAMETER, rule, `limit ${value} is above the maximum ${max}`, { limit: value, max });
  return value;
}

/** Offset cursors: opaque to callers, `next_cursor` is "" on the last page. */
export function page<T>(items: readonly T[], cursor: string | undefined, limit: number): { items: T[]; next_cursor: string } {
  let offset = 0;
  if (cursor) {
    const decoded = Number(Buffer.from(cursor, "base64url").toString("utf8").replace(/^o:/, ""));
    if (!Number.isInteger(decoded) || decoded < 0) throw new WecomError(ERR.INVALID_CURSOR, "invalid cursor");
    offset = decoded;
  }
  const slice = items.slice(offset, offset + limit);
  const next = offset + limit < items.length ? Buffer.from(`o:${offset + limit}`, "utf8").toString("base64url") : "";
  return { items: slice, next_cursor: next };
}

/** Strings that WeCom sends as numbers sometimes, and vice versa: accept both where it's harmless. */
export const intLike = z.union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number)]);

/** The body fields of a cursor-paged list (see `page`). */
export const pageFields = { cursor: z.string().optional(), limit: intLike.optional() };

export const textSchema = z.object({ content: z.string().optional() }).optional();
export const attachmentsSchema = z.array(z.looseObject({ msgtype: z.string() })).optional();

