import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { GetItemCommand, PutItemCommand, UpdateItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { DynamoDbPendingSweep, pendingShard } from '../../lambdas/adapters/dynamodb-dedup';
import { DynamoDbHistoryStore, fromItem } from '../../lambdas/adapters/dynamodb-history';
import type { AttemptRef, DeliveryClaim } from '../../lambdas/adapters/ports';
import type { DeliveryRecord } from '../../lambdas/core/config/messages';
import { HISTORY_ITEMS, QUEUE_RETENTION_SECONDS } from '../../lambdas/core/config/tables';
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
const LEASE = 15;
const DAY = 86400;

function record(overrides: Partial<DeliveryRecord> = {}): DeliveryClaim['record'] {
  const receivedAt = overrides.receivedAt ?? new Date(NOW).toISOString();
  const seconds = Math.floor(Date.parse(receivedAt) / 1000);
  return {
    webhook: 'github',
    deliveryId: 'd-1',
    idempotencyKey: 'd-1',
    receivedAt,
    status: 'pending',
    routes: ['r1'],
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': '[redacted]' },
    bodySize: 2,
    bodySha256: 'ab',
    body: Buffer.from('{}'),
    attempt: randomUUID(),
    leaseUntil: seconds + LEASE,
    expiresAt: seconds + 30 * DAY,
    ...overrides,
  } as DeliveryClaim['record'];
}

/** A claim at NOW + `afterSeconds`, by a new attempt. */
function claimAt(
  afterSeconds: number,
  overrides: Partial<DeliveryRecord> = {},
  markerStatus: 'pending' | 'settled' = 'pending',
) {
  const received = NOW + afterSeconds * 1000;
  const r = record({ receivedAt: new Date(received).toISOString(), ...overrides });
  return { record: r, markerStatus, markerExpiresAt: Math.floor(received / 1000) + 90 * DAY };
}

const refOf = (c: DeliveryClaim): AttemptRef => ({
  webhook: c.record.webhook,
  idempotencyKey: c.record.idempotencyKey,
  attempt: c.record.attempt,
  expiresAt: c.record.expiresAt,
});

async function item(key: { pk: string; sk: string }) {
  const got = await local.dynamodb.send(
    new GetItemCommand({ TableName: resources.historyTable, Key: marshall(key), ConsistentRead: true }),
  );
  return got.Item ? unmarshall(got.Item) : undefined;
}

async function stored(idempotencyKey = 'd-1') {
  const got = await item(HISTORY_ITEMS.delivery('github', idempotencyKey));
  return got ? fromItem(marshall(got, { removeUndefinedValues: true })) : undefined;
}

const marker = (idempotencyKey = 'd-1') => item(HISTORY_ITEMS.marker('github', idempotencyKey));

/** Writes an item as it stands (a state the store itself would not leave, set up for a test). */
async function putItem(item: Record<string, unknown>) {
  await local.dynamodb.send(
    new PutItemCommand({
      TableName: resources.historyTable,
      Item: marshall(item, { removeUndefinedValues: true }),
    }),
  );
}

/** The history item of the claim's attempt becomes failed (markFailed's half that reached it). */
async function failHistoryOf(claim: DeliveryClaim) {
  await local.dynamodb.send(
    new UpdateItemCommand({
      TableName: resources.historyTable,
      Key: marshall(HISTORY_ITEMS.delivery(claim.record.webhook, claim.record.idempotencyKey)),
      UpdateExpression: 'SET #status = :failed',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':failed': { S: 'failed' } },
    }),
  );
}

