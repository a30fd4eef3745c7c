import { key } from "@siyu/store";

/**
 * Keys of the customer item collection. Customers, their follow relations and their timeline live in one item collection per customer:
 *   pk `CUST#<externalUserId>`: sk `PROFILE` (name, unionid, type, avatar…), sk `REL#<userId>` (one per staff
 *   member), sk `TL#<at>#<id>` (timeline), sk `WELCOME#<addKey>` (welcome outcome), sk `XFER#<plannedAt>#<transferId>`
 *   (the customer's transfers, see transfers.ts).
 * Relations carry three index keys for the customer list: gsi1 by staff (`STAFF#<userId>`), gsi2 by channel
 * (`CHAN#<channelId>`), gsi3 by UTC month of the add (`ADDED#<YYYY-MM>`); every sort key is
 * `<addedAt>#<externalUserId>#<userId>`, so an added-date range is a key condition, never a Scan. Tag membership
 * items (`TAG#<tagId>` / `<addedAt>#<externalUserId>#<userId>`) serve the tag filter; `META` / `ADDED_MONTHS`
 * lists the months that hold relations.
 */
export const custPk = (externalUserId: string) => key("CUST", externalUserId);

/** An item without its table and index keys. */
export function stripKeys(item: Record<string, unknown>): Record<string, unknown> {
  const { pk: _a, sk: _b, gsi1pk: _c, gsi1sk: _d, gsi2pk: _e, gsi2sk: _f, gsi3pk: _g, gsi3sk: _h, ttl: _i, ...rest } = item;
  return rest;
}

/** The sort key every customer-list index shares: an added-date range is a key condition. */
export const listSortKey = (addedAt: string, externalUserId: string, userId: string) => `${addedAt}#${externalUserId}#${userId}`;
