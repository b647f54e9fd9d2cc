import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { METRICS } from '../core/config/environment';
import { executionName, type QueueMessage, type StartMessage } from '../core/config/messages';
import type { HistoryStore, Telemetry, WorkflowStarter } from '../adapters/ports';

export interface DispatcherDeps {
  readonly starter: WorkflowStarter;
  readonly history: Pick<HistoryStore, 'markEnqueued'>;
  readonly telemetry: Telemetry;
}

export class InvalidQueueMessageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidQueueMessageError';
  }
}

/**
 * The queue consumer. Message groups are handled in parallel, the messages of one group in order;
 * once a message fails, it and the later messages of its group are reported as batch item
 * failures (as Powertools' SqsFifoPartialProcessor with skipGroupOnError), so order holds on retry.
 */
export function createDispatcher(deps: DispatcherDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const groups = new Map<string, SQSRecord[]>();
    for (const record of event.Records) {
      const group = record.attributes.MessageGroupId ?? record.messageId;
      groups.set(group, [...(groups.get(group) ?? []), record]);
    }
    const failures = await Promise.all([...groups.values()].map((records) => handleGroup(deps, records)));
    deps.telemetry.metrics.flush();
    const failed = new Set(failures.flat());
    return {
      batchItemFailures: event.Records.filter((r) => failed.has(r.messageId)).map((r): SQSBatchItemFailure => ({
        itemIdentifier: r.messageId,
      })),
    };
  };
}

async function handleGroup(deps: DispatcherDeps, records: SQSRecord[]): Promise<string[]> {
  for (const [i, record] of records.entries()) {
    try {
      await handle(deps, parse(record));
    } catch (error) {
      deps.telemetry.log.error('message failed', {
        messageId: record.messageId,
        group: record.attributes.MessageGroupId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        skipped: records.length - i - 1,
        error: describe(error),
      });
      return records.slice(i).map((r) => r.messageId);
    }
  }
  return [];
}

function parse(record: SQSRecord): QueueMessage {
  let message: unknown;
  try {
    message = JSON.parse(record.body);
  } catch (cause) {
    throw new InvalidQueueMessageError('message body is not JSON', { cause });
  }
  const kind = (message as { kind?: unknown } | null)?.kind;
  if (kind !== 'start') throw new InvalidQueueMessageError(`unknown message kind ${JSON.stringify(kind)}`);
  return message as QueueMessage;
}

async function handle(deps: DispatcherDeps, message: StartMessage): Promise<void> {
  const { log, metrics } = deps.telemetry;
  const name = executionName(message.webhook, message.idempotencyKey, message.routeId);
  let started;
  try {
    started = await deps.starter.start(message.target, name, JSON.stringify(message.input));
  } catch (error) {
    metrics.count(METRICS.executionsFailed);
    throw error;
  }
  if (!started.alreadyStarted) metrics.count(METRICS.executionsStarted);
  const fields = {
    webhook: message.webhook,
    deliveryId: message.input.deliveryId,
    route: message.routeId,
    executionArn: started.executionArn,
    alreadyStarted: started.alreadyStarted,
  };
  try {
    await deps.history.markEnqueued(message.historyKey, started.executionArn);
  } catch (error) {
    // A Standard start is idempotent by name, so retrying the message is safe; retrying an Express
    // start would run the workflow again, so its history update is given up instead.
    if (message.target.type === 'STANDARD') throw error;
    log.error('history not updated', { ...fields, error: describe(error) });
  }
  log.info('execution started', fields);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
