import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  jsonByteLength,
  jsonByteLengthAtMost,
  JsonTooDeepError,
  jsonNestsDeeperThan,
  MAX_JSON_DEPTH,
  parseBoundedJson,
} from '../../lambdas/core/http/json';

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('jsonNestsDeeperThan', () => {
  /** Depth of a parsed value, counted recursively (fine for the small values generated here). */
  const depthOf = (value: unknown): number =>
    value !== null && typeof value === 'object' ? 1 + Math.max(0, ...Object.values(value as object).map(depthOf)) : 0;

  it('agrees with the depth of the parsed value for any JSON text, strings with brackets and escapes included', () => {
    const text = fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a', 'é', '\u2028') });
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        text,
        fc.integer(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(text, tie('value'), { maxKeys: 3 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, fc.integer({ min: 0, max: 8 }), fc.boolean(), (value, limit, pretty) => {
        const serialized = pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value);
        expect(jsonNestsDeeperThan(serialized, limit)).toBe(depthOf(value) > limit);
      }),
      { numRuns: 2000 },
    );
  });

  it('counts arrays and objects alike, and scalars as no depth', () => {
    expect(jsonNestsDeeperThan('{"a":[{"b":[]}]}', 3)).toBe(true);
    expect(jsonNestsDeeperThan('{"a":[{"b":[]}]}', 4)).toBe(false);
    expect(jsonNestsDeeperThan('"[[[[[["', 0)).toBe(false);
    expect(jsonNestsDeeperThan('42', 0)).toBe(false);
  });

  it('does not take an escaped quote for the end of a string, nor a quote after an even run of backslashes for part of it', () => {
    expect(jsonNestsDeeperThan('["\\"[[[[", 1]', 1)).toBe(false);
    expect(jsonNestsDeeperThan('["\\\\", [[1]]]', 2)).toBe(true);
  });

  it('is false for text that ends inside a string (JSON.parse refuses it anyway)', () => {
    expect(jsonNestsDeeperThan('["[[[[[[', 1)).toBe(false);
  });
});

describe('parseBoundedJson', () => {
  it(`parses JSON nested ${MAX_JSON_DEPTH} levels deep, as JSON.parse does`, () => {
    const text = `{"a":${nested(MAX_JSON_DEPTH - 1)}}`;
    expect(parseBoundedJson(text)).toEqual(JSON.parse(text));
    expect(parseBoundedJson('{"x":[1,"two",null,{"y":true}]}')).toEqual({ x: [1, 'two', null, { y: true }] });
  });

  it(`refuses ${MAX_JSON_DEPTH + 1} levels with JsonTooDeepError, naming the limit`, () => {
    let error: unknown;
    try {
      parseBoundedJson(nested(MAX_JSON_DEPTH + 1));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(JsonTooDeepError);
    expect(error).toMatchObject({
      name: 'JsonTooDeepError',
      limit: MAX_JSON_DEPTH,
      message: `JSON nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`,
    });
  });

  it('refuses a body deep enough to overflow the stack before parsing it, even when it is not valid JSON', () => {
    // 100,000 levels would overflow JSON.stringify later on; the scan refuses it first, whatever follows.
    expect(() => parseBoundedJson(`${'['.repeat(100_000)} not json`)).toThrow(JsonTooDeepError);
  });

  it('throws JSON.parse’s SyntaxError for malformed JSON within the limit', () => {
    expect(() => parseBoundedJson('{"a":')).toThrow(SyntaxError);
    expect(() => parseBoundedJson('')).toThrow(SyntaxError);
  });
});

describe('jsonByteLength', () => {
  const stringified = (value: unknown) => {
    const text = JSON.stringify(value) as string | undefined;
    return text === undefined ? undefined : Buffer.byteLength(text);
  };

  it('equals the UTF-8 length of JSON.stringify for any JSON value, any string (lone surrogates, controls) and number', () => {
    const text = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string());
    const value = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        text,
        fc.double(),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(text, tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(value, (v) => {
        expect(jsonByteLength(v)).toBe(stringified(v));
        // The bound: never below the length, and exactly 6 bytes per code unit of each string and key when it misses.
        const atMost = jsonByteLengthAtMost(v);
        if (atMost === undefined) expect(stringified(v)).toBeUndefined();
        else expect(atMost).toBeGreaterThanOrEqual(stringified(v)!);
      }),
      { numRuns: 3000 },
    );
  });

  it('counts 6 bytes per code unit of every string and key, which control characters and lone surrogates reach', () => {
    const worst = { '\u0001\ud800': ['\u0000\u001f', '\udfff'] };
    expect(jsonByteLengthAtMost(worst)).toBe(stringified(worst));
    expect(jsonByteLengthAtMost({ ab: 'cde', k: 'é😀"' })).toBe(
      2 + (6 * 2 + 2) + 1 + (6 * 3 + 2) + 1 + 8 + 1 + (6 * 4 + 2),
    );
    expect(jsonByteLengthAtMost({ a: [1, true, null], b: undefined })).toBe(2 + 8 + 1 + '[1,true,null]'.length);
  });

  it('equals it for whatever JavaScript values hold: undefined, functions, dates, boxed values, sparse arrays, null prototypes', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withDate: true,
          withBoxedValues: true,
          withNullPrototype: true,
          withSparseArray: true,
          withMap: true,
          withSet: true,
          withTypedArray: true,
        }),
        (v) => {
          expect(jsonByteLength(v)).toBe(stringified(v));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('omits what JSON.stringify omits, and calls toJSON with the key as it does', () => {
    const keyed = { toJSON: (key: string) => `key:${key}` };
    const value = {
      a: undefined,
      b: () => 1,
      c: Symbol('s'),
      d: [undefined, () => 1],
      e: keyed,
      f: [keyed],
      g: NaN,
      h: -0,
    };
    expect(jsonByteLength(value)).toBe(stringified(value));
    expect(jsonByteLength(undefined)).toBeUndefined();
    expect(jsonByteLength(() => 1)).toBeUndefined();
    expect(jsonByteLength({ a: '\ud800 é 😀 \u0000 "\\' })).toBe(stringified({ a: '\ud800 é 😀 \u0000 "\\' }));
  });

  it('throws on a BigInt, as JSON.stringify does', () => {
    expect(() => jsonByteLength({ a: 1n })).toThrow(TypeError);
  });
});
