import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTime } from '../../lambdas/core/iso-time';

describe('isoTime', () => {
  it('equals toISOString for any date, any year, and throws as it does for an invalid one', () => {
    fc.assert(
      fc.property(fc.date({ noInvalidDate: true }), (date) => {
        expect(isoTime(date)).toBe(date.toISOString());
      }),
      { numRuns: 5000 },
    );
    for (const ms of [0, -1, 253402300799999, 253402300800000, -62135596800000, -30610224000001, 8.64e15, -8.64e15])
      expect(isoTime(new Date(ms))).toBe(new Date(ms).toISOString());
    expect(() => isoTime(new Date(NaN))).toThrow(RangeError);
  });
});
