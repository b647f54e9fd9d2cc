import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { fromItem } from '../../lambdas/adapters/dynamodb-history';
import type { HistoryKey, StartMessage } from '../../lambdas/core/config/messages';
import type { DeliveryDetails, DeliveryLine } from '../output';

export type Report = (line: DeliveryLine, details?: DeliveryDetails) => void;

/**
 * Reports an accepted delivery once it is final: when the history item holds an execution for each
 * of its routes (the dispatcher records them one by one), or when a message of it failed for the
 * last time. Works for deliveries this process received and for replays and redrives enqueued by
 * `webhook-gateway replay|redrive`. Each history key is reported once.
 */
export class AcceptedDeliveries {
  private readonly reported = new Set<string>();
  private readonly failed = new Set<string>();

  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly historyTable: string,
    private readonly report: Report,
  ) {}

  /** Called after the dispatcher recorded an execution in the history item. */
  async executionRecorded(key: HistoryKey): Promise<void> {
    const id = `${key.pk}\u0000${key.sk}`;
    if (this.reported.has(id)) return;
    const got = await this.dynamodb.send(
      new GetItemCommand({ TableName: this.historyTable, Key: marshall(key), ConsistentRead: true }),
    );
    if (!got.Item) return;
    const record = fromItem(got.Item);
    const routes = record.routes ?? [];
    const executions = record.executions ?? [];
    // No routes: the ingest reported it (unrouted); an execution here is a waiter it resumed.
    if (routes.length === 0 || executions.length < routes.length || this.reported.has(id)) return;
    this.reported.add(id);
    this.report(
      {
        time: record.receivedAt,
        webhook: record.webhook,
        deliveryId: record.deliveryId ?? null,
        status: 'accepted',
        ...(record.eventKey !== undefined && { eventKey: record.eventKey }),
        ...(record.scope !== undefined && { scope: record.scope }),
        routes,
        executions,
      },
      { httpStatus: 202 },
    );
  }

  /** A message failed on its last receive: the delivery's line says so (its workflow never started). */
  gaveUp(record: SQSRecord, error: string | undefined): void {
    let message: StartMessage;
    try {
      message = JSON.parse(record.body) as StartMessage;
    } catch {
      return;
    }
    const id = `${message.historyKey.pk}\u0000${message.historyKey.sk}`;
    // Not marked reported: after a redrive, its success is reported too.
    if (this.reported.has(id) || this.failed.has(id)) return;
    this.failed.add(id);
    this.report({
      time: message.input.receivedAt,
      webhook: message.webhook,
      deliveryId: message.input.deliveryId,
      status: 'failed',
      reason: `dispatch_failed: ${error ?? 'unknown error'}`,
      eventKey: message.input.eventKey,
      ...(message.input.scope !== undefined && { scope: message.input.scope }),
      routes: [message.routeId],
      executions: [],
    });
  }
}
