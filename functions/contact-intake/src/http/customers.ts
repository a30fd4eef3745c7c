import { route } from "@siyu/lambda-kit";
import * as z from "zod";
import { customerDetail, listCustomers as list } from "../app/customers.ts";
import { customerListQuerySchema, keyPartSchema } from "../domain/customers.ts";
import { customerDetailSchema, customerPageSchema } from "./schemas/customers.ts";

/**
 * `GET /v1/customers`: one row per follow relation, newest add first, filtered by staff, channel,
 * tag, corp-day range of the add and status; served by an index chosen in the domain (never a Scan).
 */
export const listCustomers = route({ query: customerListQuerySchema, doc: { response: { description: "A page of follow relations, newest add first", schema: customerPageSchema } } }, async (req) => ({
  status: 200,
  body: await list({ table: req.config.table, timeZone: req.config.timeZone }, req.query),
}));

export const getCustomer = route(
  {
    params: z.object({ externalUserId: keyPartSchema("externalUserId") }),
    query: z.object({
      timelineLimit: z.coerce.number().int().min(1).max(200).default(50),
      timelineCursor: z.string().min(1).max(2048).optional(),
    }),
    doc: { response: { description: "The customer: profile, relations with their tags, one page of the timeline, welcomes and transfers", schema: customerDetailSchema } },
  },
  async (req) => ({
    status: 200,
    body: await customerDetail({ table: req.config.table }, req.params.externalUserId, { limit: req.query.timelineLimit, cursor: req.query.timelineCursor }),
  }),
);
