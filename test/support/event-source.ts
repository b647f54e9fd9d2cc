import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { pollAndDispatch, toRecord as toLambdaRecord } from '../../cli/local/dispatch-loop';

export const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:events.fifo';

/** An SQS record as Lambda's event source mapping hands it over (the local gateway's conversion). */
export function toRecord(message: Message): SQSRecord {
  return toLambdaRecord(message, QUEUE_ARN);
}

/**
 * One poll of Lambda's SQS event source mapping, as the local gateway runs it (pollAndDispatch);
 * returns the number of messages handed to the handler.
 */
export async function pollOnce(
  sqs: SQSClient,
  queueUrl: string,
  handler: (event: SQSEvent) => Promise<SQSBatchResponse>,
): Promise<number> {
  const { records } = await pollAndDispatch({ sqs, queueUrl, queueArn: QUEUE_ARN, dispatch: handler });
  return records.length;
}

/** Polls until the queue has nothing visible (bounded). */
export async function drain(
  sqs: SQSClient,
  queueUrl: string,
  handler: (event: SQSEvent) => Promise<SQSBatchResponse>,
  maxPolls = 20,
): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxPolls; i++) {
    const n = await pollOnce(sqs, queueUrl, handler);
    if (n === 0) return total;
    total += n;
  }
  return total;
}
