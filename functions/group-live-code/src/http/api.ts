import { AppError } from "@siyu/kernel";
import { http, log, route, type HttpRequest } from "@siyu/lambda-kit";
import { wecomFor } from "@siyu/wecom";
import { z } from "zod";
import manifest from "../../service.ts";
import { archiveCode, codeDetail, createCode, listCodeViews, updateCode } from "../app/codes.ts";
import type { Deps } from "../app/deps.ts";
import { problemOf } from "./problems.ts";

const idempotencyKeySchema = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");
const codeParam = z.object({ codeId: z.string().min(1).max(32).regex(/^[0-9a-z]+$/, "a live-code id") });
const page = { limit: z.coerce.number().int().min(1).max(100).default(50), cursor: z.string().min(1).max(2048).optional() };

function deps(req: HttpRequest<unknown, unknown, unknown>): Deps {
  const wecom = wecomFor(req.config);
  return { config: req.config, wecom: () => wecom.client(), now: () => req.clock.now(), log };
}

const createGroupCode = route({ body: z.unknown() }, async (req) => {
  const raw = req.headers["idempotency-key"];
  const key = raw === undefined ? undefined : idempotencyKeySchema.safeParse(raw);
  if (key && !key.success) {
    throw new AppError(400, "validation-failed", "Your request is not valid", "invalid Idempotency-Key header", {
      errors: [{ path: "headers.idempotency-key", message: key.error.issues[0]?.message ?? "invalid" }],
    });
  }
  const out = await createCode(deps(req), req.body, key?.data);
  return { status: out.replay ? 200 : 201, headers: { location: `/v1/group-codes/${out.code.codeId}`, ...(out.replay ? { "idempotent-replayed": "true" } : {}) }, body: out.code };
});

export const handler = http(
  manifest,
  {
    createGroupCode,
    listGroupCodes: route({ query: z.object(page) }, async (req) => ({ status: 200, body: await listCodeViews(deps(req), req.query) })),
    getGroupCode: route({ params: codeParam }, async (req) => ({ status: 200, body: await codeDetail(deps(req), req.params.codeId) })),
    updateGroupCode: route({ params: codeParam, body: z.unknown() }, async (req) => ({ status: 200, body: await updateCode(deps(req), req.params.codeId, req.body) })),
    archiveGroupCode: route({ params: codeParam }, async (req) => ({ status: 200, body: await archiveCode(deps(req), req.params.codeId) })),
  },
  { problemOf },
);
