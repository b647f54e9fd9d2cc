import { describe, expect, it } from 'vitest';
import { HttpHeaders } from '../../lambdas/core/http/headers';

describe('HttpHeaders', () => {
  it('finds a header whatever the case it was sent or asked in', () => {
    const headers = HttpHeaders.from({ 'X-Hub-Signature-256': 'sha256=ab', 'content-type': 'application/json' });
    expect(headers.get('x-hub-signature-256')).toBe('sha256=ab');
    expect(headers.get('CONTENT-TYPE')).toBe('application/json');
    expect(headers.has('X-HUB-SIGNATURE-256')).toBe(true);
    expect(headers.has('x-hub-signature')).toBe(false);
    expect(headers.get('x-missing')).toBeUndefined();
    expect(headers.all('x-missing')).toEqual([]);
  });

  it("takes API Gateway's multi-value headers, in order, over the single-value ones", () => {
    // A REST API's proxy event holds one value of a repeated header in `headers`, all of them in `multiValueHeaders`.
    const headers = HttpHeaders.from(
      { 'Stripe-Signature': 't=2,v1=b', 'User-Agent': 'Stripe/1.0' },
      { 'Stripe-Signature': ['t=1,v1=a', 't=2,v1=b'] },
    );
    expect(headers.all('stripe-signature')).toEqual(['t=1,v1=a', 't=2,v1=b']);
    expect(headers.get('stripe-signature')).toBe('t=1,v1=a');
    expect(headers.get('user-agent')).toBe('Stripe/1.0');
  });

  it('merges names that differ only in case into one header', () => {
    const headers = HttpHeaders.from(null, { 'X-Id': ['a'], 'x-id': ['b'] });
    expect(headers.all('X-ID')).toEqual(['a', 'b']);
    expect(headers.names()).toEqual(['x-id']);
  });

  it('skips undefined values and accepts null or missing maps', () => {
    const headers = HttpHeaders.from({ a: undefined, b: 'x' }, { c: undefined });
    expect(headers.names()).toEqual(['b']);
    expect(HttpHeaders.from(null, null).names()).toEqual([]);
    expect(HttpHeaders.from().names()).toEqual([]);
  });

  it('keeps a single value whose name has no values in multiValueHeaders', () => {
    expect(HttpHeaders.from({ 'X-Sig': 'abc' }, { 'X-Sig': [] }).get('x-sig')).toBe('abc');
    expect(HttpHeaders.from({ 'X-Sig': 'abc' }, { 'X-Sig': undefined }).get('x-sig')).toBe('abc');
    expect(HttpHeaders.from({ 'X-Sig': 'abc' }, { 'X-Sig': ['def'] }).all('x-sig')).toEqual(['def']);
  });

  it('single(): the value, missing, or ambiguous when repeated with different values', () => {
    const headers = new HttpHeaders()
      .append('X-Signature', 'a')
      .append('x-signature', 'a')
      .append('X-Timestamp', '1')
      .append('X-Timestamp', '2');
    expect(headers.single('x-signature')).toBe('a');
    expect(headers.single('x-timestamp')).toBe('ambiguous');
    expect(headers.single('x-absent')).toBe('missing');
  });

  it('toRecord(): lower-cased names, repeated values joined with ", " (what CEL sees as headers)', () => {
    const headers = HttpHeaders.from({ Host: 'example.com' }, { Accept: ['text/plain', 'application/json'] });
    expect(headers.toRecord()).toEqual({ accept: 'text/plain, application/json', host: 'example.com' });
  });
});
