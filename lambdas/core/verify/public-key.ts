import { createPublicKey, type KeyObject } from 'node:crypto';
import { activeSecretValues } from '../config/secret';
import { DEFAULT_SECRET, type SecretRefName } from '../config/verifier';
import { reject } from './common';
import type { RejectedRequest, VerifyContext } from './types';

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const CACHE_LIMIT = 64;
const cache = new Map<string, KeyObject | null>();

/**
 * Parses a public key as providers publish it: PEM (`-----BEGIN PUBLIC KEY-----` or a certificate),
 * a single JWK, base64 DER (SubjectPublicKeyInfo, as SendGrid shows it), hex DER, or a raw 32-byte
 * Ed25519 key in hex or base64 (as Discord shows it). Undefined when the text is none of these;
 * private keys are refused so that a misplaced private key is noticed. Parsed keys are cached by text.
 */
export function parsePublicKey(text: string): KeyObject | undefined {
  const cached = cache.get(text);
  if (cached !== undefined) return cached ?? undefined;
  const key = parse(text.trim()) ?? null;
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(text, key);
  return key ?? undefined;
}

function parse(text: string): KeyObject | undefined {
  try {
    if (text.startsWith('-----BEGIN')) {
      return /PRIVATE KEY-----/.test(text) ? undefined : createPublicKey({ key: text, format: 'pem' });
    }
    if (text.startsWith('{')) {
      const jwk = JSON.parse(text) as Record<string, unknown>;
      if (typeof jwk.kty !== 'string' || 'd' in jwk) return undefined;
      return createPublicKey({ key: jwk, format: 'jwk' });
    }
    if (HEX.test(text)) return fromDer(Buffer.from(text, 'hex'));
    const compact = text.replace(/\s+/g, '');
    if (BASE64.test(compact)) return fromDer(Buffer.from(compact, 'base64'));
  } catch {
    // Not a key in that format: fall through to "invalid".
  }
  return undefined;
}

function fromDer(der: Buffer): KeyObject | undefined {
  if (der.length === 0) return undefined;
  const spki = der.length === 32 ? Buffer.concat([ED25519_SPKI_PREFIX, der]) : der;
  return createPublicKey({ key: spki, format: 'der', type: 'spki' });
}

/**
 * The public keys a preset may verify with: the secret's `publicKey`, then each active `values`
 * entry read as a public key (so a new key can be added and the old one given an `expiresAt` while
 * the provider rotates). `secret_not_set` when there is none, `invalid_secret` when one does not
 * parse or is not of the type the scheme needs.
 */
export function activePublicKeys(
  ctx: VerifyContext,
  scheme: string,
  accepts: (key: KeyObject) => boolean,
  ref: SecretRefName = DEFAULT_SECRET,
): KeyObject[] | RejectedRequest {
  const material = ctx.secrets(ref);
  const texts = [material.publicKey ?? '', ...activeSecretValues(material, ctx.now)].filter((t) => t.trim() !== '');
  if (texts.length === 0) return reject(scheme, 'secret_not_set', `secret "${ref}" has no public key`);
  const keys: KeyObject[] = [];
  for (const [i, text] of texts.entries()) {
    const key = parsePublicKey(text);
    if (key === undefined || !accepts(key)) {
      return reject(scheme, 'invalid_secret', `public key ${i + 1} of secret "${ref}" is not a usable ${scheme} key`);
    }
    keys.push(key);
  }
  return keys;
}

export const isEd25519 = (key: KeyObject): boolean => key.asymmetricKeyType === 'ed25519';

export const isP256 = (key: KeyObject): boolean =>
  key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
