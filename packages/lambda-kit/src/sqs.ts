import middy from "@middy/core";
import { parkMessage, retryLater } from "@siyu/bus";
import { type Clock, type DomainEvent, EnvelopeError, type EventType, parseEnvelope, systemClock } from "@siyu/kernel";
import { claimIdempotency, completedIdempotencyItem, completeIdempotency, mapLimit, releaseIdempotency } from "@siyu/store";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { configureAtColdStart, type RuntimeConfig, runtimeConfig } from "./config.ts";
import { type Logger, lambdaFields, log, withLogContext } from "./logger.ts";
import { metric, publishMetrics } from "./metrics.ts";

export interface ConsumerContext {
  config: RuntimeConfig;
  clock: Clock;
  log: Logger;
  record: SQSRecord;
  /** How many times SQS has delivered this record (1 on the first attempt). */
  receiveCount: number;
  /**
   * With idempotency: the item that marks this record's key done, for a handler that writes it in one
   * batch with its own last writes (a DynamoDB call fewer per record). The handler calls `written()` once
   * that write succeeded; when it doesn't, the consumer completes the key after the handler returns.
   */
  completion?: { item: () => Record<string, unknown>; written: () => void };
}

export interface SqsOptions<T extends EventType> {
  /** The manifest's queue name: its DLQ is where unprocessable records are parked. */
  queue: string;
  /** Event types this consumer handles; any other type is parked with its reason. */
  accepts: readonly T[];
  /**
   * Idempotency by business key: the record is processed at most once per key (completed keys are
   * acknowledged without running). `key` defaults to the envelope id; `prefix` must be set explicitly.
   */
  idempotency: { prefix: string; key?: (event: DomainEvent<T>) => string; keepSeconds?: number; lockSeconds?: number } | false;
  handle: (event: DomainEvent<T>, ctx: ConsumerContext) => Promise<void>;
  /** Process records of a standard queue this many at a time (default 1). FIFO queues are always sequential. */
  concurrency?: number;
  clock?: Clock;
}

/** A failure that retrying cannot fix (bad data, a rule violation): the record is parked, not retried. */
export class PermanentFailure extends Error {
  override name = "PermanentFailure";
}

/**
 * Parked at once: bad data, a rule violation, or any error that says retrying cannot help through a
 * `retryable: false` (AppError; WeCom errors whose errcode is an answer about the input).
 */
const isPermanent = (error: unknown) =>
  error instanceof EnvelopeError ||
  error instanceof PermanentFailure ||
  (typeof error === "object" && error !== null && "retryable" in error && (error as { retryable: unknown }).retryable === false);

type Outcome = "done" | "retry";

/**
 * A queue consumer: parses each record as an envelope, runs the handler once per business key,
 * reports partial batch failures, and parks records that can never succeed in the DLQ with their
 * reason (instead of letting them be retried until redrive).
 */
