import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { randomId, sha256Bytes, sha256Hex } from '../../lambdas/core/digest';

describe('digest', () => {
  it('hashes text as UTF-8 and bytes as they are, as createHash does', () => {
    for (const data of ['', 'abc', 'é😀\u0000', Buffer.from([0, 255, 1])]) {
      expect(sha256Hex(data)).toBe(createHash('sha256').update(data).digest('hex'));
      expect(sha256Bytes(data)).toEqual(createHash('sha256').update(data).digest());
    }
  });

  it('gives 32 hex characters of fresh randomness per id, across many refills of its buffer', () => {
    const ids = Array.from({ length: 5000 }, () => randomId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // Every hex digit appears about equally often: the ids are not built from a counter or a fixed part.
    const counts = new Map<string, number>();
    for (const c of ids.join('')) counts.set(c, (counts.get(c) ?? 0) + 1);
    const expected = (ids.length * 32) / 16;
    for (const count of counts.values()) expect(Math.abs(count - expected) / expected).toBeLessThan(0.1);
  });
});
