import { describe, expect, it } from 'vitest';
import {
  executionName,
  normalizeIdempotencyKey,
  queueDeduplicationId,
  queueGroupId,
  replayDeliveryId,
} from '../../lambdas/core/config/messages';

describe('executionName', () => {
  it('is deterministic, readable, and at most 80 characters of [A-Za-z0-9_-]', () => {
    const name = executionName('stripe', 'evt_1NG8Du2eZvKYlo2C', 'r988c51f1523839e');
    expect(name).toBe(executionName('stripe', 'evt_1NG8Du2eZvKYlo2C', 'r988c51f1523839e'));
    expect(name).toMatch(/^stripe-r988c51f1523839e-evt_1NG8Du2eZvK[A-Za-z0-9_-]*-[0-9a-f]{32}$/);
    for (const key of ['x'.repeat(500), 'ünïcödé / spaces #1', '', '----', '#replay-1']) {
      expect(executionName('a-very-long-webhook-name-that-goes-on-and-on-and-on', key, 'route')).toMatch(
        /^[A-Za-z0-9_-]{1,80}$/,
      );
    }
  });

  it('differs whenever the webhook, key or route differs, even when the readable part is cut', () => {
    const long = 'k'.repeat(100);
    const names = new Set([
      executionName('a', long + '1', 'r'),
      executionName('a', long + '2', 'r'),
      executionName('b', long + '1', 'r'),
      executionName('a', long + '1', 's'),
      executionName('a-b', 'c', 'r'),
      executionName('a', 'b-c', 'r'),
    ]);
    expect(names.size).toBe(6);
  });
});

describe('queue ids', () => {
  it('deduplicates per webhook, key and route', () => {
    expect(queueDeduplicationId('w', 'k', 'r')).toMatch(/^[0-9a-f]{64}$/);
    expect(queueDeduplicationId('w', 'k', 'r')).toBe(queueDeduplicationId('w', 'k', 'r'));
    expect(
      new Set([
        queueDeduplicationId('w', 'k', 'r'),
        queueDeduplicationId('v', 'k', 'r'),
        queueDeduplicationId('w', 'k', 's'),
      ]).size,
    ).toBe(3);
  });

  it('keeps a readable group id when SQS allows it, else hashes it', () => {
    expect(queueGroupId('stripe', 'cus_42')).toBe('stripe:cus_42');
    expect(queueGroupId('slack', 'équipe 1')).toMatch(/^slack:[0-9a-f]{64}$/);
    expect(queueGroupId('w', 'x'.repeat(200))).toMatch(/^w:[0-9a-f]{64}$/);
  });

  it('stays within 128 characters for the longest webhook name', () => {
    const webhook = 'w'.repeat(64); // WEBHOOK_NAME_PATTERN allows 64 characters
    const ids = ['x'.repeat(200), 'équipe', 'y'.repeat(200)].map((groupBy) => queueGroupId(webhook, groupBy));
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]{1,128}$/);
    expect(new Set(ids).size).toBe(3);
  });
});

describe('idempotency keys', () => {
  it('keeps keys up to 512 bytes and hashes longer ones', () => {
    expect(normalizeIdempotencyKey('evt_1')).toBe('evt_1');
    expect(normalizeIdempotencyKey('x'.repeat(600))).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(replayDeliveryId('evt_1', 2)).toBe('evt_1#replay-2');
  });
});
