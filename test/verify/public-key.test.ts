import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isEd25519, isP256, parsePublicKey } from '../../lambdas/core/verify/public-key';

const ed = generateKeyPairSync('ed25519');
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const rawEd = Buffer.from(ed.publicKey.export({ format: 'jwk' }).x!, 'base64url');

function sameKey(text: string, expected: typeof ed.publicKey) {
  const key = parsePublicKey(text);
  expect(key).toBeDefined();
  expect(key!.equals(expected)).toBe(true);
}

describe('parsePublicKey', () => {
  it('reads PEM, base64 DER, hex DER and a JWK', () => {
    for (const { publicKey } of [ed, ec]) {
      sameKey(publicKey.export({ format: 'pem', type: 'spki' }).toString(), publicKey);
      sameKey(publicKey.export({ format: 'der', type: 'spki' }).toString('base64'), publicKey);
      sameKey(publicKey.export({ format: 'der', type: 'spki' }).toString('hex'), publicKey);
      sameKey(JSON.stringify(publicKey.export({ format: 'jwk' })), publicKey);
    }
  });

  it('reads a raw 32-byte Ed25519 key in hex (as Discord shows it) or base64', () => {
    sameKey(rawEd.toString('hex'), ed.publicKey);
    sameKey(rawEd.toString('hex').toUpperCase(), ed.publicKey);
    sameKey(rawEd.toString('base64'), ed.publicKey);
    expect(isEd25519(parsePublicKey(rawEd.toString('hex'))!)).toBe(true);
  });

  it('tolerates surrounding whitespace and a base64 key wrapped over lines', () => {
    const b64 = ec.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    sameKey(`  ${b64.slice(0, 40)}\n${b64.slice(40)}\n`, ec.publicKey);
    expect(isP256(parsePublicKey(b64)!)).toBe(true);
    expect(isEd25519(parsePublicKey(b64)!)).toBe(false);
  });

  it('fails on text that is not a public key', () => {
    for (const text of [
      '',
      'not a key',
      'abc',
      rawEd.subarray(0, 31).toString('hex'),
      '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----',
      '{"kty":"OKP"}',
      '{not json',
    ]) {
      expect(parsePublicKey(text)).toBeUndefined();
    }
  });

  it('fails on a private key, so a misplaced one is noticed', () => {
    expect(parsePublicKey(ed.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString())).toBeUndefined();
    expect(parsePublicKey(JSON.stringify(ec.privateKey.export({ format: 'jwk' })))).toBeUndefined();
    expect(parsePublicKey(ec.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'))).toBeUndefined();
  });

  it('returns the cached key for the same text', () => {
    const text = ec.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(parsePublicKey(text)).toBe(parsePublicKey(text));
  });
});
