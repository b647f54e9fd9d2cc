import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbHistoryStore } from '../../lambdas/adapters/dynamodb-history';
import { DeployedHistory } from '../../cli/listen/deployed-history';
import { createGatewayResources, startLocalAws, type LocalAws } from '../support/local-aws';

/**
 * The poll of a deployed history table (DeployedHistory) on dynalite, with items written by the
 * history adapter the ingest function uses: new items only, oldest first, each once, and items
 * that reach the index late (older receivedAt than one already read) within the overlap.
 */

let local: LocalAws;
let table: string;
let store: DynamoDbHistoryStore;
const T0 = Date.parse('2026-12-06T12:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);

beforeAll(async () => {
  local = await startLocalAws();
  table = (await createGatewayResources(local)).historyTable;
  store = new DynamoDbHistoryStore(local.dynamodb, table);
});

afterAll(async () => local?.stop());

async function delivered(webhook: string, id: string, receivedAt: Date) {
  const seconds = Math.floor(receivedAt.getTime() / 1000);
  await store.claim({
    markerStatus: 'settled',
    markerExpiresAt: seconds + 3600,
    record: {
      webhook,
      deliveryId: id,
      idempotencyKey: id,
      receivedAt: receivedAt.toISOString(),
      status: 'filtered',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(`{"id":"${id}"}`),
      attempt: 'a',
      leaseUntil: seconds + 15,
      expiresAt: seconds + 3600,
    },
  });
}

const poller = (webhook: string, since: Date, overlapMs = 30_000) => {
  const history = new DeployedHistory({ dynamodb: local.dynamodb, historyTable: table, webhook, since, overlapMs });
  return {
    /** One poll, every item handled. */
    async poll() {
      const items = await history.poll();
      for (const item of items) history.done(item);
      return items;
    },
    history,
  };
};
const ids = (items: { record: { deliveryId?: string; status: string } }[]) =>
  items.map((i) => i.record.deliveryId ?? i.record.status);

describe('DeployedHistory', () => {
  it('returns new items of its webhook, oldest first, each once; rejections as not verified', async () => {
    await delivered('a', 'a-old', at(-1));
    const history = poller('a', at(0));
    expect(await history.poll()).toEqual([]);

    await delivered('a', 'a-2', at(2));
    await delivered('a', 'a-1', at(1));
    await delivered('b', 'b-1', at(1));
    await store.putRejection({
      webhook: 'a',
      receivedAt: at(3).toISOString(),
      status: 'rejected',
      httpStatus: 401,
      reason: 'signature_mismatch: no signature matched',
      expiresAt: Math.floor(at(3).getTime() / 1000) + 3600,
    });
    const first = await history.poll();
    expect(ids(first)).toEqual(['a-1', 'a-2', 'rejected']);
    expect(first.map((i) => i.verified)).toEqual([true, true, false]);
    expect(first[0]!.record).toMatchObject({ webhook: 'a', body: new Uint8Array(Buffer.from('{"id":"a-1"}')) });

    expect(await history.poll()).toEqual([]);
    await delivered('a', 'a-4', at(4));
    expect(ids(await history.poll())).toEqual(['a-4']);
  });

  it('returns an item that reaches the index after newer ones, within the overlap only', async () => {
    const history = poller('c', at(0), 10_000);
    await delivered('c', 'c-20', at(20));
    expect(ids(await history.poll())).toEqual(['c-20']);

    // Received before c-20, recorded after it was read (a slow ingest attempt, or the index's lag).
    await delivered('c', 'c-12', at(12));
    await delivered('c', 'c-5', at(5));
    expect(ids(await history.poll())).toEqual(['c-12']);
  });

  it('returns an item again until it is done', async () => {
    const { history } = poller('d', at(0));
    await delivered('d', 'd-1', at(1));
    await delivered('d', 'd-2', at(2));
    const [first, second] = await history.poll();
    history.done(first!);
    expect(ids(await history.poll())).toEqual(['d-2']);
    history.done(second!);
    expect(await history.poll()).toEqual([]);
  });

  it('starts at --since: earlier items of the window are returned too', async () => {
    const history = poller('a', at(-60));
    expect(ids(await history.poll())).toEqual(['a-old', 'a-1', 'a-2', 'rejected', 'a-4']);
  });
});
