import { z } from "zod";
import { notFound } from "@siyu/kernel";
import { route } from "@siyu/lambda-kit";
import { customerListQuerySchema, keyPartSchema, planCustomerList } from "../domain/customers.ts";
import { getCustomerDetail } from "../store/customer-detail.ts";
import { listRelations } from "../store/customer-list.ts";
import { getTags } from "../store/tags.ts";

/**
 * `GET /v1/customers`: one row per follow relation, newest add first, filtered by staff, channel,
 * tag, corp-day range of the add and status; served by an index chosen in the domain (never a Scan).
 */
export const listCustomers = route({ query: customerListQuerySchema }, async (req) => {
  const plan = planCustomerList(req.query, req.config.timeZone);
  const page = await listRelations(req.config.table, plan, req.query.cursor);
  return { status: 200, body: { items: page.items, nextCursor: page.nextCursor ?? null } };
});

export const getCustomer = route(
  {
    params: z.object({ externalUserId: keyPartSchema("externalUserId") }),
    query: z.object({
      timelineLimit: z.coerce.number().int().min(1).max(200).default(50),
      timelineCursor: z.string().min(1).max(2048).optional(),
    }),
  },
  async (req) => {
    const { externalUserId } = req.params;
    const d = await getCustomerDetail(req.config.table, externalUserId, { limit: req.query.timelineLimit, cursor: req.query.timelineCursor });
    if (!d) throw notFound(`no customer ${externalUserId}`);
    // tag names from Siyu's copy of the corp tag list; ids it does not know (deleted since) are shown bare
    const tags = new Map((await getTags(req.config.table, d.relations.flatMap((r) => r.tagIds ?? []))).map((t) => [t.tagId, t]));
    const relations = d.relations.map((r) => ({
      ...r,
      tags: (r.tagIds ?? []).map((id) => {
        const t = tags.get(id);
        return t ? { tagId: id, name: t.name, groupId: t.groupId, groupName: t.groupName ?? null } : { tagId: id, name: null, groupId: null, groupName: null };
      }),
    }));
    return {
      status: 200,
      body: {
        externalUserId,
        profile: d.profile ?? null,
        relations,
        timeline: d.timeline,
        timelineNextCursor: d.timelineNextCursor ?? null,
        welcomes: d.welcomes,
        transfers: d.transfers,
      },
    };
  },
);
