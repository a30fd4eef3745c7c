/**
 * The answers' shapes, named after the routes: each is derived from the generated `schema.d.ts` (the
 * routes' response schemas), so a service that changes a field fails the console's typecheck.
 */
import type { Answer, Item } from "./answer";

/** `GET /v1/channels`. */
export type ChannelPage = Answer<"/v1/channels", "get">;
export type Channel = Item<ChannelPage>;

/** `GET /v1/channels/{id}`: the channel and today's adds per member against their daily cap. */
export type ChannelDetail = Answer<"/v1/channels/{channelId}", "get">;

/** `GET /v1/customers`: one follow relation (customer × staff member) a row. */
export type CustomerPage = Answer<"/v1/customers", "get">;
export type CustomerRow = Item<CustomerPage>;
export type CustomerStatus = CustomerRow["status"];

/** `GET /v1/customers/{externalUserId}`. */
export type CustomerDetail = Answer<"/v1/customers/{externalUserId}", "get">;
export type RelationTag = CustomerDetail["relations"][number]["tags"][number];
export type TimelineEntry = CustomerDetail["timeline"][number];

/** `GET /v1/tags`: the corp's tag groups. */
export type TagPage = Answer<"/v1/tags", "get">;
export type TagGroup = Item<TagPage>;
export type CorpTag = TagGroup["tags"][number];

/** `POST /v1/tags/sync`. */
export type TagSyncAnswer = Answer<"/v1/tags/sync", "post">;

/** `GET /v1/transfers`. */
export type TransferPage = Answer<"/v1/transfers", "get">;
export type TransferRow = Item<TransferPage>;

/** `POST /v1/transfers`: the transfer as planned, and the customers left out with why. */
export type TransferCreated = Answer<"/v1/transfers", "post">;
export type TransferExcluded = TransferCreated["excluded"][number];

/** `GET /v1/transfers/{id}`: the transfer, its counts and one page of its customers. */
export type TransferDetail = Answer<"/v1/transfers/{transferId}", "get">;
export type TransferCustomerStatus = TransferDetail["customers"][number]["status"];
