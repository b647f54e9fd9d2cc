import {
  paginateQuery,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { HistoryKey, WorkflowInput } from '../core/config/messages';
import { matchesEventKey } from '../core/events/routing';
import { isPattern, WAITER_ITEMS } from '../core/waiters/keys';
import type { OfferedEvent, Waiter } from '../core/waiters/model';
import { conditionHeld, deleteIfOwner } from './dynamodb-conditions';
import type { WaiterStore } from './ports';

/** The claim's condition, in named fragments: the waiter still exists, has not expired, and is free or ours. */
const CLAIM_CONDITION = {
  exists: 'attribute_exists(#pk)',
  live: '#expiresAt > :now',
  freeOrOurs: '(attribute_not_exists(#claimedBy) OR #claimedBy = :claimant)',
} as const;

/** Waiters and recent events in the waiter table (lambdas/core/waiters/keys.ts). Every read is strongly consistent. */
export class DynamoDbWaiterStore implements WaiterStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async register(waiter: Waiter): Promise<void> {
    const { values, claimedBy: _claimedBy, ...rest } = waiter;
    const key = {
      pk: WAITER_ITEMS.waiterPartition(waiter.webhook, waiter.eventKey),
      sk: WAITER_ITEMS.waiterSort(waiter.registeredAt, waiter.taskToken),
    };
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        // values as JSON text: the workflow's numbers, nulls and nesting come back exactly as sent.
        Item: marshall({ ...rest, values: JSON.stringify(values), ...key }, { removeUndefinedValues: true }),
      }),
    );
  }

  async waitersFor(webhook: string, eventKey: string): Promise<Waiter[]> {
    const partitions = await Promise.all(
      WAITER_ITEMS.waiterPartitionsFor(webhook, eventKey).map((pk) => this.query(pk)),
    );
    return partitions.flat().map(toWaiter);
  }

  async recordEvent(offered: OfferedEvent, expiresAt: number): Promise<void> {
    const { event, claimant, historyKey } = offered;
    const sk = WAITER_ITEMS.eventSort(event.receivedAt, claimant);
    const put = (item: Record<string, unknown>) =>
      this.client.send(new PutItemCommand({ TableName: this.tableName, Item: marshall({ ...item, sk, expiresAt }) }));
    await Promise.all([
      put({
        pk: WAITER_ITEMS.eventPartition(event.webhook, event.eventKey),
        claimant,
        historyKey,
        event: JSON.stringify(event),
      }),
      put({ pk: WAITER_ITEMS.keyLogPartition(event.webhook), eventKey: event.eventKey }),
    ]);
  }

  async recentEvents(webhook: string, eventKey: string, since: Date): Promise<OfferedEvent[]> {
    const from = since.toISOString();
    let keys = [eventKey];
    if (isPattern(eventKey)) {
      const log = await this.query(WAITER_ITEMS.keyLogPartition(webhook), from);
      keys = [...new Set(log.map((i) => String(i.eventKey)).filter((k) => matchesEventKey(eventKey, k)))];
    }
    const found = await Promise.all(keys.map((k) => this.query(WAITER_ITEMS.eventPartition(webhook, k), from)));
    return found
      .flat()
      .sort((a, b) => String(a.sk).localeCompare(String(b.sk)))
      .map((item) => ({
        event: JSON.parse(String(item.event)) as WorkflowInput,
        claimant: String(item.claimant),
        historyKey: item.historyKey as HistoryKey,
      }));
  }

  claim(waiter: Waiter, claimant: string, now: Date): Promise<boolean> {
    return conditionHeld(
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(waiter),
          UpdateExpression: 'SET #claimedBy = :claimant, #claimedAt = :claimedAt',
          ConditionExpression: Object.values(CLAIM_CONDITION).join(' AND '),
          ExpressionAttributeNames: {
            '#pk': 'pk',
            '#expiresAt': 'expiresAt',
            '#claimedBy': 'claimedBy',
            '#claimedAt': 'claimedAt',
          },
          ExpressionAttributeValues: {
            ':now': { N: String(Math.floor(now.getTime() / 1000)) },
            ':claimant': { S: claimant },
            ':claimedAt': { S: now.toISOString() },
          },
        }),
      ),
    );
  }

  async remove(waiter: Waiter, claimant: string): Promise<void> {
    await deleteIfOwner(this.client, this.tableName, keyOf(waiter), 'claimedBy', claimant);
  }

  /** Every item of a partition (with sk ≥ `from` when given), across pages. */
  private async query(pk: string, from?: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: from === undefined ? '#pk = :pk' : '#pk = :pk AND #sk >= :from',
        ExpressionAttributeNames: { '#pk': 'pk', ...(from !== undefined && { '#sk': 'sk' }) },
        ExpressionAttributeValues: { ':pk': { S: pk }, ...(from !== undefined && { ':from': { S: from } }) },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    return items;
  }
}

function keyOf(waiter: Waiter): Record<string, AttributeValue> {
  return marshall({
    pk: WAITER_ITEMS.waiterPartition(waiter.webhook, waiter.eventKey),
    sk: WAITER_ITEMS.waiterSort(waiter.registeredAt, waiter.taskToken),
  });
}

function toWaiter(item: Record<string, unknown>): Waiter {
  const { pk: _pk, sk: _sk, claimedAt: _claimedAt, values, ...rest } = item;
  return { ...(rest as Omit<Waiter, 'values'>), values: JSON.parse(String(values ?? '{}')) as Waiter['values'] };
}
