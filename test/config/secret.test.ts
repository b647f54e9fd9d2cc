import { describe, expect, it } from 'vitest';
import {
  activeSecretValues,
  formatSecretMaterial,
  InvalidSecretFormatError,
  parseSecretMaterial,
  rotateSecretMaterial,
} from '../../lambdas/core/config/secret';

const now = new Date('2026-06-01T00:00:00Z');

describe('secret values (docs/ARCHITECTURE.md#contracts, secret values)', () => {
  it('reads the canonical shapes', () => {
    expect(parseSecretMaterial('{"values":[{"value":"a"},{"value":"b","expiresAt":"2026-07-01T00:00:00Z"}]}')).toEqual({
      values: [{ value: 'a' }, { value: 'b', expiresAt: '2026-07-01T00:00:00Z' }],
    });
    expect(parseSecretMaterial('{"publicKey":"MFkw"}')).toEqual({ values: [], publicKey: 'MFkw' });
  });

  it('reads the shorthands: a plain string, an array of strings, {"value"} and a JWKS document', () => {
    expect(parseSecretMaterial('s3cret')).toEqual({ values: [{ value: 's3cret' }] });
    expect(parseSecretMaterial(['current', 'previous'])).toEqual({
      values: [{ value: 'current' }, { value: 'previous' }],
    });
    expect(parseSecretMaterial('["current","previous"]')).toEqual({
      values: [{ value: 'current' }, { value: 'previous' }],
    });
    expect(parseSecretMaterial('{"value":"generated"}')).toEqual({ values: [{ value: 'generated' }] });
    const jwks = { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'abc' }] };
    expect(parseSecretMaterial(JSON.stringify(jwks)).publicKey).toBe(JSON.stringify(jwks));
  });

  it('treats an empty secret as no value (provider-issued secrets start empty)', () => {
    expect(parseSecretMaterial('')).toEqual({ values: [] });
    expect(parseSecretMaterial('{"values":[]}')).toEqual({ values: [] });
    expect(activeSecretValues(parseSecretMaterial('{"values":[{"value":""}]}'), now)).toEqual([]);
  });

  it('drops the trailing line break a file-based plain secret carries, and nothing else', () => {
    expect(parseSecretMaterial('s3cret\n')).toEqual({ values: [{ value: 's3cret' }] });
    expect(parseSecretMaterial('s3cret\r\n')).toEqual({ values: [{ value: 's3cret' }] });
    expect(parseSecretMaterial(' s3cret ')).toEqual({ values: [{ value: ' s3cret ' }] });
  });

  it('reads "expiresAt": null as no expiry', () => {
    const material = parseSecretMaterial('{"values":[{"value":"a","expiresAt":null}]}');
    expect(activeSecretValues(material, now)).toEqual(['a']);
  });

  it('keeps only values that have not expired', () => {
    const material = parseSecretMaterial({
      values: [
        { value: 'new' },
        { value: 'old', expiresAt: '2026-06-02T00:00:00Z' },
        { value: 'gone', expiresAt: '2026-05-31T00:00:00Z' },
      ],
    });
    expect(activeSecretValues(material, now)).toEqual(['new', 'old']);
  });

  it('fails if the shape is not one of the contract', () => {
    expect(() => parseSecretMaterial('{"values": "nope"}')).toThrow(InvalidSecretFormatError);
    expect(() => parseSecretMaterial('{"values":[{"value":"a","expiresAt":"tomorrow"}]}')).toThrow(/expiresAt/);
    expect(() => parseSecretMaterial('{not json')).toThrow(InvalidSecretFormatError);
    expect(() => parseSecretMaterial(42)).toThrow(InvalidSecretFormatError);
  });

  it('rotates: the new value first, earlier ones kept until the expiry, expired ones dropped', () => {
    const before = parseSecretMaterial({
      values: [{ value: 'v2' }, { value: 'v1', expiresAt: '2026-05-01T00:00:00Z' }],
    });
    const after = rotateSecretMaterial(before, 'v3', new Date('2026-06-02T00:00:00Z'), now);
    expect(after.values).toEqual([{ value: 'v3' }, { value: 'v2', expiresAt: '2026-06-02T00:00:00.000Z' }]);
    expect(JSON.parse(formatSecretMaterial(after))).toEqual({ values: after.values });
  });
});
