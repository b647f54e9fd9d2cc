import { ChangeMessageVisibilityBatchCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { pollAndDispatch, toRecord as toLambdaRecord } from '../../cli/local/dispatch-loop';

export const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:events.fifo';

/** An SQS record as Lambda's event source mapping hands it over (the local gateway's conversion). */
export function toRecord(message: Message): SQSRecord {
  return toLambdaRecord(message, QUEUE_ARN);
}

/**
 * One poll of Lambda's SQS event source mapping, as the local gateway runs it (pollAndDispatch);
 * with `release`, the failures are visible again at once, as if their visibility timeout had passed.
 * Returns the number of messages handed to the handler.
 */
export async function pollOnce(
  sqs: SQSClient,
  queueUrl: string,
  handler: (event: SQSEvent) => Promise<SQSBatchResponse>,
  release = false,
): Promise<number> {
  const { records, failed } = await pollAndDispatch({ sqs, queueUrl, queueArn: QUEUE_ARN, dispatch: handler });
  const again = records.filter((r) => failed.has(r.messageId));
  if (release && again.length > 0) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: again.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle, VisibilityTimeout: 0 })),
      }),
    );
  }
  return records.length;
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
