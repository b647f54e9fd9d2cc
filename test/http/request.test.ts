import { describe, expect, it } from 'vitest';
import { HttpHeaders } from '../../lambdas/core/http/headers';
import { JsonTooDeepError, MAX_JSON_DEPTH } from '../../lambdas/core/http/json';
import { InboundRequest } from '../../lambdas/core/http/request';

const URL = 'https://example.com/v1/webhooks/test';

function request(
  body: string | Uint8Array,
  init: { url?: string; headers?: Record<string, string>; method?: string } = {},
) {
  return new InboundRequest({
    method: init.method ?? 'POST',
    url: init.url ?? URL,
    headers: HttpHeaders.from(init.headers ?? {}),
    body,
  });
}

describe('InboundRequest', () => {
  it('keeps the raw bytes of a view exactly, not the buffer around it', () => {
    const whole = Buffer.from('xx{"a":1}yy');
    const view = whole.subarray(2, 9);
    const req = request(view);
    expect(req.body.toString('utf8')).toBe('{"a":1}');
    expect(req.body.length).toBe(7);
  });

  it('encodes a string body as UTF-8 and upper-cases the method', () => {
    const req = request('é', { method: 'post' });
    expect([...req.body]).toEqual([0xc3, 0xa9]);
    expect(req.method).toBe('POST');
  });

  it('reads text without a leading byte order mark, while the body (what is signed) keeps it', () => {
    const req = request('\uFEFF{"a":1}');
    expect(req.text).toBe('{"a":1}');
    expect(req.body.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(request('{"a":"\uFEFF"}').text).toBe('{"a":"\uFEFF"}');
  });

  it('parses JSON once and returns the same value on every call', () => {
    const req = request('{"a":{"b":[1,2]}}');
    const first = req.json();
    expect(first).toEqual({ a: { b: [1, 2] } });
    expect(req.json()).toBe(first);
  });

  it('throws the same parse error on every call for a body that is not JSON', () => {
    const req = request('{"a":');
    let first: unknown;
    try {
      req.json();
    } catch (error) {
      first = error;
    }
    expect(first).toBeInstanceOf(SyntaxError);
    expect(() => req.json()).toThrow(first as Error);
  });

  it(`refuses JSON nested deeper than ${MAX_JSON_DEPTH} levels with JsonTooDeepError`, () => {
    const req = request(`${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`);
    expect(() => req.json()).toThrow(JsonTooDeepError);
    expect(req.jsonObject()).toBeUndefined();
  });

  it('jsonObject(): the body when it is a JSON object, else undefined', () => {
    expect(request('{"id":"evt_1"}').jsonObject()).toEqual({ id: 'evt_1' });
    for (const body of ['[{"id":1}]', 'null', '"text"', '42', 'a=1&b=2', '']) {
      expect(request(body).jsonObject(), body).toBeUndefined();
    }
  });

  it('query: the decoded parameters of the URL, first value of a repeated one', () => {
    const req = request('', { url: `${URL}?token=a%2Bb&x=1&x=2&empty=&plus=a+b` });
    expect(req.query).toEqual({ token: 'a+b', x: '1', empty: '', plus: 'a b' });
    expect(request('').query).toEqual({});
  });

  it('mediaType: the content type without parameters, lower-cased; empty when none was sent', () => {
    expect(request('', { headers: { 'Content-Type': 'Application/JSON; charset=UTF-8' } }).mediaType).toBe(
      'application/json',
    );
    expect(request('', { headers: { 'content-type': 'application/x-www-form-urlencoded' } }).mediaType).toBe(
      'application/x-www-form-urlencoded',
    );
    expect(request('').mediaType).toBe('');
  });
});