describe('DynamoDbHistoryStore claim', () => {
  it('writes the history item and a small marker in one round trip, and reads the item back with its body', async () => {
    const first = claimAt(0);
    expect(await store.claim(first)).toEqual({ claimed: true });
    const history = await stored();
    expect(history).toMatchObject({ webhook: 'github', deliveryId: 'd-1', status: 'pending', routes: ['r1'] });
    expect(Buffer.from(history!.body!).toString()).toBe('{}');
    expect(await marker()).toEqual({
      pk: 'github',
      sk: 'k#d-1',
      status: 'pending',
      attempt: first.record.attempt,
      leaseUntil: first.record.leaseUntil,
      expiresAt: first.markerExpiresAt,
      pendingShard: pendingShard('github', 'd-1'),
    });
  });

  it('answers duplicate for a copy while the first is pending within its lease, and leaves the first alone', async () => {
    const first = claimAt(0);
    await store.claim(first);
    expect(await store.claim(claimAt(LEASE - 1))).toMatchObject({ claimed: false, previousStatus: 'pending' });
    expect(await stored()).toMatchObject({ attempt: first.record.attempt, duplicates: 1 });
    expect(await marker()).toMatchObject({ attempt: first.record.attempt, status: 'pending' });
  });

  it('hands a delivery whose pending claim outlived its lease without being queued to the retry', async () => {
    await store.claim(claimAt(0));
    const retry = claimAt(LEASE + 1);
    expect(await store.claim(retry)).toEqual({ claimed: true });
    expect(await stored()).toMatchObject({ attempt: retry.record.attempt, status: 'pending' });
    expect(await marker()).toMatchObject({ attempt: retry.record.attempt, status: 'pending' });
  });

  it('tells a copy of a sent delivery that no execution started from yet to send its own messages', async () => {
    const first = claimAt(0);
    await store.claim(first);
    await store.markQueued(refOf(first));
    // Still in the sweeper's index, with a lease as long as a message can wait on the queue.
    expect(await marker()).toMatchObject({
      status: 'queued',
      pendingShard: pendingShard('github', 'd-1'),
      leaseUntil: first.record.leaseUntil + QUEUE_RETENTION_SECONDS,
    });
    const copy = claimAt(1);
    expect(await store.claim(copy)).toEqual({ claimed: false, previousStatus: 'queued', resend: true });
    expect(await stored()).toMatchObject({ attempt: first.record.attempt, status: 'pending', duplicates: 1 });
  });

  it('keeps the item a resending copy wrote over a failed one: it is the delivery’s record now', async () => {
    const first = claimAt(0);
    await store.claim(first);
    await store.markQueued(refOf(first));
    // The send failed and markFailed reached only the history item: the marker stays queued.
    await failHistoryOf(first);
    const copy = claimAt(5);
    expect(await store.claim(copy)).toMatchObject({ claimed: false, previousStatus: 'queued', resend: true });
    expect(await stored()).toMatchObject({ attempt: copy.record.attempt, status: 'pending' });
  });

  it('once the dispatcher started it, answers duplicate however late the copy comes, and keeps the history item', async () => {
    const first = claimAt(0);
    await store.claim(first);
    await store.markQueued(refOf(first));
    await store.markDispatched('github', 'd-1');
    expect(await marker()).toMatchObject({ status: 'queued' });
    expect(await marker()).not.toHaveProperty('pendingShard');
    expect(await store.claim(claimAt(LEASE + 3600))).toEqual({ claimed: false, previousStatus: 'queued' });
    expect(await store.claim(claimAt(29 * DAY))).toMatchObject({ claimed: false });
    // Regression: the item, still pending (its messages wait for the dispatcher), used to be overwritten
    // by the late copy (its lease was over) and then deleted as that copy's stray write.
    const kept = await stored();
    expect(kept).toMatchObject({ attempt: first.record.attempt, status: 'pending', duplicates: 2 });
    expect(Buffer.from(kept!.body!).toString()).toBe('{}');
    expect(
      await store.markEnqueued(HISTORY_ITEMS.delivery('github', 'd-1'), 'arn:aws:states:us-east-1:1:execution:m:n'),
    ).toBe('added');
  });

  it('hands a delivery whose attempt died to the retry that wins the marker, taking over its history item', async () => {
    const first = claimAt(0);
    await store.claim(first);
    const retry = claimAt(LEASE + 1);
    expect(await store.claim(retry)).toEqual({ claimed: true });
    expect(await stored()).toMatchObject({ attempt: retry.record.attempt, receivedAt: retry.record.receivedAt });
    expect(await marker()).toMatchObject({ attempt: retry.record.attempt, status: 'pending' });
  });

  it('answers duplicate for an enqueued or settled delivery, and repairs a marker that missed its queued mark', async () => {
    const first = claimAt(0);
    await store.claim(first);
    // The send went through but the queued mark was lost; the dispatcher started the execution.
    await store.markEnqueued(HISTORY_ITEMS.delivery('github', 'd-1'), 'arn:aws:states:us-east-1:1:execution:m:n');
    expect(await store.claim(claimAt(LEASE + 60))).toMatchObject({ claimed: false, previousStatus: 'enqueued' });
    expect(await marker()).toMatchObject({ status: 'queued' });
    expect(await stored()).toMatchObject({ status: 'enqueued', attempt: first.record.attempt, duplicates: 1 });

    await store.claim(claimAt(0, { idempotencyKey: 'f-1', status: 'filtered', routes: [] }, 'settled'));
    expect(await store.claim(claimAt(LEASE + 60, { idempotencyKey: 'f-1' }))).toMatchObject({
      claimed: false,
      previousStatus: 'settled',
    });
  });

  it('hands a failed delivery to the retry', async () => {
    const first = claimAt(0);
    await store.claim(first);
    await store.markFailed(refOf(first), 'enqueue_failed');
    expect(await stored()).toMatchObject({ status: 'failed', reason: 'enqueue_failed' });
    // Still in the sweeper's index, which clears it once the lease is over (see DynamoDbPendingSweep).
    expect(await marker()).toMatchObject({ status: 'failed', pendingShard: pendingShard('github', 'd-1') });
    expect(await store.claim(claimAt(1))).toEqual({ claimed: true });
    expect(await stored()).toMatchObject({ status: 'pending' });
  });

  it('answers duplicate for a copy whose history expired while its marker lives, and keeps no item of the copy', async () => {
    const first = claimAt(0);
    await store.claim(first);
    await store.markQueued(refOf(first));
    await store.markDispatched('github', 'd-1');
    // 31 days on: the history item's TTL passed (DynamoDB may not have removed it yet), the marker's has not.
    const late = claimAt(31 * DAY);
    expect(await store.claim(late)).toMatchObject({ claimed: false, previousStatus: 'queued' });
    expect(await stored()).toBeUndefined();
    expect(await marker()).toMatchObject({ attempt: first.record.attempt, status: 'queued' });
  });

  it('takes the delivery again once the marker expired too', async () => {
    const first = claimAt(0);
    await store.claim(first);
    await store.markQueued(refOf(first));
    expect(await store.claim(claimAt(91 * DAY))).toEqual({ claimed: true });
  });

  it('answers duplicate for a delivery recorded before markers existed', async () => {
    await putItem({
      ...HISTORY_ITEMS.delivery('github', 'old-1'),
      status: 'enqueued',
      expiresAt: NOW / 1000 + DAY,
    });
    expect(await store.claim(claimAt(5, { idempotencyKey: 'old-1' }))).toMatchObject({
      claimed: false,
      previousStatus: 'enqueued',
    });
    expect(await marker('old-1')).toMatchObject({ status: 'queued' });
  });

  it('claims exactly one of many concurrent copies, and the history item is the winner’s', async () => {
    const copies = Array.from({ length: 12 }, () => claimAt(0));
    const results = await Promise.all(copies.map((c) => store.claim(c)));
    const winners = copies.filter((_, i) => results[i]!.claimed);
    expect(winners).toHaveLength(1);
    expect(await stored()).toMatchObject({ attempt: winners[0]!.record.attempt, status: 'pending' });
    expect(await marker()).toMatchObject({ attempt: winners[0]!.record.attempt });
  });

  it('takes over the pending item a copy wrote when that copy lost the marker, and the copy leaves it', async () => {
    // The loser's history write landed first, the winner's marker write first: set that state up.
    const loser = claimAt(0);
    await putItem({ ...loser.record, ...HISTORY_ITEMS.delivery('github', 'd-1'), webhook: undefined });
    const winner = claimAt(1);
    expect(await store.claim(winner)).toEqual({ claimed: true });
    expect(await stored()).toMatchObject({ attempt: winner.record.attempt });
    // A third copy finds the winner's marker: duplicate, and the winner's item stays.
    expect(await store.claim(claimAt(2))).toMatchObject({ claimed: false, previousStatus: 'pending' });
    expect(await stored()).toMatchObject({ attempt: winner.record.attempt });
  });

  it('a copy that loses the marker to an attempt under way fails the history item it wrote, never leaving it pending', async () => {
    // Regressions (fault tests): left pending for the marker's attempt to take over, the item stayed
    // pending for good when that attempt then failed (it marks only what it holds); removed instead,
    // the delivery lost its record when the item the copy had written over was its failed record.
    const holder = claimAt(0);
    await putItem({
      ...HISTORY_ITEMS.marker('github', 'd-1'),
      status: 'pending',
      attempt: holder.record.attempt,
      leaseUntil: holder.record.leaseUntil,
      expiresAt: holder.markerExpiresAt,
      pendingShard: pendingShard('github', 'd-1'),
    });
    const copy = claimAt(1);
    expect(await store.claim(copy)).toMatchObject({ claimed: false, previousStatus: 'pending' });
    expect(await stored()).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/^claim_lost/),
      attempt: copy.record.attempt,
      deliveryId: 'd-1',
    });
    // The marker's attempt fails: the record stays, failed; a retry writes over it.
    await store.markFailed(refOf(holder), 'history_write_failed');
    expect(await stored()).toMatchObject({ status: 'failed', attempt: copy.record.attempt });
    expect(await marker()).toMatchObject({ status: 'failed' });
    const retry = claimAt(2);
    expect(await store.claim(retry)).toEqual({ claimed: true });
    expect(await stored()).toMatchObject({ status: 'pending', attempt: retry.record.attempt });
  });

  it('a copy that loses the marker of a started delivery removes the stray item it wrote over an expired one', async () => {
    const first = claimAt(0);
    await store.claim(first);
    await store.markQueued(refOf(first));
    await store.markDispatched('github', 'd-1');
    // The history expired (DynamoDB has not removed it yet); the marker lives on.
    const key = HISTORY_ITEMS.delivery('github', 'd-1');
    await local.dynamodb.send(
      new UpdateItemCommand({
        TableName: resources.historyTable,
        Key: marshall(key),
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': { N: String(Math.floor(NOW / 1000)) } },
      }),
    );
    expect(await store.claim(claimAt(10))).toMatchObject({ claimed: false, previousStatus: 'queued' });
    expect(await stored()).toBeUndefined();
  });

  it('lets only the attempt that holds the items change them', async () => {
    const first = claimAt(0);
    await store.claim(first);
    const other: AttemptRef = { ...refOf(first), attempt: 'someone-else' };
    await store.markFailed(other, 'enqueue_failed');
    await store.markQueued(other);
    expect(await stored()).toMatchObject({ status: 'pending' });
    expect(await marker()).toMatchObject({ status: 'pending' });
  });

  it('keeps deliveries of different webhooks with the same key apart', async () => {
    const first = claimAt(0);
    await store.claim(first);
    await store.markQueued(refOf(first));
    expect(await store.claim(claimAt(1, { webhook: 'stripe' }))).toEqual({ claimed: true });
  });
});

