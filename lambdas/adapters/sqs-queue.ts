import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import { LIMITS } from '../core/config/messages';
import type { Queue, QueueEntry } from './ports';

export class QueueSendError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'QueueSendError';
  }
}

/**
 * The SQS FIFO queue. Entries go out as SendMessageBatch calls of at most 10 entries and 256 KiB,
 * sent in parallel; any failed entry fails the whole send (the sender retries, and FIFO
 * deduplication drops the entries that did get through).
 */
export class SqsQueue implements Queue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(entries: readonly QueueEntry[]): Promise<void> {
    const batches = toBatches(entries.map(toRequestEntry));
    const results = await Promise.all(
      batches.map((Entries) => this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries }))),
    );
    const failed = results.flatMap((r) => r.Failed ?? []);
    if (failed.length > 0) {
      const first = failed[0]!;
      throw new QueueSendError(`${failed.length} queue entries failed, first: ${first.Code}: ${first.Message ?? ''}`);
    }
  }
}

// SQS refuses the noncharacters U+FFFE and U+FFFF (InvalidMessageContents), which JSON.stringify keeps
// as they are. JSON text holds them only inside strings, where their escapes read back the same.
const REFUSED_BY_SQS = /[\uFFFE\uFFFF]/g;

function toRequestEntry(entry: QueueEntry, index: number): SendMessageBatchRequestEntry {
  return {
    Id: String(index),
    MessageBody: JSON.stringify(entry.message).replace(REFUSED_BY_SQS, (c) => `\\u${c.charCodeAt(0).toString(16)}`),
    MessageGroupId: entry.groupId,
    MessageDeduplicationId: entry.deduplicationId,
  };
}

function toBatches(entries: SendMessageBatchRequestEntry[]): SendMessageBatchRequestEntry[][] {
  const batches: SendMessageBatchRequestEntry[][] = [];
  let current: SendMessageBatchRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = Buffer.byteLength(entry.MessageBody!);
    if (current.length > 0 && (current.length === LIMITS.queueBatchEntries || bytes + size > LIMITS.queueBatchBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
