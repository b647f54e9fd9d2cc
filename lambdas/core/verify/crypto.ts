import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { sha256Hex as digestHex } from '../digest';
import type { HmacAlgorithm, SignatureEncoding } from '../config/verifier';

/** What a signature covers: text (as UTF-8) or bytes, or several of them, signed as one concatenation (without copying them into one). */
export type SignedData = string | Uint8Array | readonly (string | Uint8Array)[];

export function hmac(algorithm: HmacAlgorithm, key: string | Uint8Array, data: SignedData): Buffer {
  const mac = createHmac(algorithm, key);
  if (typeof data === 'string' || data instanceof Uint8Array) mac.update(data);
  else for (const part of data) mac.update(part);
  return mac.digest();
}

export function sha256Hex(...parts: (string | Uint8Array)[]): string {
  if (parts.length === 1) return digestHex(parts[0]!);
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p);
  return hash.digest('hex');
}

/** Constant-time equality of two byte strings; different lengths are unequal (length is not secret). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Constant-time equality of two strings, compared as UTF-8 bytes. */
export function stringsEqual(a: string, b: string): boolean {
  return bytesEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/** Strictly decodes a signature; undefined when the text is not valid in that encoding. */
export function decodeSignature(text: string, encoding: SignatureEncoding): Buffer | undefined {
  if (text === '') return undefined;
  switch (encoding) {
    case 'hex':
      return HEX.test(text) ? Buffer.from(text, 'hex') : undefined;
    case 'base64':
      return BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
    case 'base64url':
      return BASE64URL.test(text) ? Buffer.from(text.replace(/=+$/, ''), 'base64url') : undefined;
  }
}

export function encodeSignature(bytes: Uint8Array, encoding: SignatureEncoding): string {
  return Buffer.from(bytes).toString(encoding === 'base64url' ? 'base64url' : encoding);
}

export function digestLength(algorithm: HmacAlgorithm): number {
  return algorithm === 'sha1' ? 20 : algorithm === 'sha256' ? 32 : 64;
}

/**
 * True when some key signs `data` to one of `signatures` (constant-time per comparison). Several
 * keys and several signatures make rotation work on either side.
 */
export function anyHmacMatches(
  algorithm: HmacAlgorithm,
  keys: readonly (string | Uint8Array)[],
  data: SignedData,
  signatures: readonly Uint8Array[],
): boolean {
  let matched = false;
  for (const key of keys) {
    const expected = hmac(algorithm, key, data);
    for (const signature of signatures) {
      // No early exit inside one key's comparisons: the work does not depend on which one matched.
      if (bytesEqual(expected, signature)) matched = true;
    }
    if (matched) return true;
  }
  return false;
}