describe('DynamoDbPendingSweep', () => {
  it('finds pending markers whose lease ran out, in every shard, and none that are queued or leased', async () => {
    const sweep = new DynamoDbPendingSweep(local.dynamodb, resources.historyTable);
    const keys = Array.from({ length: 40 }, (_, i) => `s-${i}`);
    const claims = keys.map((k) => claimAt(0, { idempotencyKey: k }));
    await Promise.all(claims.map((c) => store.claim(c)));
    await store.markQueued(refOf(claims[0]!));
    await store.claim(claimAt(100, { idempotencyKey: 'late' }));
    const stale = await sweep.stalePending(Math.floor(NOW / 1000) + LEASE + 1);
    expect(stale.map((m) => m.idempotencyKey).sort()).toEqual(keys.slice(1).sort());
    expect(new Set(keys.map((k) => pendingShard('github', k))).size).toBeGreaterThan(8);
  });

  it('fails an interrupted delivery, and settles one that went through meanwhile', async () => {
    const sweep = new DynamoDbPendingSweep(local.dynamodb, resources.historyTable);
    const now = Math.floor(NOW / 1000) + LEASE + 1;
    await store.claim(claimAt(0, { idempotencyKey: 'dead' }));
    await store.claim(claimAt(0, { idempotencyKey: 'done' }));
    await store.markEnqueued(HISTORY_ITEMS.delivery('github', 'done'), 'arn:e');
    const leased = claimAt(10, { idempotencyKey: 'leased' });
    await store.claim(leased);

    expect(await sweep.settle({ webhook: 'github', idempotencyKey: 'dead' }, now)).toBe('failed');
    expect(await stored('dead')).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/^ingest_interrupted/),
    });
    expect(await marker('dead')).toMatchObject({ status: 'failed' });
    expect(await marker('dead')).not.toHaveProperty('pendingShard');
    expect(await sweep.settle({ webhook: 'github', idempotencyKey: 'done' }, now)).toBe('queued');
    expect(await stored('done')).toMatchObject({ status: 'enqueued' });
    expect(await sweep.settle({ webhook: 'github', idempotencyKey: 'leased' }, now)).toBe('skipped');
    expect(await sweep.settle({ webhook: 'github', idempotencyKey: 'dead' }, now)).toBe('skipped');
    expect(await sweep.stalePending(now)).toEqual([]);
    // The failed one is a new delivery for the sender's retry.
    expect(await store.claim(claimAt(LEASE + 2, { idempotencyKey: 'dead' }))).toEqual({ claimed: true });
  });

  it('leaves a queued marker until no message of it can be on the queue, then settles it from its history', async () => {
    const sweep = new DynamoDbPendingSweep(local.dynamodb, resources.historyTable);
    const started = claimAt(0, { idempotencyKey: 'started' });
    const lost = claimAt(0, { idempotencyKey: 'lost' });
    const dispatched = claimAt(0, { idempotencyKey: 'dispatched' });
    for (const c of [started, lost, dispatched]) {
      await store.claim(c);
      await store.markQueued(refOf(c));
    }
    // Started, but the dispatcher's marker write was lost; a send that failed with its markFailed; dispatched.
    await store.markEnqueued(HISTORY_ITEMS.delivery('github', 'started'), 'arn:e');
    await store.markDispatched('github', 'dispatched');

    const afterLease = Math.floor(NOW / 1000) + LEASE + 1;
    expect(await sweep.stalePending(afterLease)).toEqual([]);
    const afterRetention = afterLease + QUEUE_RETENTION_SECONDS;
    expect((await sweep.stalePending(afterRetention)).map((m) => m.idempotencyKey).sort()).toEqual(['lost', 'started']);
    expect(await sweep.settle({ webhook: 'github', idempotencyKey: 'started' }, afterRetention)).toBe('queued');
    expect(await sweep.settle({ webhook: 'github', idempotencyKey: 'lost' }, afterRetention)).toBe('failed');
    expect(await stored('lost')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^not_started/) });
    expect(await stored('started')).toMatchObject({ status: 'enqueued' });
    expect(await sweep.stalePending(afterRetention)).toEqual([]);
    // The lost one is a new delivery for the sender's retry; the started one stays a duplicate.
    expect(await store.claim(claimAt(LEASE + 2, { idempotencyKey: 'lost' }))).toEqual({ claimed: true });
    expect(await store.claim(claimAt(LEASE + 2, { idempotencyKey: 'started' }))).toEqual({
      claimed: false,
      previousStatus: 'queued',
    });
  });

  it('the dispatcher marks a pending marker (a lost queued mark) queued, and leaves a failed one to the sweeper', async () => {
    const pending = claimAt(0, { idempotencyKey: 'pending' });
    const failed = claimAt(0, { idempotencyKey: 'failed' });
    await store.claim(pending);
    await store.claim(failed);
    await store.markFailed(refOf(failed), 'enqueue_failed');
    await store.markDispatched('github', 'pending');
    await store.markDispatched('github', 'failed');
    await store.markDispatched('github', 'never-claimed');
    expect(await marker('pending')).toMatchObject({ status: 'queued', attempt: pending.record.attempt });
    expect(await marker('pending')).not.toHaveProperty('pendingShard');
    expect(await marker('failed')).toMatchObject({ status: 'failed', pendingShard: pendingShard('github', 'failed') });
    expect(await marker('never-claimed')).toBeUndefined();
  });
});

