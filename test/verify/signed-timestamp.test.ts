import { describe, expect, it } from 'vitest';
import {
  checkWindow,
  malformed,
  signedTimestampHeaders,
  type SignedTimestampRules,
} from '../../lambdas/core/verify/signed-timestamp';
import { context } from '../helpers/verify';

const now = new Date('2026-03-01T12:00:00Z');
const nowSeconds = now.getTime() / 1000;

// A scheme with a timestamp header of its own: `x-sig: v1=<word>`, `x-ts: <seconds>`.
const twoHeaders: SignedTimestampRules<string> = {
  scheme: 'two',
  signature: { header: 'x-sig', parse: (v) => /^v1=(\w+)$/.exec(v)?.[1] ?? malformed('x-sig is not v1=<word>') },
  timestamp: { header: 'x-ts', unit: 's', malformed: 'x-ts is not Unix seconds' },
  defaultToleranceSeconds: 300,
};

// A scheme with the timestamp inside the signature header, in milliseconds: `x-sig: <ms>.<word>`.
const oneHeader: SignedTimestampRules<{ ms: string; word: string }> = {
  scheme: 'one',
  signature: {
    header: 'x-sig',
    parse(value) {
      const [ms, word] = value.split('.');
      return ms !== undefined && word ? { ms, word } : malformed('x-sig is not <ms>.<word>');
    },
  },
  timestamp: { in: (s) => s.ms, unit: 'ms', malformed: 'x-sig has no Unix milliseconds' },
  defaultToleranceSeconds: 5,
};

const open = <S>(rules: SignedTimestampRules<S>, headers: Record<string, string | string[]>) =>
  signedTimestampHeaders(context({ headers }, {}, now), rules);

describe('signedTimestampHeaders', () => {
  it('returns the decoded signature, the timestamp as sent and its time', () => {
    expect(open(twoHeaders, { 'X-Sig': ' v1=abc ', 'X-Ts': ` ${nowSeconds}` })).toEqual({
      signature: 'abc',
      timestampText: ` ${nowSeconds}`,
      timestamp: now,
    });
    expect(open(oneHeader, { 'X-Sig': `${now.getTime()}.abc` })).toEqual({
      signature: { ms: String(now.getTime()), word: 'abc' },
      timestampText: String(now.getTime()),
      timestamp: now,
    });
  });

  it('fails if the signature header is missing, before looking at the timestamp header', () => {
    expect(open(twoHeaders, {})).toMatchObject({ ok: false, reason: 'missing_header', detail: 'x-sig is missing' });
    expect(open(twoHeaders, { 'X-Sig': 'v1=abc' })).toMatchObject({
      reason: 'missing_header',
      detail: 'x-ts is missing',
    });
  });

  it('fails if either header was sent twice with different values', () => {
    expect(open(twoHeaders, { 'X-Sig': ['v1=a', 'v1=b'], 'X-Ts': '1' })).toMatchObject({
      reason: 'ambiguous_header',
      detail: 'x-sig was sent several times with different values',
    });
    expect(open(twoHeaders, { 'X-Sig': 'v1=a', 'X-Ts': ['1', '2'] })).toMatchObject({ reason: 'ambiguous_header' });
  });

  it("fails with the scheme's own details: the signature's format first, then the timestamp's", () => {
    expect(open(twoHeaders, { 'X-Sig': 'v2=abc', 'X-Ts': 'soon' })).toMatchObject({
      scheme: 'two',
      reason: 'malformed_header',
      detail: 'x-sig is not v1=<word>',
    });
    expect(open(twoHeaders, { 'X-Sig': 'v1=abc', 'X-Ts': 'soon' })).toMatchObject({
      reason: 'malformed_header',
      detail: 'x-ts is not Unix seconds',
    });
    expect(open(oneHeader, { 'X-Sig': '-5.abc' })).toMatchObject({
      scheme: 'one',
      reason: 'malformed_header',
      detail: 'x-sig has no Unix milliseconds',
    });
  });
});

describe('checkWindow', () => {
  it("bounds the timestamp both ways by the scheme's default window", () => {
    expect(checkWindow(oneHeader, {}, new Date(now.getTime() - 5000), now)).toBeUndefined();
    expect(checkWindow(oneHeader, {}, new Date(now.getTime() - 6000), now)).toMatchObject({
      scheme: 'one',
      reason: 'timestamp_too_old',
      detail: 'timestamp is 6 s old, tolerance 5 s',
    });
    expect(checkWindow(oneHeader, {}, new Date(now.getTime() + 6000), now)).toMatchObject({
      reason: 'timestamp_in_future',
    });
  });

  it("uses the webhook's tolerance over the scheme's", () => {
    expect(checkWindow(oneHeader, { toleranceSeconds: 60 }, new Date(now.getTime() - 59_000), now)).toBeUndefined();
    expect(checkWindow(twoHeaders, { toleranceSeconds: 1 }, new Date(now.getTime() - 2000), now)).toMatchObject({
      reason: 'timestamp_too_old',
    });
  });
});
