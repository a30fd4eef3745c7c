import { QueryCommand, } from "@aws-sdk/lib-dynamodb";
import { batchGet, documentClient, key, type Page, } from "@siyu/store";
import { type CustomerListPlan, decodeListCursor, encodeListCursor, invalidCursor, type ListCursor, type ListSource, matchesResidual, monthsToRead } from "../domain/customers.ts";
import { knownAddedMonths } from "./added-months.ts";
import { custPk, stripKeys } from "./customer-keys.ts";
import { getProfiles } from "./profiles.ts";
import type { RelationRecord } from "./relations.ts";

/** The customer list: one row per follow relation, read from the index the domain chose (never a Scan). */
interface IndexSpec {
  indexName?: string;
  pkAttr: string;
  skAttr: string;
  keyAttributes: string[];
}

const INDEX: Record<ListSource["kind"], IndexSpec> = {
  staff: { indexName: "gsi1", pkAttr: "gsi1pk", skAttr: "gsi1sk", keyAttributes: ["pk", "sk", "gsi1pk", "gsi1sk"] },
  channel: { indexName: "gsi2", pkAttr: "gsi2pk", skAttr: "gsi2sk", keyAttributes: ["pk", "sk", "gsi2pk", "gsi2sk"] },
  tag: { pkAttr: "pk", skAttr: "sk", keyAttributes: ["pk", "sk"] },
  added: { indexName: "gsi3", pkAttr: "gsi3pk", skAttr: "gsi3sk", keyAttributes: ["pk", "sk", "gsi3pk", "gsi3sk"] },
};

function partitionOf(source: ListSource, month?: string): string {
  switch (source.kind) {
    case "staff":
      return key("STAFF", source.userId);
    case "channel":
      return key("CHAN", source.channelId);
    case "tag":
      return key("TAG", source.tagId);
    case "added":
      return key("ADDED", month!);
  }
}

/** Bounds on one request's work when filters discard most rows: the page may come back short, with a cursor. */
const MAX_ROUNDS = 10;
const MAX_EVALUATED = 2000;

interface RelationRow extends RelationRecord {
  name?: string;
}

/**
 * One page of follow relations for a planned query (see domain `planCustomerList`): newest add
 * first, read from one index partition at a time (Query, never Scan), filling the page across
 * partitions (months) and filtered reads, with a cursor that resumes exactly after the last row
 * returned.
 */
export async function listRelations(table: string, plan: CustomerListPlan, cursor?: string): Promise<Page<RelationRow>> {
  const spec = INDEX[plan.source.kind];
  const months = plan.source.kind === "added" ? monthsToRead(await knownAddedMonths(table), plan.fromInstant, plan.toExclusive) : undefined;
  let state: ListCursor = { f: plan.fingerprint };
  if (cursor) {
    state = decodeListCursor(cursor, {
      fingerprint: plan.fingerprint,
      keyAttributes: spec.keyAttributes,
      sortKeyAttribute: spec.skAttr,
      skFrom: plan.skFrom,
      skTo: plan.skTo,
      ...(months ? { months } : {}),
    });
    // the key must be in the partition it will be used on (DynamoDB rejects a foreign start key)
    if (state.k && state.k[spec.pkAttr] !== partitionOf(plan.source, state.m)) throw invalidCursor("the cursor is not one this API returned");
  } else if (months) {
    if (months.length === 0) return { items: [] };
    state.m = months[0]!;
  }

  // filters the index cannot apply as a key condition, pushed into the Query where the row is the relation
  const filters: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const r = plan.residual;
  if (plan.source.kind !== "tag") {
    if (r.status) {
      filters.push("#status = :status");
      names["#status"] = "status";
      values[":status"] = r.status;
    }
    if (r.channelId) {
      filters.push("channelId = :channel");
      values[":channel"] = r.channelId;
    }
    if (r.tagId) {
      filters.push("contains(tagIds, :tag)");
      values[":tag"] = r.tagId;
    }
  }

  const items: RelationRecord[] = [];
  let evaluated = 0;
  let done = false;
  for (let round = 0; round < MAX_ROUNDS && items.length < plan.limit && evaluated < MAX_EVALUATED; round++) {
    const remaining = plan.limit - items.length;
    const out = await documentClient().send(
      new QueryCommand({
        TableName: table,
        IndexName: spec.indexName,
        KeyConditionExpression: `${spec.pkAttr} = :pk AND ${spec.skAttr} BETWEEN :from AND :to`,
        ExpressionAttributeValues: { ":pk": partitionOf(plan.source, state.m), ":from": plan.skFrom, ":to": plan.skTo, ...values },
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ...(filters.length ? { FilterExpression: filters.join(" AND ") } : {}),
        ScanIndexForward: false,
        // with filters, read ahead a little: rows past the page are not lost, the cursor points at the last row returned
        Limit: filters.length || plan.source.kind === "tag" ? Math.max(remaining, 25) : remaining,
        ExclusiveStartKey: state.k,
      }),
    );
    evaluated += out.ScannedCount ?? 0;
    const rows = (out.Items ?? []) as Record<string, unknown>[];
    let relations: (RelationRecord | undefined)[];
    if (plan.source.kind === "tag") {
      relations = await relationsOfMembershipRows(table, rows, plan.source.tagId);
    } else {
      relations = rows.map((i) => stripKeys(i) as unknown as RelationRecord);
    }
    let stopAt = -1;
    for (let i = 0; i < rows.length; i++) {
      const rel = relations[i];
      if (!rel || !matchesResidual(rel, r)) continue;
      items.push(rel);
      if (items.length === plan.limit) {
        stopAt = i;
        break;
      }
    }
    if (stopAt >= 0 && (stopAt < rows.length - 1 || out.LastEvaluatedKey)) {
      // the page is full inside what this Query read: resume right after the last row returned
      const last = rows[stopAt]!;
      state.k = Object.fromEntries(spec.keyAttributes.map((a) => [a, last[a] as string]));
      break;
    }
    if (out.LastEvaluatedKey) {
      state.k = out.LastEvaluatedKey as Record<string, string>;
    } else {
      // this partition is exhausted: on to the next month, or the end
      const next = months ? months[months.indexOf(state.m!) + 1] : undefined;
      if (next === undefined) {
        done = true;
        break;
      }
      state = { f: state.f, m: next };
    }
  }

  const profiles = await getProfiles(table, items.map((i) => i.externalUserId));
  const out: RelationRow[] = items.map((rel) => {
    const name = profiles.get(rel.externalUserId)?.name;
    return name === undefined ? rel : { ...rel, name };
  });
  return done ? { items: out } : { items: out, nextCursor: encodeListCursor(state) };
}

/** The relations behind tag membership rows, undefined where the row is stale (tag removed or relation re-added since). */
async function relationsOfMembershipRows(table: string, rows: Record<string, unknown>[], tagId: string): Promise<(RelationRecord | undefined)[]> {
  const found = await batchGet<Record<string, unknown>>(
    table,
    rows.map((row) => ({ pk: custPk(String(row.externalUserId)), sk: key("REL", String(row.userId)) })),
  );
  const byKey = new Map(found.map((i) => [`${i.externalUserId}\u0000${i.userId}`, stripKeys(i) as unknown as RelationRecord]));
  return rows.map((row) => {
    const rel = byKey.get(`${row.externalUserId}\u0000${row.userId}`);
    if (!rel || rel.addedAt !== row.addedAt || !(rel.tagIds ?? []).includes(tagId)) return undefined;
    return rel;
  });
}