describe('DynamoDbPendingSweep and failed markers', () => {
  it('fails a history item left pending under a failed marker, then takes the marker out of its index', async () => {
    // Regression (fault tests): an attempt failed (503) while its claim's history write was still on
    // its way; the write landed over another attempt's failed item, pending, under the failed marker.
    const sweep = new DynamoDbPendingSweep(local.dynamodb, resources.historyTable);
    const now = Math.floor(NOW / 1000) + LEASE + 1;
    const holder = claimAt(0, { idempotencyKey: 'orphan' });
    await store.claim(holder);
    await store.markFailed(refOf(holder), 'history_write_failed');
    const key = HISTORY_ITEMS.delivery('github', 'orphan');
    await putItem({ ...holder.record, ...key, webhook: undefined });
    const failedOnly = claimAt(0, { idempotencyKey: 'plain' });
    await store.claim(failedOnly);
    await store.markFailed(refOf(failedOnly), 'enqueue_failed');

    expect((await sweep.stalePending(now)).map((m) => m.idempotencyKey).sort()).toEqual(['orphan', 'plain']);
    expect(await sweep.settle({ webhook: 'github', idempotencyKey: 'orphan' }, now)).toBe('failed');
    expect(await stored('orphan')).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/^ingest_interrupted/),
    });
    expect(await sweep.settle({ webhook: 'github', idempotencyKey: 'plain' }, now)).toBe('cleared');
    expect(await stored('plain')).toMatchObject({ status: 'failed', reason: 'enqueue_failed' });
    expect(await sweep.stalePending(now)).toEqual([]);
    expect(await marker('orphan')).toMatchObject({ status: 'failed' });
    expect(await marker('orphan')).not.toHaveProperty('pendingShard');
    expect(await sweep.settle({ webhook: 'github', idempotencyKey: 'orphan' }, now)).toBe('skipped');
  });

  it('leaves a failed marker indexed while a newer history item under it is within its lease', async () => {
    const sweep = new DynamoDbPendingSweep(local.dynamodb, resources.historyTable);
    const first = claimAt(0, { idempotencyKey: 'newer' });
    await store.claim(first);
    await store.markFailed(refOf(first), 'enqueue_failed');
    // A copy's item written later, still in its lease, under the failed marker.
    const copy = claimAt(20, { idempotencyKey: 'newer' });
    await putItem({ ...copy.record, ...HISTORY_ITEMS.delivery('github', 'newer'), webhook: undefined });
    const now = Math.floor(NOW / 1000) + LEASE + 1;
    expect(await sweep.settle({ webhook: 'github', idempotencyKey: 'newer' }, now)).toBe('skipped');
    expect(await marker('newer')).toHaveProperty('pendingShard');
    expect(await sweep.settle({ webhook: 'github', idempotencyKey: 'newer' }, now + 30)).toBe('failed');
  });
});

