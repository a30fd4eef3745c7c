import { makeEvent } from "@siyu/kernel";
import { defineService } from "@siyu/manifest";
import { putIfAbsent } from "@siyu/store";
import type { Context, SQSEvent } from "aws-lambda";
import { afterAll, describe, expect, it } from "vitest";
import { useDynamo } from "../../../test/support/dynamo-table.ts";
import { type ConsumerContext, runWithEnv, sqs } from "../src/index.ts";

/**
 * The consumer's idempotency against DynamoDB Local, for a handler that writes its completion itself
 * in its last batch (ConsumerContext.completion).
 */
const manifest = defineService({
  name: "kit-test",
  description: "sqs() consumer tests",
  table: { partitionKey: "pk", sortKey: "sk" },
});
const dynamo = useDynamo(manifest);
afterAll(() => dynamo.close());

const envFor = (table: string) => ({
  SIYU_SERVICE: "kit-test",
  SIYU_CORP_ID: "wwcorp",
  SIYU_TABLE: table,
  SIYU_TOPIC_ARN: "arn:aws:sns:us-east-1:000000000000:test",
  SIYU_LOG_LEVEL: "error",
});

let seq = 0;
const deliver = async (table: string, handler: ReturnType<typeof sqs>, key: string): Promise<string[]> => {
  const body = JSON.stringify(makeEvent("probe.requested", { probeId: key, message: "" }, { corpId: "wwcorp", occurredAt: new Date(), id: `evt-${++seq}` }));
  const event = {
    Records: [{ messageId: `m-${seq}`, receiptHandle: "r", body, attributes: { ApproximateReceiveCount: "1" }, messageAttributes: {}, eventSourceARN: "arn:aws:sqs:us-east-1:0:q" }],
  } as unknown as SQSEvent;
  const out = await runWithEnv(envFor(table), () => handler(event, {} as Context));
  return (out?.batchItemFailures ?? []).map((f) => f.itemIdentifier);
};

const idempotencyStatus = async (table: string, key: string) => (await dynamo.get(table, { pk: `IDEMP#kit#${key}`, sk: "IDEMP" }))?.status;

/** A consumer whose handler runs `body` and counts its runs. */
function consumer(body: (ctx: ConsumerContext, key: string) => Promise<void>) {
  const runs: string[] = [];
  // a clock that moves a second per reading: a completion written twice would show a later completedAt
  let ticks = 0;
  const handler = sqs({
    clock: { now: () => new Date(Date.UTC(2024, 4, 1) + 1000 * ticks++) },
    queue: "q",
    accepts: ["probe.requested"],
    idempotency: { prefix: "kit", key: (e) => e.data.probeId },
    async handle(event, ctx) {
      const key = event.data.probeId;
      runs.push(key);
      await body(ctx, key);
    },
  });
  return { handler, runs };
}

describe("sqs() idempotency with a handler-written completion", () => {
  it("a handler that writes the completion in its own batch is not completed again, and a redelivery is skipped", async () => {
    const table = await dynamo.table();
    const { handler, runs } = consumer(async (ctx, key) => {
      await putIfAbsent(table, { pk: `WORK#${key}`, sk: "W" });
      written = ctx.completion!.item();
      expect(written).toMatchObject({ status: "COMPLETED" });
      await dynamo.put(table, written);
      ctx.completion!.written();
    });
    let written: Record<string, unknown> | undefined;
    expect(await deliver(table, handler, "a")).toEqual([]);
    expect(await dynamo.get(table, { pk: "IDEMP#kit#a", sk: "IDEMP" })).toEqual(written);
    expect(await deliver(table, handler, "a")).toEqual([]);
    expect(runs).toEqual(["a"]);
  });

  it("a handler that fails after its completion may have been written is released, so the retry runs", async () => {
    const table = await dynamo.table();
    let fail = true;
    const { handler, runs } = consumer(async (ctx) => {
      // as a batch that wrote the completion and then gave up on an unprocessed item
      await dynamo.put(table, ctx.completion!.item());
      if (fail) throw new Error("batch write: 1 items still unprocessed");
      ctx.completion!.written();
    });
    expect(await deliver(table, handler, "b")).toEqual([`m-${seq}`]);
    expect(await idempotencyStatus(table, "b")).toBeUndefined();
    fail = false;
    expect(await deliver(table, handler, "b")).toEqual([]);
    expect(await idempotencyStatus(table, "b")).toBe("COMPLETED");
    expect(runs).toEqual(["b", "b"]);
  });

  it("a handler that ignores the completion is completed by the consumer", async () => {
    const table = await dynamo.table();
    const { handler, runs } = consumer(async () => undefined);
    expect(await deliver(table, handler, "c")).toEqual([]);
    expect(await idempotencyStatus(table, "c")).toBe("COMPLETED");
    expect(await deliver(table, handler, "c")).toEqual([]);
    expect(runs).toEqual(["c"]);
  });

  it("a failure before the completion was asked for releases only the in-progress claim", async () => {
    const table = await dynamo.table();
    let fail = true;
    const { handler, runs } = consumer(async () => {
      if (fail) throw new Error("WeCom unavailable");
    });
    expect(await deliver(table, handler, "d")).toEqual([`m-${seq}`]);
    expect(await idempotencyStatus(table, "d")).toBeUndefined();
    fail = false;
    expect(await deliver(table, handler, "d")).toEqual([]);
    expect(runs).toEqual(["d", "d"]);
  });
});