export function sqs<T extends EventType>(opts: SqsOptions<T>) {
  configureAtColdStart();
  const clock = opts.clock ?? systemClock;
  const accepted = new Set<string>(opts.accepts);

  async function park(config: RuntimeConfig, record: SQSRecord, reason: string): Promise<Outcome> {
    const dlq = config.dlqUrl(opts.queue);
    if (!dlq) {
      // without a known DLQ the record fails until SQS's redrive moves it there after maxReceiveCount
      log.error("unprocessable record; no DLQ configured, leaving it to redrive", { reason, messageId: record.messageId });
      return "retry";
    }
    await parkMessage(dlq, record.body, reason, { "siyu-source-message-id": record.messageId, "siyu-queue": opts.queue }, { groupId: record.attributes?.MessageGroupId });
    log.warn("record parked in DLQ", { reason, messageId: record.messageId });
    metric("MessagesParked", 1, "Count", { queue: opts.queue });
    return "done";
  }

  /**
   * A record that may succeed later: parked with its reason on its last receive (so nothing reaches the
   * DLQ by redrive without one), else made visible again after its backoff (doubling per receive).
   */
  async function retry(config: RuntimeConfig, record: SQSRecord, receiveCount: number, reason: string): Promise<Outcome> {
    const policy = config.queuePolicy(opts.queue);
    if (policy && receiveCount >= policy.maxReceives) return park(config, record, `failed on each of ${receiveCount} receives; last: ${reason}`);
    if (policy && policy.backoffSeconds > 0) {
      await backoff(config, record, Math.min(policy.visibilitySeconds, policy.backoffSeconds * 2 ** (receiveCount - 1)));
    }
    return "retry";
  }

  async function backoff(config: RuntimeConfig, record: SQSRecord, seconds: number): Promise<void> {
    await retryLater(config.queueUrl(opts.queue), record.receiptHandle, seconds).catch((error: unknown) =>
      // the record still comes back, after the visibility timeout
      log.warn("could not shorten the retry delay", { error, messageId: record.messageId }),
    );
  }

  async function processRecord(config: RuntimeConfig, record: SQSRecord): Promise<Outcome> {
    const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? "1");
    let event: DomainEvent;
    try {
      event = parseEnvelope(record.body);
      if (!accepted.has(event.type)) throw new PermanentFailure(`${opts.queue} does not handle events of type ${event.type}`);
    } catch (error) {
      const issues = error instanceof EnvelopeError && error.issues.length ? `: ${error.issues.map((i) => `${i.path} ${i.message}`).join("; ")}` : "";
      return park(config, record, `${(error as Error).message}${issues}`);
    }
    return withLogContext({ eventId: event.id, eventType: event.type, messageId: record.messageId }, async () => {
      const typed = event as DomainEvent<T>;
      const idem = opts.idempotency;
      const businessKey = idem ? (idem.key ?? ((e: DomainEvent<T>) => e.id))(typed) : undefined;
      const idemOpts = idem
        ? { table: config.table, prefix: idem.prefix, now: clock.now(), lockSeconds: idem.lockSeconds ?? 120, keepSeconds: idem.keepSeconds ?? 14 * 86_400 }
        : undefined;
      if (businessKey && idemOpts) {
        const claim = await claimIdempotency(businessKey, idemOpts);
        if (claim === "completed") {
          log.info("duplicate delivery skipped", { businessKey });
          return "done";
        }
        if (claim === "in-progress") {
          log.warn("another attempt holds this key; retrying later", { businessKey });
          return retry(config, record, receiveCount, `another attempt still held the idempotency key ${businessKey}`);
        }
      }
      // the handler may write the completion itself (see ConsumerContext.completion)
      let completionHanded = false;
      let completedByHandler = false;
      const completion =
        businessKey && idemOpts
          ? {
              item: () => {
                completionHanded = true;
                return completedIdempotencyItem(businessKey, { ...idemOpts, now: clock.now() });
              },
              written: () => {
                completedByHandler = true;
              },
            }
          : undefined;
      try {
        await opts.handle(typed, { config, clock, log, record, receiveCount, completion });
      } catch (error) {
        // a batch that failed part-way may have written the completion without the rest: drop it too
        if (businessKey && idemOpts && !completedByHandler) await releaseIdempotency(businessKey, { ...idemOpts, evenIfCompleted: completionHanded });
        if (isPermanent(error)) return park(config, record, (error as Error).message);
        log.error("record failed; will retry", { error, receiveCount });
        return retry(config, record, receiveCount, (error as Error).message ?? String(error));
      }
      if (businessKey && idemOpts && !completedByHandler) await completeIdempotency(businessKey, { ...idemOpts, now: clock.now() });
      return "done";
    });
  }

  async function handleBatch(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
    const config = runtimeConfig();
    return withLogContext({ service: config.service, corpId: config.corpId, queue: opts.queue, ...lambdaFields(context), logLevel: config.logLevel }, async () => {
      try {
        return await batch(config, event);
      } finally {
        publishMetrics();
      }
    });
  }

  async function batch(config: RuntimeConfig, event: SQSEvent): Promise<SQSBatchResponse> {
    const records = event.Records ?? [];
    const failures: string[] = [];
    const fifo = records.some((r) => r.eventSourceARN?.endsWith(".fifo"));
    const safely = async (record: SQSRecord): Promise<Outcome> => {
      try {
        return await processRecord(config, record);
      } catch (error) {
        log.error("record failed outside its handler; will retry", { error, messageId: record.messageId });
        const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? "1");
        return retry(config, record, receiveCount, (error as Error).message ?? String(error)).catch((): Outcome => "retry");
      }
    };
    if (fifo || (opts.concurrency ?? 1) <= 1) {
      for (const [i, record] of records.entries()) {
        if ((await safely(record)) === "retry") {
          // FIFO: everything after a failure must be retried too, or order breaks; those records were
          // not tried, so they are released at once (the group stays blocked by the failed one's backoff)
          const rest = fifo ? records.slice(i) : [record];
          failures.push(...rest.map((r) => r.messageId));
          if (fifo) {
            await Promise.all(rest.slice(1).map((r) => backoff(config, r, 0)));
            break;
          }
        }
      }
    } else {
      await mapLimit(records, opts.concurrency ?? 1, async (record) => {
        if ((await safely(record)) === "retry") failures.push(record.messageId);
      });
    }
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  }

  return middy<SQSEvent, SQSBatchResponse, Error, Context>().handler((event, context) => handleBatch(event, context));
}
