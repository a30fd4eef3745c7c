/**
 * The customer read use cases: `GET /v1/customers` (a page of follow relations, served by the index
 * the domain chose, never a Scan) and `GET /v1/customers/{externalUserId}` (everything about one).
 */
import { notFound } from "@siyu/kernel";
import type { z } from "zod";
import { type customerListQuerySchema, planCustomerList } from "../domain/customers.ts";
import { getCustomerDetail } from "../store/customer-detail.ts";
import { listRelations } from "../store/customer-list.ts";
import { getTags } from "../store/tags.ts";

type CustomerListQuery = z.output<typeof customerListQuerySchema>;

export interface CustomerDeps {
  table: string;
  timeZone: string;
}

export async function listCustomers(deps: CustomerDeps, q: CustomerListQuery) {
  const plan = planCustomerList(q, deps.timeZone);
  const page = await listRelations(deps.table, plan, q.cursor);
  return { items: page.items, nextCursor: page.nextCursor ?? null };
}

export async function customerDetail(deps: Pick<CustomerDeps, "table">, externalUserId: string, timeline: { limit: number; cursor?: string | undefined }) {
  const d = await getCustomerDetail(deps.table, externalUserId, timeline);
  if (!d) throw notFound(`no customer ${externalUserId}`);
  // tag names from Siyu's copy of the corp tag list; ids it does not know (deleted since) are shown bare
  const tags = new Map((await getTags(deps.table, d.relations.flatMap((r) => r.tagIds ?? []))).map((t) => [t.tagId, t]));
  const relations = d.relations.map((r) => ({
    ...r,
    tags: (r.tagIds ?? []).map((id) => {
      const t = tags.get(id);
      return t ? { tagId: id, name: t.name, groupId: t.groupId, groupName: t.groupName ?? null } : { tagId: id, name: null, groupId: null, groupName: null };
    }),
  }));
  return {
    externalUserId,
    profile: d.profile ?? null,
    relations,
    timeline: d.timeline,
    timelineNextCursor: d.timelineNextCursor ?? null,
    welcomes: d.welcomes,
    transfers: d.transfers,
  };
}
