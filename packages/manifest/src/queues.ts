import { ManifestError, type QueueSpec, type ServiceManifest } from "./manifest.ts";

/**
 * What a manifest queue becomes on SQS and on its Lambda event source, in AWS (infra's CDK props)
 * and locally (the platform's CreateQueue attributes and pollers): one derivation, so the two cannot
 * drift.
 */

/** How long a queue keeps a message: long enough to outlive a weekend outage of a consumer. */
export const QUEUE_RETENTION_SECONDS = 4 * 86_400;
/** How long a DLQ keeps a parked message (SQS's maximum): time to read the reason and redrive. */
export const DLQ_RETENTION_SECONDS = 14 * 86_400;

export interface QueueSettings {
  /** A FIFO queue's DLQ must be FIFO too, so both carry the flag. */
  fifo: boolean;
  /** FIFO only: lets producers omit MessageDeduplicationId (an explicit one still wins). */
  contentBasedDeduplication: boolean;
  visibilityTimeoutSeconds: number;
  retentionSeconds: number;
  dlqRetentionSeconds: number;
  /** Receives before SQS moves a message to the DLQ (the redrive policy). */
  maxReceiveCount: number;
  /** The Lambda SQS event source mapping (a local poller plays it). */
  eventSource: { batchSize: number; maxBatchingWindowSeconds: number; reportBatchItemFailures: true };
}

/** @example queueSettings(manifest.queues[0]).eventSource.batchSize */
export function queueSettings(spec: QueueSpec): QueueSettings {
  return {
    fifo: spec.fifo,
    contentBasedDeduplication: spec.fifo,
    visibilityTimeoutSeconds: spec.visibilityTimeoutSeconds,
    retentionSeconds: QUEUE_RETENTION_SECONDS,
    dlqRetentionSeconds: DLQ_RETENTION_SECONDS,
    maxReceiveCount: spec.maxReceiveCount,
    eventSource: { batchSize: spec.batchSize, maxBatchingWindowSeconds: spec.maxBatchingWindowSeconds, reportBatchItemFailures: true },
  };
}

/** SQS refuses a FIFO queue whose name does not end in `.fifo`. @example sqsQueueName("siyu-x-intake", spec) */
export function sqsQueueName(base: string, spec: Pick<QueueSpec, "fifo">): string {
  return spec.fifo ? `${base}.fifo` : base;
}

/** CreateQueue attributes of a queue's DLQ (SQS API spelling). */
export function dlqAttributes(s: QueueSettings): Record<string, string> {
  return { ...fifoAttributes(s), MessageRetentionPeriod: String(s.dlqRetentionSeconds) };
}

/** CreateQueue attributes of the queue itself, redriving to `dlqArn`. */
export function queueAttributes(s: QueueSettings, dlqArn: string): Record<string, string> {
  return {
    ...fifoAttributes(s),
    VisibilityTimeout: String(s.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(s.retentionSeconds),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: s.maxReceiveCount }),
  };
}

function fifoAttributes(s: QueueSettings): Record<string, string> {
  return s.fifo ? { FifoQueue: "true", ContentBasedDeduplication: String(s.contentBasedDeduplication) } : {};
}

/**
 * Rules the manifest schema leaves to the platform because SQS and the event source mapping enforce
 * them: a manifest that breaks one fails `cdk synth` and `pnpm dev` alike, naming service and queue.
 */
export function queueRuleViolations(m: ServiceManifest): string[] {
  const out: string[] = [];
  for (const spec of m.queues) {
    const where = `${m.name}/queues/${spec.name}`;
    if (spec.fifo && spec.batchSize > 10) out.push(`${where}: a FIFO queue's batchSize is at most 10 (got ${spec.batchSize})`);
    if (spec.fifo && spec.maxBatchingWindowSeconds > 0) out.push(`${where}: FIFO queues do not support maxBatchingWindowSeconds`);
    if (!spec.fifo && spec.batchSize > 10 && spec.maxBatchingWindowSeconds < 1) {
      out.push(`${where}: batchSize above 10 needs maxBatchingWindowSeconds >= 1 (SQS event source rule)`);
    }
  }
  return out;
}

/** Throws the first of `queueRuleViolations` as a ManifestError. */
export function checkQueueRules(m: ServiceManifest): void {
  const [first] = queueRuleViolations(m);
  if (first) throw new ManifestError(first);
}
