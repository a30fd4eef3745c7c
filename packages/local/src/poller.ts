import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { sleep } from "@siyu/store";
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from "aws-lambda";
import type { LocalFunction } from "./functions.ts";
import type { PlatformLogger } from "./log.ts";
import type { QueueResource } from "./resources.ts";

/**
 * The Lambda SQS event source mapping, locally: receive up to the manifest's batchSize (several
 * receives of ≤ 10 when it is larger, within maxBatchingWindowSeconds), invoke the consumer with an
 * `SQSEvent`, delete what succeeded, leave the rest to reappear after the visibility timeout. The
 * queue's redrive policy (fauxqs implements it on receive, like SQS) moves a message to the DLQ
 * after maxReceiveCount receives.
 *
 * One deviation, opt-in: with `retryVisibilitySeconds` the poller sets the visibility of records
 * that failed to that many seconds (ChangeMessageVisibility) instead of waiting out the queue's
 * visibility timeout, so tests see retries and redrive in milliseconds rather than minutes.
 */

export interface PollerOptions {
  sqs: SQSClient;
  queue: QueueResource;
  fn: LocalFunction;
  region: string;
  log: PlatformLogger;
  /** Parallel batches in flight for this queue (Lambda scales this; 1 keeps local logs readable). */
  concurrency?: number;
  /** Long-poll wait per receive. Shutdown aborts the poll, so this does not delay close(). */
  waitTimeSeconds?: number;
  retryVisibilitySeconds?: number;
  /** Told every time the number of batches in progress changes (a worker thread reports it to the platform). */
  onBusy?: (busy: number) => void;
}

export class QueuePoller {
  private readonly o: Required<Omit<PollerOptions, "retryVisibilitySeconds" | "onBusy">> & Pick<PollerOptions, "retryVisibilitySeconds" | "onBusy">;
  private running = false;
  private readonly abort = new AbortController();
  private workers: Promise<void>[] = [];
  /** Batches received and not yet settled (deleted / released). */
  busy = 0;

  constructor(opts: PollerOptions) {
    this.o = { concurrency: 1, waitTimeSeconds: 5, ...opts };
  }

  get queue(): QueueResource {
    return this.o.queue;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (let i = 0; i < Math.max(1, this.o.concurrency); i++) this.workers.push(this.work());
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await Promise.all(this.workers);
    this.workers = [];
  }

  private async work(): Promise<void> {
    while (this.running) {
      let batch: Message[];
      try {
        batch = await this.receiveBatch();
      } catch (err) {
        if (!this.running) break;
        this.o.log.warn(`poller ${this.o.queue.name}: receive failed (${(err as Error).message}); retrying`);
        await sleep(500);
        continue;
      }
      if (batch.length === 0) continue;
      this.busy++;
      this.o.onBusy?.(this.busy);
      try {
        await this.process(batch);
      } catch (err) {
        this.o.log.error(`poller ${this.o.queue.name}: settling a batch failed`, err);
      } finally {
        this.busy--;
        this.o.onBusy?.(this.busy);
      }
    }
  }