describe('DynamoDbHistoryStore updates', () => {
  it('markEnqueued adds every execution ARN, says whether it was new, and clears an earlier failure', async () => {
    const key = HISTORY_ITEMS.delivery('github', 'd-1');
    const first = claimAt(0);
    await store.claim(first);
    await store.markFailed(refOf(first), 'enqueue_failed');
    expect(await store.markEnqueued(key, 'arn:a')).toBe('added');
    expect(await store.markEnqueued(key, 'arn:b')).toBe('added');
    expect(await store.markEnqueued(key, 'arn:a')).toBe('present');
    expect(await store.markEnqueued(HISTORY_ITEMS.delivery('github', 'gone'), 'arn:a')).toBe('missing');
    const item = await stored();
    expect(item).toMatchObject({ status: 'enqueued', executions: ['arn:a', 'arn:b'] });
    expect(item!.reason).toBeUndefined();
  });

  it('markFailed leaves an enqueued record alone', async () => {
    const key = HISTORY_ITEMS.delivery('github', 'd-1');
    const first = claimAt(0);
    await store.claim(first);
    await store.markEnqueued(key, 'arn:a');
    await store.markFailed(refOf(first), 'enqueue_failed');
    expect((await stored())!.status).toBe('enqueued');
  });

  it('does not create records for deliveries that are gone', async () => {
    const key = HISTORY_ITEMS.delivery('github', 'missing');
    await store.markEnqueued(key, 'arn:a');
    await store.markQueued({ webhook: 'github', idempotencyKey: 'missing', attempt: 'a', expiresAt: 1 });
    await store.countDuplicate(key);
    expect(await stored('missing')).toBeUndefined();
    expect(await marker('missing')).toBeUndefined();
    await expect(store.nextReplayNumber(key)).rejects.toThrow();
  });

  it("markFailed leaves a failed tombstone where the attempt's history write has not landed, which only another attempt replaces", async () => {
    // Regression (fault tests): the claim's history write timed out, the attempt marked its claim
    // failed, and then the write landed: a pending item under a failed marker, settled by nothing.
    const late = claimAt(0, { idempotencyKey: 'late' });
    await store.markFailed(refOf(late), 'history_write_failed');
    const key = HISTORY_ITEMS.delivery('github', 'late');
    expect(await item(key)).toEqual({
      ...key,
      status: 'failed',
      reason: 'history_write_failed',
      attempt: late.record.attempt,
      expiresAt: late.record.expiresAt,
    });
    // The attempt's own write, landing now, is refused (its marker is the sweeper's once its lease is over).
    await expect(store.claim(late)).rejects.toThrow();
    expect(await item(key)).toMatchObject({ status: 'failed', attempt: late.record.attempt });
    expect(await item(key)).not.toHaveProperty('body');
    // The sender's retry is a new attempt: it writes over the tombstone.
    const retry = claimAt(LEASE + 1, { idempotencyKey: 'late' });
    expect(await store.claim(retry)).toEqual({ claimed: true });
    expect(await stored('late')).toMatchObject({ status: 'pending', attempt: retry.record.attempt, deliveryId: 'd-1' });
  });

  it('counts duplicates and numbers replays atomically', async () => {
    const key = HISTORY_ITEMS.delivery('github', 'd-1');
    await store.claim(claimAt(0));
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
    await store.claim(claimAt(0, { deliveryId: 'gh-1', idempotencyKey: 'custom-key' }));
    await store.claim(claimAt(0, { webhook: 'other', deliveryId: 'gh-1', idempotencyKey: 'custom-key' }));
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

describe('DynamoDbHistoryStore recentDeliveries', () => {
  /** 60 rejections a second apart; every third one `filtered`. */
  async function sixty() {
    for (let i = 0; i < 60; i++) {
      await store.putRejection(
        record({
          receivedAt: new Date(NOW + i * 1000).toISOString(),
          status: i % 3 === 0 ? 'filtered' : 'rejected',
          reason: `r${i}`,
          deliveryId: undefined,
          idempotencyKey: undefined,
          body: undefined,
        }),
      );
    }
  }

  it('lists newest first, at most limit, only the webhook asked for', async () => {
    await sixty();
    await store.putRejection(record({ webhook: 'other', status: 'rejected', body: undefined }));
    const found = await store.recentDeliveries('github', { limit: 5 });
    expect(found.map((r) => r.reason)).toEqual(['r59', 'r58', 'r57', 'r56', 'r55']);
    expect(found.every((r) => r.webhook === 'github')).toBe(true);
  });

  it('reads on past a page the status filter thinned out, and stops at limit', async () => {
    await sixty();
    // A page reads 25 items (Limit counts them before the filter), 8 of them filtered: 12 take a second page.
    const found = await store.recentDeliveries('github', { limit: 12, status: 'filtered' });
    expect(found.map((r) => r.reason)).toEqual([57, 54, 51, 48, 45, 42, 39, 36, 33, 30, 27, 24].map((i) => `r${i}`));
    expect(await store.recentDeliveries('github', { limit: 100, status: 'filtered' })).toHaveLength(20);
  });

  it('keeps only what was received at since or later', async () => {
    await sixty();
    const found = await store.recentDeliveries('github', { limit: 100, since: new Date(NOW + 57_000) });
    expect(found.map((r) => r.reason)).toEqual(['r59', 'r58', 'r57']);
  });
});
