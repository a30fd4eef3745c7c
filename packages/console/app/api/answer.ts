import type { paths } from "./schema";

/** The success statuses a JSON route answers with (201 on a create, 202 when accepted for later). */
type Success = 200 | 201 | 202;

type ResponsesOf<O> = O extends { responses: infer R } ? R : never;
type JsonOf<R> = R extends { content: { "application/json": infer B } } ? B : never;

/**
 * The JSON body a route answers on success, from the generated `schema.d.ts` (itself generated from the
 * routes' response schemas): `Answer<"/v1/channels/{channelId}", "get">` is what `unwrap` returns for it.
 */
export type Answer<P extends keyof paths, M extends keyof paths[P]> = JsonOf<ResponsesOf<paths[P][M]>[Success & keyof ResponsesOf<paths[P][M]>]>;

/** One row of a list answer. */
export type Item<T extends { items: readonly unknown[] }> = T["items"][number];
