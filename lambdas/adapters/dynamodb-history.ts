import {
  ConditionalCheckFailedException,
  GetItemCommand,
  paginateQuery,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { DeliveryRecord, HistoryKey } from '../core/config/messages';
import { sha256Hex } from '../core/digest';
import { HISTORY_BY_DELIVERY_INDEX, HISTORY_BY_TIME_INDEX, HISTORY_ITEMS, TABLE_KEYS } from '../core/config/tables';
import { incrementIfExists } from './dynamodb-conditions';
import { DedupTable } from './dynamodb-dedup';
import type { AttemptRef, ClaimResult, DeliveryClaim, EnqueueMark, HistoryStore } from './ports';

/**
 * History items in DynamoDB (lambdas/core/config/tables.ts); the dedup decision and markers are
 * DedupTable's (dynamodb-dedup.ts).
 */
export class DynamoDbHistoryStore implements HistoryStore {
  private readonly dedup: DedupTable;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.dedup = new DedupTable(client, tableName);
  }

  claim(claim: DeliveryClaim): Promise<ClaimResult> {
    return this.dedup.claim(claim);
  }

  markQueued(ref: AttemptRef): Promise<void> {
    return this.dedup.markQueued(ref);
  }

  markDispatched(webhook: string, idempotencyKey: string): Promise<void> {
    return this.dedup.markDispatched(webhook, idempotencyKey);
  }

  markFailed(ref: AttemptRef, reason: string): Promise<void> {
    return this.dedup.markFailed(ref, reason);
  }

  countDuplicate(key: HistoryKey): Promise<void> {
    return this.dedup.countDuplicate(key);
  }

  async putRejection(record: DeliveryRecord): Promise<void> {
    const suffix = Math.random().toString(36).slice(2, 10);
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: toItem(HISTORY_ITEMS.rejection(record.webhook, record.receivedAt, suffix), record),
      }),
    );
  }

  async markEnqueued(key: HistoryKey, executionArn: string): Promise<EnqueueMark> {
    // The condition keeps an expired, already removed record from coming back without its TTL.
    try {
      const result = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(key),
          UpdateExpression: 'SET #status = :enqueued REMOVE #reason ADD #executions :arn',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#reason': 'reason',
            '#executions': 'executions',
            '#pk': TABLE_KEYS.partitionKey,
          },
          ExpressionAttributeValues: { ':enqueued': { S: 'enqueued' }, ':arn': { SS: [executionArn] } },
          ReturnValues: 'UPDATED_OLD',
        }),
      );
      return result.Attributes?.executions?.SS?.includes(executionArn) ? 'present' : 'added';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'missing';
      throw error;
    }
  }

  async getDelivery(webhook: string, deliveryId: string): Promise<DeliveryRecord | undefined> {
    // The index may project keys only: find the key there, then read the item itself.
    const found = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: HISTORY_BY_DELIVERY_INDEX.name,
        KeyConditionExpression: '#deliveryId = :deliveryId',
        FilterExpression: '#pk = :webhook AND begins_with(#sk, :delivery)',
        ExpressionAttributeNames: {
          '#deliveryId': 'deliveryId',
          '#pk': TABLE_KEYS.partitionKey,
          '#sk': TABLE_KEYS.sortKey,
        },
        ExpressionAttributeValues: {
          ':deliveryId': { S: deliveryId },
          ':webhook': { S: webhook },
          ':delivery': { S: 'd#' },
        },
      }),
    );
    const key = found.Items?.[0];
    if (!key) return undefined;
    const item = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { pk: key[TABLE_KEYS.partitionKey]!, sk: key[TABLE_KEYS.sortKey]! },
        ConsistentRead: true,
      }),
    );
    return item.Item ? fromItem(item.Item) : undefined;
  }

  /**
   * The webhook's deliveries and rejections, newest first, through the byTime index: at most
   * `limit`, received at `since` or later, with the `status` filter applied by DynamoDB.
   */
  async recentDeliveries(webhook: string, options: RecentDeliveriesOptions): Promise<DeliveryRecord[]> {
    const { limit, status, since } = options;
    const records: DeliveryRecord[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        IndexName: HISTORY_BY_TIME_INDEX.name,
        KeyConditionExpression: since ? '#pk = :pk AND #at >= :since' : '#pk = :pk',
        ...(status && { FilterExpression: '#status = :status' }),
        ExpressionAttributeNames: {
          '#pk': HISTORY_BY_TIME_INDEX.partitionKey,
          ...(since && { '#at': HISTORY_BY_TIME_INDEX.sortKey }),
          ...(status && { '#status': 'status' }),
        },
        ExpressionAttributeValues: {
          ':pk': { S: webhook },
          ...(since && { ':since': { S: since.toISOString() } }),
          ...(status && { ':status': { S: status } }),
        },
        ScanIndexForward: false,
        // Limit counts the items read before the status filter: at least 25 a page, for fewer round trips.
        Limit: Math.min(1000, Math.max(limit, 25)),
      },
    );
    for await (const page of pages) {
      records.push(...(page.Items ?? []).slice(0, limit - records.length).map(fromItem));
      if (records.length >= limit) break;
    }
    return records;
  }

  async nextReplayNumber(key: HistoryKey): Promise<number> {
    const n = await incrementIfExists(this.client, this.tableName, marshall(key), 'replays');
    if (n === undefined) throw new Error(`no delivery ${key.pk}/${key.sk} to count a replay of`);
    return n;
  }
}

export interface RecentDeliveriesOptions {
  /** At most this many records. */
  readonly limit: number;
  /** Only records with this status. @default - any status */
  readonly status?: string;
  /** Only records received at this time or later. @default - any time */
  readonly since?: Date;
}

function toItem(key: HistoryKey, record: DeliveryRecord): Record<string, AttributeValue> {
  const { executions: _executions, webhook: _webhook, ...rest } = record;
  return marshall({ ...rest, ...key }, { removeUndefinedValues: true });
}

/**
 * A stored item as a DeliveryRecord (string sets become arrays). An item whose body is inline is
 * stored without its hash (the ingest does not spend one per delivery on it): bodySha256 is derived here.
 */
export function fromItem(item: Record<string, AttributeValue>): DeliveryRecord {
  const { pk, sk: _sk, executions, ...rest } = unmarshall(item) as Record<string, unknown>;
  const record = rest as Omit<DeliveryRecord, 'webhook'>;
  return {
    ...record,
    webhook: String(pk),
    ...(record.bodySha256 === undefined && record.body !== undefined && { bodySha256: sha256Hex(record.body) }),
    ...(executions instanceof Set ? { executions: [...(executions as Set<string>)].sort() } : {}),
  };
}
