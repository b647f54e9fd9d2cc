import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { DynamoDbHistoryStore, fromItem } from '../../lambdas/adapters/dynamodb-history';
import type { DeliveryRecord } from '../../lambdas/core/config/messages';
import { HISTORY_ITEMS } from '../../lambdas/core/config/tables';
import { createGatewayResources, startLocalAws, type GatewayResources, type LocalAws } from '../support/local-aws';

let local: LocalAws;
let resources: GatewayResources;
let store: DynamoDbHistoryStore;

beforeAll(async () => {
  local = await startLocalAws();
});
afterAll(() => local?.stop());
beforeEach(async () => {
  resources = await createGatewayResources(local);
  store = new DynamoDbHistoryStore(local.dynamodb, resources.historyTable);
});

const NOW = Date.parse('2026-03-01T12:00:00Z');

function record(overrides: Partial<DeliveryRecord> = {}): DeliveryRecord {
  return {
    webhook: 'github',
    deliveryId: 'd-1',
    idempotencyKey: 'd-1',
    receivedAt: new Date(NOW).toISOString(),
    status: 'pending',
    routes: ['r1'],
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': '[redacted]' },
    bodySize: 2,
    bodySha256: 'ab',
    body: Buffer.from('{}'),
    expiresAt: Math.floor(NOW / 1000) + 30 * 86400,
    ...overrides,
  };
}

async function stored(idempotencyKey = 'd-1') {
  const item = await local.dynamodb.send(
    new GetItemCommand({
      TableName: resources.historyTable,
      Key: marshall(HISTORY_ITEMS.delivery('github', idempotencyKey)),
    }),
  );
  return item.Item ? fromItem(item.Item) : undefined;
}

describe('DynamoDbHistoryStore dedup write', () => {
  it('writes a new delivery and reads it back with its raw body', async () => {
    expect(await store.putDelivery(record())).toEqual({ written: true });
    const item = await stored();
    expect(item).toMatchObject({ webhook: 'github', deliveryId: 'd-1', status: 'pending', routes: ['r1'] });
    expect(Buffer.from(item!.body!).toString()).toBe('{}');
  });

  it('overwrites a pending record (its enqueue may have failed) and a failed one', async () => {
    await store.putDelivery(record());
    expect(await store.putDelivery(record({ routes: ['r1', 'r2'] }))).toEqual({ written: true });
    await store.markFailed(HISTORY_ITEMS.delivery('github', 'd-1'), 'enqueue_failed');
    expect((await stored())!.status).toBe('failed');
    expect(await store.putDelivery(record())).toEqual({ written: true });
    expect((await stored())!.status).toBe('pending');
  });

  it('refuses to overwrite an enqueued record: a duplicate', async () => {
    await store.putDelivery(record());
    await store.markEnqueued(HISTORY_ITEMS.delivery('github', 'd-1'), 'arn:aws:states:us-east-1:1:execution:m:n');
    const again = await store.putDelivery(record({ receivedAt: new Date(NOW + 60_000).toISOString() }));
    expect(again.written).toBe(false);
    const item = await stored();
    expect(item).toMatchObject({ status: 'enqueued', executions: ['arn:aws:states:us-east-1:1:execution:m:n'] });
    expect(item!.receivedAt).toBe(new Date(NOW).toISOString());
  });

  it('refuses to overwrite a settled filtered record', async () => {
    await store.putDelivery(record({ status: 'filtered', routes: [] }));
    expect((await store.putDelivery(record())).written).toBe(false);
  });

  it('overwrites a record whose TTL passed but which DynamoDB has not removed yet', async () => {
    await store.putDelivery(record({ status: 'enqueued', expiresAt: Math.floor(NOW / 1000) - 1 }));
    expect(await store.putDelivery(record())).toEqual({ written: true });
  });

  it('keeps deliveries of different webhooks with the same key apart', async () => {
    await store.putDelivery(record({ status: 'enqueued' }));
    expect(await store.putDelivery(record({ webhook: 'stripe' }))).toEqual({ written: true });
  });
});

describe('DynamoDbHistoryStore updates', () => {
  it('markEnqueued adds every execution ARN and clears an earlier failure', async () => {
    const key = HISTORY_ITEMS.delivery('github', 'd-1');
    await store.putDelivery(record());
    await store.markFailed(key, 'enqueue_failed');
    await store.markEnqueued(key, 'arn:a');
    await store.markEnqueued(key, 'arn:b');
    await store.markEnqueued(key, 'arn:a');
    const item = await stored();
    expect(item).toMatchObject({ status: 'enqueued', executions: ['arn:a', 'arn:b'] });
    expect(item!.reason).toBeUndefined();
  });

  it('markFailed leaves an enqueued record alone', async () => {
    const key = HISTORY_ITEMS.delivery('github', 'd-1');
    await store.putDelivery(record());
    await store.markEnqueued(key, 'arn:a');
    await store.markFailed(key, 'enqueue_failed');
    expect((await stored())!.status).toBe('enqueued');
  });

  it('does not create records for deliveries that are gone', async () => {
    const key = HISTORY_ITEMS.delivery('github', 'missing');
    await store.markEnqueued(key, 'arn:a');
    await store.markFailed(key, 'enqueue_failed');
    await store.countDuplicate(key);
    expect(await stored('missing')).toBeUndefined();
    await expect(store.nextReplayNumber(key)).rejects.toThrow();
  });

  it('counts duplicates and numbers replays atomically', async () => {
    const key = HISTORY_ITEMS.delivery('github', 'd-1');
    await store.putDelivery(record());
    await Promise.all([store.countDuplicate(key), store.countDuplicate(key)]);
    const numbers = await Promise.all([
      store.nextReplayNumber(key),
      store.nextReplayNumber(key),
      store.nextReplayNumber(key),
    ]);
    expect(numbers.sort()).toEqual([1, 2, 3]);
    expect(await stored()).toMatchObject({ duplicates: 2, replays: 3 });
  });

  it('finds a delivery by its id through the byDeliveryId index', async () => {
    await store.putDelivery(record({ deliveryId: 'gh-1', idempotencyKey: 'custom-key' }));
    await store.putDelivery(record({ webhook: 'other', deliveryId: 'gh-1', idempotencyKey: 'custom-key' }));
    const found = await store.getDelivery('github', 'gh-1');
    expect(found).toMatchObject({ webhook: 'github', deliveryId: 'gh-1', idempotencyKey: 'custom-key' });
    expect(await store.getDelivery('github', 'nope')).toBeUndefined();
  });

  it('keeps rejections under their own sort keys, without a delivery id', async () => {
    const rejection = record({
      status: 'rejected',
      reason: 'signature_mismatch',
      httpStatus: 401,
      deliveryId: undefined,
      idempotencyKey: undefined,
      body: undefined,
    });
    await store.putRejection(rejection);
    await store.putRejection(rejection);
    const items = await local.dynamodb.send(
      new QueryCommand({
        TableName: resources.historyTable,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
        ExpressionAttributeValues: { ':pk': { S: 'github' }, ':r': { S: 'r#' } },
      }),
    );
    const records = (items.Items ?? []).map(fromItem);
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      webhook: 'github',
      status: 'rejected',
      reason: 'signature_mismatch',
      httpStatus: 401,
    });
    expect(records[0]!.deliveryId).toBeUndefined();
  });
});