  private async receive(max: number, waitTimeSeconds: number): Promise<Message[]> {
    const out = await this.o.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.o.queue.url,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: waitTimeSeconds,
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
      { abortSignal: this.abort.signal },
    );
    return out.Messages ?? [];
  }

  /** One batch, as the event source mapping assembles it. */
  private async receiveBatch(): Promise<Message[]> {
    const { batchSize, maxBatchingWindowSeconds } = this.o.queue.settings.eventSource;
    const batch = await this.receive(batchSize, this.o.waitTimeSeconds);
    if (batch.length === 0) return batch;
    const windowEnd = Date.now() + maxBatchingWindowSeconds * 1000;
    let last = batch.length;
    while (this.running && batch.length < batchSize) {
      if (maxBatchingWindowSeconds > 0) {
        if (Date.now() >= windowEnd) break;
      } else if (last < 10) {
        break; // no window: take what one more full receive can add, then go
      }
      const more = await this.receive(batchSize - batch.length, 0);
      last = more.length;
      batch.push(...more);
      if (more.length === 0) {
        if (maxBatchingWindowSeconds === 0) break;
        await sleep(Math.min(50, Math.max(0, windowEnd - Date.now())));
      }
    }
    return batch;
  }

  private async process(batch: Message[]): Promise<void> {
    const event: SQSEvent = { Records: batch.map((m) => toRecord(m, this.o.queue.arn, this.o.region)) };
    const ids = new Set(event.Records.map((r) => r.messageId));
    let failed: Set<string>;
    try {
      const result = await this.o.fn.invoke(event);
      failed = failedItems(result, ids);
      if (failed.size === ids.size && ids.size > 0 && !isPartialResponse(result, ids)) {
        this.o.log.warn(`${this.o.fn.name}: invalid batch response ${safeJson(result)}; the whole batch will be retried (as Lambda does)`);
      }
    } catch (err) {
      this.o.log.error(`${this.o.fn.name} failed on a batch of ${batch.length}; all of it will be retried`, err);
      failed = ids;
    }
    const ok = batch.filter((m) => !failed.has(m.MessageId!));
    const retry = batch.filter((m) => failed.has(m.MessageId!));
    await this.deleteMessages(ok);
    if (retry.length > 0 && this.o.retryVisibilitySeconds !== undefined) await this.release(retry, this.o.retryVisibilitySeconds);
  }

  private async deleteMessages(messages: Message[]): Promise<void> {
    for (const chunk of chunks(messages, 10)) {
      const out = await this.o.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.o.queue.url,
          Entries: chunk.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
      if (out.Failed?.length) this.o.log.warn(`poller ${this.o.queue.name}: could not delete ${out.Failed.length} message(s): ${safeJson(out.Failed)}`);
    }
  }

  private async release(messages: Message[], seconds: number): Promise<void> {
    for (const chunk of chunks(messages, 10)) {
      await this.o.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.o.queue.url,
          Entries: chunk.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: seconds })),
        }),
      );
    }
  }
}

/**
 * Which records to retry, by Lambda's rules for ReportBatchItemFailures: nothing / null / an empty
 * list = all succeeded; a list of known message ids = those failed; anything malformed (an unknown
 * or empty id, a non-object response) = the whole batch failed.
 */
export function failedItems(result: unknown, ids: ReadonlySet<string>): Set<string> {
  if (result === undefined || result === null) return new Set();
  if (typeof result !== "object" || Array.isArray(result)) return new Set(ids);
  const list = (result as Partial<SQSBatchResponse>).batchItemFailures;
  if (list === undefined || list === null) return new Set();
  if (!Array.isArray(list)) return new Set(ids);
  const failed = new Set<string>();
  for (const item of list) {
    const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== "string" || id === "" || !ids.has(id)) return new Set(ids);
    failed.add(id);
  }
  return failed;
}

function isPartialResponse(result: unknown, ids: ReadonlySet<string>): boolean {
  const list = (result as Partial<SQSBatchResponse> | null)?.batchItemFailures;
  return Array.isArray(list) && list.every((i) => typeof i?.itemIdentifier === "string" && ids.has(i.itemIdentifier));
}

export function toRecord(m: Message, queueArn: string, region: string): SQSRecord {
  const a = m.Attributes ?? {};
  const attributes: SQSRecord["attributes"] = {
    ApproximateReceiveCount: a.ApproximateReceiveCount ?? "1",
    SentTimestamp: a.SentTimestamp ?? String(Date.now()),
    SenderId: a.SenderId ?? "000000000000",
    ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
  };
  if (a.SequenceNumber) attributes.SequenceNumber = a.SequenceNumber;
  if (a.MessageGroupId) attributes.MessageGroupId = a.MessageGroupId;
  if (a.MessageDeduplicationId) attributes.MessageDeduplicationId = a.MessageDeduplicationId;
  if (a.AWSTraceHeader) attributes.AWSTraceHeader = a.AWSTraceHeader;
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, v] of Object.entries(m.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}),
      ...(v.BinaryValue !== undefined ? { binaryValue: Buffer.from(v.BinaryValue).toString("base64") } : {}),
      stringListValues: [],
      binaryListValues: [],
      dataType: v.DataType ?? "String",
    };
  }
  const record: SQSRecord = {
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body ?? "",
    attributes,
    messageAttributes,
    md5OfBody: m.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: region,
  };
  if (m.MD5OfMessageAttributes) record.md5OfMessageAttributes = m.MD5OfMessageAttributes;
  return record;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

