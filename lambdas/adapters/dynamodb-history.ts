import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { DeliveryRecord, HistoryKey } from '../core/config/messages';
import { HISTORY_BY_DELIVERY_INDEX, HISTORY_ITEMS, TABLE_KEYS } from '../core/config/tables';
import type { HistoryStore, PutDeliveryResult } from './ports';

/**
 * The dedup write's condition, in named fragments (as Powertools' DynamoDB persistence layer does):
 * write when there is no record, when the earlier attempt never reached the queue (`pending`,
 * `failed`), or when the record outlived its TTL but DynamoDB has not removed it yet.
 */
const DEDUP_CONDITION = {
  notExists: 'attribute_not_exists(#pk)',
  retryable: '#status IN (:pending, :failed)',
  expired: '#expiresAt < :now',
} as const;

/** History items in DynamoDB (lambdas/core/config/tables.ts). */
export class DynamoDbHistoryStore implements HistoryStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async putDelivery(record: DeliveryRecord): Promise<PutDeliveryResult> {
    const key = HISTORY_ITEMS.delivery(record.webhook, requireKey(record));
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem(key, record),
          ConditionExpression: Object.values(DEDUP_CONDITION).join(' OR '),
          ExpressionAttributeNames: {
            '#pk': TABLE_KEYS.partitionKey,
            '#status': 'status',
            '#expiresAt': TABLE_KEYS.ttl,
          },
          ExpressionAttributeValues: {
            ':pending': { S: 'pending' },
            ':failed': { S: 'failed' },
            ':now': { N: String(Math.floor(Date.parse(record.receivedAt) / 1000)) },
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { written: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return error.Item ? { written: false, existing: fromItem(error.Item) } : { written: false };
    }
  }

  async markFailed(key: HistoryKey, reason: string): Promise<void> {
    await this.ignoreMissing(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall(key),
        UpdateExpression: 'SET #status = :failed, #reason = :reason',
        ConditionExpression: 'attribute_exists(#pk) AND #status <> :enqueued',
        ExpressionAttributeNames: { '#status': 'status', '#reason': 'reason', '#pk': TABLE_KEYS.partitionKey },
        ExpressionAttributeValues: {
          ':failed': { S: 'failed' },
          ':enqueued': { S: 'enqueued' },
          ':reason': { S: reason },
        },
      }),
    );
  }

  async countDuplicate(key: HistoryKey): Promise<void> {
    await this.ignoreMissing(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall(key),
        UpdateExpression: 'ADD #duplicates :one',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#duplicates': 'duplicates', '#pk': TABLE_KEYS.partitionKey },
        ExpressionAttributeValues: { ':one': { N: '1' } },
      }),
    );
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

  async markEnqueued(key: HistoryKey, executionArn: string): Promise<void> {
    // The condition keeps an expired, already removed record from coming back without its TTL.
    await this.ignoreMissing(
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
      }),
    );
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

  async nextReplayNumber(key: HistoryKey): Promise<number> {
    const result = await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall(key),
        UpdateExpression: 'ADD #replays :one',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#replays': 'replays', '#pk': TABLE_KEYS.partitionKey },
        ExpressionAttributeValues: { ':one': { N: '1' } },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(result.Attributes?.replays?.N ?? '0');
  }

  private async ignoreMissing(command: UpdateItemCommand): Promise<void> {
    try {
      await this.client.send(command);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

function requireKey(record: DeliveryRecord): string {
  if (record.idempotencyKey === undefined) throw new TypeError('a delivery record needs its idempotencyKey');
  return record.idempotencyKey;
}

function toItem(key: HistoryKey, record: DeliveryRecord): Record<string, AttributeValue> {
  const { executions: _executions, webhook: _webhook, ...rest } = record;
  return marshall({ ...rest, ...key }, { removeUndefinedValues: true });
}

/** A stored item as a DeliveryRecord (string sets become arrays). */
export function fromItem(item: Record<string, AttributeValue>): DeliveryRecord {
  const { pk, sk: _sk, executions, ...rest } = unmarshall(item) as Record<string, unknown>;
  return {
    ...(rest as Omit<DeliveryRecord, 'webhook'>),
    webhook: String(pk),
    ...(executions instanceof Set ? { executions: [...(executions as Set<string>)].sort() } : {}),
  };
}
