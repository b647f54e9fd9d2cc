import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { METRICS } from '../core/config/environment';
import { executionName, type QueueMessage, type StartMessage, type WaitersMessage } from '../core/config/messages';
import { claimantOf } from '../core/waiters/model';
import type { EnqueueMark, HistoryStore, Telemetry, WaiterPorts, WorkflowStarter } from '../adapters/ports';
import { offerEvent } from '../adapters/waiter-resume';

export interface DispatcherDeps {
  readonly starter: WorkflowStarter;
  readonly history: Pick<HistoryStore, 'markEnqueued' | 'markDispatched'>;
  readonly telemetry: Telemetry;
  /** Needed once a webhook has waiters (waitForWebhook); a waiters message fails without it. */
  readonly waiters?: WaiterPorts;
}

/** A waiters message reached a dispatcher without waiter ports (WAITER_TABLE_NAME unset: a deployment bug). */
export class WaitersNotConfiguredError extends Error {
  constructor() {
    super('a waiters message arrived, but the dispatcher has no waiter table (WAITER_TABLE_NAME)');
    this.name = 'WaitersNotConfiguredError';
  }
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
  if (kind !== 'start' && kind !== 'waiters') {
    throw new InvalidQueueMessageError(`unknown message kind ${JSON.stringify(kind)}`);
  }
  return message as QueueMessage;
}

function handle(deps: DispatcherDeps, message: QueueMessage): Promise<void> {
  return message.kind === 'waiters' ? offer(deps, message) : start(deps, message);
}

/** Resumes the waiters the event matches (none is fine); a failure retries the message, claims make that safe. */
async function offer(deps: DispatcherDeps, message: WaitersMessage): Promise<void> {
  if (!deps.waiters) throw new WaitersNotConfiguredError();
  const results = await offerEvent(
    { ...deps.waiters, history: deps.history, telemetry: deps.telemetry },
    {
      event: message.input,
      claimant: claimantOf(message.webhook, message.idempotencyKey),
      historyKey: message.historyKey,
    },
  );
  await markDispatched(deps, message);
  deps.telemetry.log.info('waiters offered', {
    webhook: message.webhook,
    deliveryId: message.input.deliveryId,
    eventKey: message.input.eventKey,
    resumed: results.filter((r) => r.outcome === 'resumed').map((r) => r.waiter.executionArn),
  });
}

async function start(deps: DispatcherDeps, message: StartMessage): Promise<void> {
  const { log, metrics } = deps.telemetry;
  const name = executionName(message.webhook, message.idempotencyKey, message.routeId);
  let started;
  try {
    started = await deps.starter.start(message.target, name, JSON.stringify(message.input));
  } catch (error) {
    metrics.count(METRICS.executionsFailed);
    throw error;
  }
  const fields = {
    webhook: message.webhook,
    deliveryId: message.input.deliveryId,
    route: message.routeId,
    executionArn: started.executionArn,
    alreadyStarted: started.alreadyStarted,
  };
  let mark: EnqueueMark | undefined;
  try {
    [mark] = await Promise.all([
      deps.history.markEnqueued(message.historyKey, started.executionArn),
      markDispatched(deps, message),
    ]);
  } catch (error) {
    // A Standard start is idempotent by name, so retrying the message is safe; retrying an Express
    // start would run the workflow again, so its history update is given up instead.
    if (message.target.type === 'STANDARD') throw error;
    log.error('history not updated', { ...fields, error: describe(error) });
  }
  // Counted once per execution: StartExecution of a Standard workflow whose execution of that name
  // is still running (a redelivered message) succeeds with the same ARN instead of failing with
  // ExecutionAlreadyExists; the ARN already in the history item tells that start apart.
  if (!started.alreadyStarted && mark !== 'present') metrics.count(METRICS.executionsStarted);
  log.info('execution started', { ...fields, ...(mark === 'present' && { alreadyStarted: true }) });
}

/**
 * The delivery's dedup marker leaves the sweeper's index: copies are plain duplicates from now on.
 * Not worth a retry of the message: left in the index, the sweeper settles it from the history item.
 */
async function markDispatched(deps: DispatcherDeps, message: QueueMessage): Promise<void> {
  await deps.history.markDispatched(message.webhook, message.idempotencyKey).catch((error: unknown) =>
    deps.telemetry.log.warn('dedup marker not marked dispatched', {
      webhook: message.webhook,
      deliveryId: message.input.deliveryId,
      error: describe(error),
    }),
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
