import { describe, expect, it } from 'vitest';
import { JsonTooDeepError, MAX_JSON_DEPTH, parseJsonWithBound } from '../../lambdas/core/http/json';
import { InboundRequest } from '../../lambdas/core/http/request';
import { HttpHeaders } from '../../lambdas/core/http/headers';

const stringifiedBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/** The text inside an array with a string long enough that the parser scans it rather than bound it by size. */
const scanned = (text: string) => `[${text},"${'x'.repeat(16 * 1024)}"]`;

/** Texts whose JSON.stringify(JSON.parse(text)) grows the most per byte: the cases the bound's proof names. */
const WORST = [
  '1e20',
  '[1e20,1e20,1e20]',
  '[9e20,-1E20,1e+20,5e-324,1.7976931348623157e308,1e-7,1e21]',
  '99999999999999999',
  '[99999999999999999,-99999999999999999,999999999999999999999]',
  '9999999999999999.9',
  '0.00000001',
  '"\\u0041\\ud83d\\ude00\\ud800\\u2028\\u0001\\/\\"\\\\"',
  '{"a":1,"a":2,"__proto__":{"b":true}}',
  ' [ true , false , null , -0 , 0.0 ] ',
  '{"é":"€😀","k":[{"x":1.50}]}',
];

describe('parseJsonWithBound', () => {
  it.each(WORST.flatMap((text) => [text, scanned(text)]))('bounds JSON.stringify of %s', (text) => {
    const { value, stringifiedBytesAtMost } = parseJsonWithBound(text);
    expect(value).toEqual(JSON.parse(text));
    expect(stringifiedBytes(value)).toBeLessThanOrEqual(stringifiedBytesAtMost);
  });

  it('bounds a short text by its size: one exponent per 3 bytes at most, no scan', () => {
    const text = '{"v":"1e5 2E9","t":true,"f":false}';
    const bytes = Buffer.byteLength(text);
    expect(parseJsonWithBound(text).stringifiedBytesAtMost).toBe(
      bytes + Math.ceil(bytes / 17) + 21 * Math.ceil(bytes / 3),
    );
    expect(parseJsonWithBound('[1e5]').stringifiedBytesAtMost).toBe(5 + 1 + 21 * 2);
  });

  it('counts the exponents of a scanned text outside strings only: an e after a digit inside a string costs nothing', () => {
    const plain = scanned('{"v":"1e5 2E9","t":true,"f":false}');
    const bytes = Buffer.byteLength(plain);
    expect(parseJsonWithBound(plain).stringifiedBytesAtMost).toBe(bytes + Math.ceil(bytes / 17));
    const exponent = scanned('[1e5]');
    const exponentBytes = Buffer.byteLength(exponent);
    expect(parseJsonWithBound(exponent).stringifiedBytesAtMost).toBe(
      exponentBytes + Math.ceil(exponentBytes / 17) + 21,
    );
  });

  it('scans a short text with more brackets than the depth limit, and refuses one nested too deep', () => {
    const deep = `${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`;
    expect(() => parseJsonWithBound(deep)).toThrow(JsonTooDeepError);
    const wide = `[${'[],'.repeat(MAX_JSON_DEPTH)}[]]`;
    expect(parseJsonWithBound(wide).value).toHaveLength(MAX_JSON_DEPTH + 1);
  });

  it('holds for random JSON of numbers, strings and escapes (fuzz)', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const numbers = [
      '1e20',
      '9e22',
      '99999999999999999',
      '-0',
      '0.1',
      '123456789012345678901234',
      '1E-7',
      '5e-324',
      '7',
    ];
    const strings = ['"a"', '"\\u00e9"', '"\\ud800"', '"\\n\\t"', '"😀"', '"\\u0000"', '"\\/"'];
    const gen = (depth: number): string => {
      const k = rand(depth > 3 ? 2 : 4);
      if (k === 0) return numbers[rand(numbers.length)]!;
      if (k === 1) return strings[rand(strings.length)]!;
      const n = rand(4);
      const items = Array.from({ length: n }, () => gen(depth + 1));
      return k === 2 ? `[ ${items.join(' , ')} ]` : `{${items.map((v, i) => `"k${i % 2}" : ${v}`).join(',')}}`;
    };
    for (let i = 0; i < 2000; i++) {
      const text = gen(0);
      for (const variant of i % 10 === 0 ? [text, scanned(text)] : [text]) {
        const { value, stringifiedBytesAtMost } = parseJsonWithBound(variant);
        expect(stringifiedBytes(value), variant).toBeLessThanOrEqual(stringifiedBytesAtMost);
      }
    }
  });

  it('is given by the request for its parsed body only', () => {
    const request = new InboundRequest({
      method: 'POST',
      url: 'https://example.com/webhooks/a',
      headers: new HttpHeaders(),
      body: '{"n":1e20}',
    });
    expect(request.stringifiedJsonBytesAtMost({ n: 1e20 })).toBeUndefined();
    const parsed = request.json();
    expect(request.stringifiedJsonBytesAtMost(parsed)).toBe(10 + 1 + 21 * 4);
    expect(stringifiedBytes(parsed)).toBeLessThanOrEqual(request.stringifiedJsonBytesAtMost(parsed)!);
  });
});
