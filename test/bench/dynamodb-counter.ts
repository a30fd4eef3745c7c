/**
 * Benchmark instrumentation for every thread that runs handlers (`dynamodb-counter.setup.ts` is the
 * platform's `isolateConsumers.setupModule`; the benchmark's own thread calls `installCallCounter`): the
 * handlers' shared document client asks DynamoDB for ConsumedCapacity on every write and reports each
 * call on a BroadcastChannel, so one listener sums calls and write units across threads.
 */
import { BroadcastChannel } from "node:worker_threads";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { setDocumentClient } from "@siyu/store";

export const DYNAMODB_CALLS_CHANNEL = "siyu-bench-dynamodb-calls";

/** What one thread counted since its last report. */
export interface DynamoCallCounts {
  writeUnits: number;
  writes: number;
  reads: number;
  /** e.g. `PutItem CUST` (the operation and the kind of item: its partition key's prefix) → calls. */
  byLabel: [string, number][];
}

/** How often each thread reports (a message per call would cost more CPU than the calls). */
export const REPORT_EVERY_MS = 100;

const WRITES = new Set(["PutItemCommand", "UpdateItemCommand", "DeleteItemCommand", "TransactWriteItemsCommand", "BatchWriteItemCommand"]);

function callLabel(command: string, input: Record<string, unknown>): string {
  const kind = (key: unknown): string => {
    const pk = (key as { pk?: unknown } | undefined)?.pk;
    const v = typeof pk === "string" ? pk : typeof (pk as { S?: unknown })?.S === "string" ? (pk as { S: string }).S : "?";
    return v.split("#")[0]!;
  };
  const op = command.replace(/Command$/, "");
  if (op === "TransactWriteItems") {
    const items = (input.TransactItems as Record<string, { Item?: unknown; Key?: unknown }>[]) ?? [];
    return `${op} ${items.map((i) => Object.entries(i).map(([k, v]) => `${k} ${kind(v.Item ?? v.Key)}`)[0]).join(" + ")}`;
  }
  if (op === "BatchWriteItem" || op === "BatchGetItem") return op;
  if (op === "Query") return `Query ${(input.IndexName as string) ?? "table"}`;
  return `${op} ${kind(input.Item ?? input.Key)}`;
}

/** Add the counting middleware to `client`; counts are posted on the channel every REPORT_EVERY_MS. */
export function countCalls(client: DynamoDBClient): void {
  const channel = new BroadcastChannel(DYNAMODB_CALLS_CHANNEL);
  channel.unref();
  let pending = { writeUnits: 0, writes: 0, reads: 0, byLabel: new Map<string, number>() };
  setInterval(() => {
    if (pending.writes + pending.reads === 0) return;
    channel.postMessage({ ...pending, byLabel: [...pending.byLabel] } satisfies DynamoCallCounts);
    pending = { writeUnits: 0, writes: 0, reads: 0, byLabel: new Map() };
  }, REPORT_EVERY_MS).unref();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? "";
      const input = args.input as Record<string, unknown>;
      const write = WRITES.has(command);
      if (write) input.ReturnConsumedCapacity = "TOTAL";
      const label = callLabel(command, input);
      const out = await next(args);
      pending.byLabel.set(label, (pending.byLabel.get(label) ?? 0) + 1);
      if (!write) {
        pending.reads++;
        return out;
      }
      pending.writes++;
      const consumed = (out.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
      for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
        const cap = c as { CapacityUnits?: number; WriteCapacityUnits?: number };
        pending.writeUnits += cap.WriteCapacityUnits ?? cap.CapacityUnits ?? 0;
      }
      return out;
    },
    { step: "initialize", name: "benchCountCalls" },
  );
}

/** Sums what every thread reports. */
export function listenForCalls() {
  const totals = { writeUnits: 0, writes: 0, reads: 0, byLabel: new Map<string, number>() };
  const channel = new BroadcastChannel(DYNAMODB_CALLS_CHANNEL);
  channel.onmessage = (m) => {
    const counts = (m as { data: DynamoCallCounts }).data;
    totals.writeUnits += counts.writeUnits;
    totals.writes += counts.writes;
    totals.reads += counts.reads;
    for (const [label, n] of counts.byLabel) totals.byLabel.set(label, (totals.byLabel.get(label) ?? 0) + n);
  };
  return {
    totals,
    /** Wait until every thread's last counts arrived. */
    settle: () => new Promise((r) => setTimeout(r, REPORT_EVERY_MS * 3)),
    close: () => channel.close(),
  };
}

/** Replace the handlers' shared document client with a counting one (after the platform set the endpoint env). */
export function installCallCounter(): void {
  const raw = new DynamoDBClient({});
  countCalls(raw);
  setDocumentClient(DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } }));
}
