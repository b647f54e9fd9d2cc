import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbWaiterStore } from '../../lambdas/adapters/dynamodb-waiters';
import { toWaiter } from '../../lambdas/core/waiters/model';
import { ManualClock } from '../support/clock';
import { startLocalAws, type LocalAws } from '../support/local-aws';
import { createWaiterTable, registration, reviewEvent } from './support';

let local: LocalAws;
let store: DynamoDbWaiterStore;
const clock = new ManualClock();

beforeAll(async () => {
  local = await startLocalAws();
});
afterAll(() => local?.stop());
beforeEach(async () => {
  store = new DynamoDbWaiterStore(local.dynamodb, await createWaiterTable(local));
});

describe('DynamoDbWaiterStore', () => {
  it('keeps a waiter with its values exactly and finds it for events with its key', async () => {
    const waiter = toWaiter(registration({ values: { pr: 42, labels: ['a'], none: null } }), clock.now());
    await store.register(waiter);
    expect(await store.waitersFor('github', 'github:pull_request_review')).toEqual([waiter]);
    expect(await store.waitersFor('github', 'github:pull_request')).toEqual([]);
    expect(await store.waitersFor('gitlab', 'github:pull_request_review')).toEqual([]);
  });

  it('offers every event of the webhook to pattern waiters, which are kept in one partition', async () => {
    const pattern = toWaiter(registration({ eventKey: 'github:pull_request*' }), clock.now());
    const exact = toWaiter(registration({ eventKey: 'github:push' }), clock.now());
    await Promise.all([store.register(pattern), store.register(exact)]);
    expect(await store.waitersFor('github', 'github:pull_request_review')).toEqual([pattern]);
    expect((await store.waitersFor('github', 'github:push')).map((w) => w.eventKey).sort()).toEqual([
      'github:pull_request*',
      'github:push',
    ]);
  });

  it('returns recorded events of the key since a time, oldest first, and for a pattern the keys it matches', async () => {
    const t0 = new ManualClock(Date.parse('2026-03-01T12:00:00Z'));
    const first = reviewEvent(t0);
    t0.advance(60_000);
    const second = reviewEvent(t0);
    t0.advance(1);
    const other = reviewEvent(t0, {}, { eventKey: 'github:pull_request_review_comment' });
    const push = reviewEvent(t0, {}, { eventKey: 'github:push' });
    for (const offered of [second, first, other, push]) await store.recordEvent(offered, 2_000_000_000);

    const all = await store.recentEvents('github', 'github:pull_request_review', new Date('2026-03-01T11:00:00Z'));
    expect(all.map((o) => o.event.deliveryId)).toEqual([first.event.deliveryId, second.event.deliveryId]);
    expect(all[0]).toEqual(first);

    const since = await store.recentEvents('github', 'github:pull_request_review', new Date('2026-03-01T12:00:30Z'));
    expect(since.map((o) => o.event.deliveryId)).toEqual([second.event.deliveryId]);

    const pattern = await store.recentEvents('github', 'github:pull_request_review*', new Date('2026-03-01T11:00:00Z'));
    expect(pattern.map((o) => o.event.deliveryId)).toEqual([
      first.event.deliveryId,
      second.event.deliveryId,
      other.event.deliveryId,
    ]);
  });

  it('lets exactly one of several concurrent claimants claim a waiter, and the same claimant again', async () => {
    const waiter = toWaiter(registration(), clock.now());
    await store.register(waiter);
    const claims = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((c) => store.claim(waiter, c, clock.now())));
    expect(claims.filter(Boolean)).toHaveLength(1);
    const winner = ['a', 'b', 'c', 'd', 'e'][claims.indexOf(true)]!;
    expect(await store.claim(waiter, winner, clock.now())).toBe(true);
    expect((await store.waitersFor('github', waiter.eventKey))[0]!.claimedBy).toBe(winner);
  });

  it('fails if the waiter expired or was removed', async () => {
    const waiter = toWaiter(registration({ timeoutSeconds: 60 }), clock.now());
    await store.register(waiter);
    expect(await store.claim(waiter, 'late', new Date(clock.now().getTime() + 61_000))).toBe(false);
    expect(await store.claim(waiter, 'a', clock.now())).toBe(true);
    await store.remove(waiter, 'not-a');
    expect(await store.waitersFor('github', waiter.eventKey)).toHaveLength(1);
    await store.remove(waiter, 'a');
    expect(await store.waitersFor('github', waiter.eventKey)).toEqual([]);
    expect(await store.claim(waiter, 'a', clock.now())).toBe(false);
  });

  it('keeps very long event keys under their hash', async () => {
    const key = `github:${'k'.repeat(3000)}`;
    const waiter = toWaiter(registration({ eventKey: key }), clock.now());
    await store.register(waiter);
    expect(await store.waitersFor('github', key)).toEqual([waiter]);
    const offered = reviewEvent(clock, {}, { eventKey: key });
    await store.recordEvent(offered, 2_000_000_000);
    expect(await store.recentEvents('github', key, new Date(0))).toEqual([offered]);
  });
});
