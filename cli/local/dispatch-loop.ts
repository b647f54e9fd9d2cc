import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { LOCAL_ENV } from '../intrinsics';

/** The queue to poll and the handler to hand its messages to. */
export interface PollOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  /** The Lambda handler the messages go to (the dispatcher's). */
  readonly dispatch: (event: SQSEvent) => Promise<SQSBatchResponse>;
  /** The handler threw: every message of the batch counts as failed. */
  readonly onError?: (error: unknown) => void;
}

export interface DispatchLoopOptions extends PollOptions {
  /** The queue's redrive policy: a message failing on this receive goes to the dead-letter queue. */
  readonly maxReceiveCount?: number;
  /** A message failed for the last time before the dead-letter queue. */
  readonly onGiveUp?: (record: SQSRecord) => void;
  readonly onError: (error: unknown) => void;
  /** Pause between empty polls. local-aws-sqs holds a long poll for its whole wait, so polls are short. */
  readonly intervalMs?: number;
}

/**
 * Lambda's SQS event source mapping, in process: receive up to ten messages, invoke the dispatcher,
 * delete what it handled (ReportBatchItemFailures); failures come back after the visibility timeout.
 * `wake()` polls at once (the local ingest calls it after each enqueue).
 */
export class DispatchLoop {
  private stopped = false;
  private running: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(private readonly options: DispatchLoopOptions) {}

  start(): void {
    this.running ??= this.loop();
  }

  wake(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let received = 0;
      try {
        received = await this.pollOnce();
      } catch (error) {
        if (this.stopped) break;
        this.options.onError(error);
      }
      if (received === 0 && !this.stopped) await this.pause(this.options.intervalMs ?? 250);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((done) => {
      const timer = setTimeout(finish, ms);
      function finish() {
        clearTimeout(timer);
        done();
      }
      this.wakeUp = finish;
    });
  }

  /** One poll; returns how many messages were handed to the dispatcher. */
  async pollOnce(): Promise<number> {
    const { records, failed } = await pollAndDispatch(this.options);
    const max = this.options.maxReceiveCount;
    for (const record of records) {
      if (failed.has(record.messageId) && max !== undefined && Number(record.attributes.ApproximateReceiveCount) >= max)
        this.options.onGiveUp?.(record);
    }
    return records.length;
  }
}

/**
 * One poll of Lambda's SQS event source mapping, with ReportBatchItemFailures: receive up to ten
 * messages, hand them to `dispatch`, delete those it handled. A dispatch that throws (told to
 * `onError`) fails them all. Failed messages come back after the queue's visibility timeout
 * (local-aws-sqs counts ChangeMessageVisibility as a receive, so it is not used).
 */
export async function pollAndDispatch(
  options: PollOptions,
): Promise<{ readonly records: readonly SQSRecord[]; readonly failed: ReadonlySet<string> }> {
  const { sqs, queueUrl } = options;
  const received = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, AttributeNames: ['All'] }),
  );
  const messages = received.Messages ?? [];
  if (messages.length === 0) return { records: [], failed: new Set() };
  const records = messages.map((m) => toRecord(m, options.queueArn));
  let failed: Set<string>;
  try {
    const response = await options.dispatch({ Records: records });
    failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  } catch (error) {
    options.onError?.(error);
    failed = new Set(records.map((r) => r.messageId));
  }
  const done = messages.filter((m) => !failed.has(m.MessageId!));
  if (done.length > 0) {
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
  return { records, failed };
}

/** An SQS message as Lambda's event source mapping hands it over. */
export function toRecord(message: Message, queueArn: string): SQSRecord {
  const a = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body!,
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
      SentTimestamp: a.SentTimestamp ?? String(Date.now()),
      SenderId: a.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(a.MessageGroupId !== undefined && { MessageGroupId: a.MessageGroupId }),
      ...(a.MessageDeduplicationId !== undefined && { MessageDeduplicationId: a.MessageDeduplicationId }),
      ...(a.SequenceNumber !== undefined && { SequenceNumber: a.SequenceNumber }),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: LOCAL_ENV.region,
  };
}
