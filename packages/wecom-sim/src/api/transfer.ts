import * as z from "zod";
import type { TransferKind } from "../world/transfers.ts";
import { type ApiRoute, intLike, limitOf, page, parse, post } from "./route.ts";

/** Customer transfer (在职继承 / 离职继承), wecom-reference §11. */
const startSchema = z.object({
  handover_userid: z.string().optional(),
  takeover_userid: z.string().optional(),
  external_userid: z.array(z.string()).optional(),
  transfer_success_msg: z.string().optional(),
});
const resultSchema = z.object({ handover_userid: z.string().optional(), takeover_userid: z.string().optional(), cursor: z.string().optional() });

const start = (kind: TransferKind) =>
  post(kind === "onjob" ? "externalcontact/transfer_customer" : "externalcontact/resigned/transfer_customer", ({ world, body }) => {
    const input = parse(startSchema, body);
    const { transfer_success_msg, ...rest } = input;
    return { customer: world.transfers.start(kind, kind === "onjob" ? input : rest) };
  });

const result = (kind: TransferKind) =>
  post(kind === "onjob" ? "externalcontact/transfer_result" : "externalcontact/resigned/transfer_result", ({ world, body }) => {
    const input = parse(resultSchema, body);
    world.staff.require(input.handover_userid);
    world.staff.require(input.takeover_userid);
    const rows = world.transfers.results(kind, input.handover_userid, input.takeover_userid);
    const p = page(rows, input.cursor, 1000);
    return {
      customer: p.items.map((t) => ({ external_userid: t.externalUserId, status: t.status, takeover_time: Math.floor(t.takeoverAt / 1000) })),
      next_cursor: p.next_cursor,
    };
  });

export const transferRoutes: ApiRoute[] = [
  start("onjob"),
  result("onjob"),
  start("resigned"),
  result("resigned"),
  post("externalcontact/get_unassigned_list", ({ world, body }) => {
    const input = parse(z.object({ page_id: intLike.optional(), page_size: intLike.optional(), cursor: z.string().optional() }), body);
    const limit = limitOf(input.page_size, 1000, 1000, "transfer.unassigned-page-size-1000");
    const p = page(world.transfers.unassigned(), input.cursor, limit);
    return { info: p.items, is_last: p.next_cursor === "", next_cursor: p.next_cursor };
  }),
];
