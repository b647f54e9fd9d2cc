import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** A message as it is sent again: body and FIFO ids (the dispatcher's messages carry nothing else). */
interface KeptMessage {
  readonly body: string;
  readonly groupId?: string;
  readonly deduplicationId?: string;
}

/** Queues by name (the part of the URL after the account, the same in every run). */
type KeptQueues = Record<string, KeptMessage[]>;

const queueName = (url: string) => url.split('/').pop()!;

/**
 * local-aws-sqs keeps its queues in memory. At a graceful stop, once the dispatchers have stopped,
 * the messages still waiting in each queue (a delivery accepted but not yet dispatched, a
 * dead-letter queue's messages) are written to `file`, and sent again at the next start. A message
 * that is invisible at the stop (a failed dispatch waiting for its retry) is not received, so not
 * kept: history shows its delivery without an execution, for `replay`.
 */
export async function saveQueues(sqs: SQSClient, queueUrls: readonly string[], file: string): Promise<number> {
  const kept: KeptQueues = {};
  let count = 0;
  for (const url of queueUrls) {
    for (;;) {
      const received = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, AttributeNames: ['All'] }),
      );
      const messages = received.Messages ?? [];
      if (messages.length === 0) break;
      for (const m of messages) {
        const groupId = m.Attributes?.MessageGroupId;
        const deduplicationId = m.Attributes?.MessageDeduplicationId;
        (kept[queueName(url)] ??= []).push({
          body: m.Body ?? '',
          ...(groupId !== undefined && { groupId }),
          ...(deduplicationId !== undefined && { deduplicationId }),
        });
        count++;
      }
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
  }
  if (count > 0) writeFileSync(file, JSON.stringify(kept));
  return count;
}

/** Sends the messages saveQueues kept to the queues of the same names, then forgets them. */
export async function restoreQueues(sqs: SQSClient, queueUrls: readonly string[], file: string): Promise<number> {
  if (!existsSync(file)) return 0;
  const kept = JSON.parse(readFileSync(file, 'utf8')) as KeptQueues;
  let count = 0;
  for (const url of queueUrls) {
    const messages = kept[queueName(url)] ?? [];
    for (let i = 0; i < messages.length; i += 10) {
      const batch = messages.slice(i, i + 10);
      const sent = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: batch.map((m, n) => ({
            Id: String(n),
            MessageBody: m.body,
            ...(m.groupId !== undefined && { MessageGroupId: m.groupId }),
            ...(m.deduplicationId !== undefined && { MessageDeduplicationId: m.deduplicationId }),
          })),
        }),
      );
      if ((sent.Failed ?? []).length > 0) throw new Error(`queue ${queueName(url)}: ${sent.Failed![0]!.Message}`);
      count += batch.length;
    }
  }
  rmSync(file, { force: true });
  return count;
}
