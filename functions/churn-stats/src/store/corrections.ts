/**
 * The rebuild's writes: one transaction per corrected row. The row's `ADD (new − stored)` is
 * conditional on its `rev` still being the one read (else a live increment landed since, and the
 * day must be redone); a day row's correction is added to its month and all-time rows too, so the
 * opening balances move with the days they sum; every partition written bumps its revision (the read
 * cache's packs of it go stale).
 */
import { assignClauses, TransactionConflict, transact } from "@siyu/store";
import { COHORT_FIELDS, COUNTER_FIELDS, type RowChange } from "../domain/index.ts";
import { cohortRowKey, dayRowKey, monthRowKey, totalRowKey } from "./keys.ts";
import { revKey } from "./packs.ts";

type Key = { pk: string; sk: string };

function addExpression(deltas: Record<string, number>) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const adds = assignClauses(deltas, "c", { names, values }, "ADD");
  return { UpdateExpression: `ADD ${adds.join(", ")}`, ExpressionAttributeNames: names, ExpressionAttributeValues: values };
}

function guardedAdd(table: string, key: Key, deltas: Record<string, number>, rev: number | undefined) {
  const expr = addExpression(deltas);
  if (rev === undefined) return { Update: { TableName: table, Key: key, ...expr, ConditionExpression: "attribute_not_exists(pk)" } };
  return {
    Update: {
      TableName: table,
      Key: key,
      ...expr,
      ConditionExpression: "#rev = :rev",
      ExpressionAttributeNames: { ...expr.ExpressionAttributeNames, "#rev": "rev" },
      ExpressionAttributeValues: { ...expr.ExpressionAttributeValues, ":rev": rev },
    },
  };
}

function plainAdd(table: string, key: Key, deltas: Record<string, number>) {
  return { Update: { TableName: table, Key: key, ...addExpression(deltas) } };
}

/** Every field of the row family (zeros included, so a new row is complete) plus the row's own write count. */
const full = (fields: readonly string[], d: Record<string, number>) => {
  const out: Record<string, number> = {};
  for (const f of fields) out[f] = d[f] ?? 0;
  out.rev = 1;
  return out;
};

function dayRowCorrection(table: string, c: RowChange, rev: number | undefined) {
  const d = full(COUNTER_FIELDS, c.delta);
  const dayKey = dayRowKey(c.day, c.group);
  const monthKey = monthRowKey(c.day.slice(0, 7), c.group);
  return [
    guardedAdd(table, dayKey, d, rev),
    plainAdd(table, monthKey, d),
    plainAdd(table, totalRowKey(c.group), d),
    plainAdd(table, revKey(dayKey.pk), { rev: 1 }),
    plainAdd(table, revKey(monthKey.pk), { rev: 1 }),
  ];
}

function cohortRowCorrection(table: string, c: RowChange, rev: number | undefined) {
  const cohortKey = cohortRowKey(c.day, c.group);
  return [guardedAdd(table, cohortKey, full(COHORT_FIELDS, c.delta), rev), plainAdd(table, revKey(cohortKey.pk), { rev: 1 })];
}

/**
 * Write one correction; `rev` is the row's revision when it was read (`undefined`: there was no row).
 * Resolves `false` when the row changed since it was read (nothing written), `true` when written.
 */
export async function applyCorrection(table: string, c: RowChange, rev: number | undefined): Promise<boolean> {
  try {
    await transact(c.rows === "day" ? dayRowCorrection(table, c, rev) : cohortRowCorrection(table, c, rev));
    return true;
  } catch (error) {
    const conditionFailed = error instanceof TransactionConflict && (error.failedCondition(0) || error.codes.includes("TransactionConflict"));
    if (!conditionFailed) throw error;
    return false;
  }
}
