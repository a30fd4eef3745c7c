import { describe, expect, it } from "vitest";
import { failedItems, toRecord } from "../src/poller.ts";

const ids = new Set(["m1", "m2", "m3"]);

describe("batch item failures (Lambda's ReportBatchItemFailures rules)", () => {
  it("treats no response, null and an empty or null list as complete success", () => {
    expect(failedItems(undefined, ids)).toEqual(new Set());
    expect(failedItems(null, ids)).toEqual(new Set());
    expect(failedItems({}, ids)).toEqual(new Set());
    expect(failedItems({ batchItemFailures: [] }, ids)).toEqual(new Set());
    expect(failedItems({ batchItemFailures: null }, ids)).toEqual(new Set());
  });

  it("retries exactly the listed records", () => {
    expect(failedItems({ batchItemFailures: [{ itemIdentifier: "m2" }] }, ids)).toEqual(new Set(["m2"]));
  });

  it("treats a malformed response as complete failure", () => {
    expect(failedItems({ batchItemFailures: [{ itemIdentifier: "nope" }] }, ids)).toEqual(ids);
    expect(failedItems({ batchItemFailures: [{ itemIdentifier: "" }] }, ids)).toEqual(ids);
    expect(failedItems({ batchItemFailures: [{ id: "m1" }] }, ids)).toEqual(ids);
    expect(failedItems({ batchItemFailures: "m1" }, ids)).toEqual(ids);
    expect(failedItems("ok", ids)).toEqual(ids);
  });
});

describe("SQS message → Lambda SQS record", () => {
  it("maps attributes and message attributes to the event source mapping's shape", () => {
    const record = toRecord(
      {
        MessageId: "m1",
        ReceiptHandle: "rh",
        Body: "{}",
        MD5OfBody: "md5",
        MD5OfMessageAttributes: "md5a",
        Attributes: { ApproximateReceiveCount: "2", SentTimestamp: "1", SenderId: "x", ApproximateFirstReceiveTimestamp: "3", MessageGroupId: "g" },
        MessageAttributes: { type: { DataType: "String", StringValue: "probe.recorded" }, raw: { DataType: "Binary", BinaryValue: Uint8Array.from([1, 2]) } },
      },
      "arn:aws:sqs:us-east-1:000000000000:q",
      "us-east-1",
    );
    expect(record).toEqual({
      messageId: "m1",
      receiptHandle: "rh",
      body: "{}",
      attributes: { ApproximateReceiveCount: "2", SentTimestamp: "1", SenderId: "x", ApproximateFirstReceiveTimestamp: "3", MessageGroupId: "g" },
      messageAttributes: {
        type: { stringValue: "probe.recorded", stringListValues: [], binaryListValues: [], dataType: "String" },
        raw: { binaryValue: "AQI=", stringListValues: [], binaryListValues: [], dataType: "Binary" },
      },
      md5OfBody: "md5",
      md5OfMessageAttributes: "md5a",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:q",
      awsRegion: "us-east-1",
    });
  });
});
