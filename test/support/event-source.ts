import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { toRecord as toLambdaRecord } from '../../cli/local/dispatch-loop';

export const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:events.fifo';

/** An SQS record as Lambda's event source mapping hands it over (the local gateway's conversion). */
export function toRecord(message: Message): SQSRecord {
  return toLambdaRecord(message, QUEUE_ARN);
}

/**
 * One poll of Lambda's SQS event source mapping, with ReportBatchItemFailures: receive up to ten
 * messages, invoke the handler, delete the successes; the failures come back after the queue's
 * visibility timeout (local-aws-sqs counts ChangeMessageVisibility as a receive, so it is not used,
 * unless `release`: then the failures are visible again at once, as if their timeout had passed).
 * Returns the number of messages handed to the handler.
 */
export async function pollOnce(
  sqs: SQSClient,
  queueUrl: string,
  handler: (event: SQSEvent) => Promise<SQSBatchResponse>,
  release = false,
): Promise<number> {
  const received = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, AttributeNames: ['All'] }),
  );
  const messages = received.Messages ?? [];
  if (messages.length === 0) return 0;
  let failed: Set<string>;
  try {
    const response = await handler({ Records: messages.map(toRecord) });
    failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  } catch {
    failed = new Set(messages.map((m) => m.MessageId!));
  }
  const done = messages.filter((m) => !failed.has(m.MessageId!));
  const again = messages.filter((m) => failed.has(m.MessageId!));
  if (release && again.length > 0) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: again.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
      }),
    );
  }
  if (done.length > 0) {
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
  return messages.length;
}

/** Polls until the queue has nothing visible (bounded); `release` as for pollOnce. */
export async function drain(
  sqs: SQSClient,
  queueUrl: string,
  handler: (event: SQSEvent) => Promise<SQSBatchResponse>,
  maxPolls = 20,
  release = false,
): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxPolls; i++) {
    const n = await pollOnce(sqs, queueUrl, handler, release);
    if (n === 0) return total;
    total += n;
  }
  return total;
}
