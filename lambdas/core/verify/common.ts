import { activeSecretValues } from '../config/secret';
import { DEFAULT_SECRET, type SecretRefName } from '../config/verifier';
import { sha256Hex } from './crypto';
import type { DedupKeySource, RejectReason, RejectedRequest, VerifiedRequest, VerifyContext } from './types';

export function reject(scheme: string, reason: RejectReason, detail: string): RejectedRequest {
  return { ok: false, scheme, reason, detail };
}

export function verified(scheme: string, fields: Omit<VerifiedRequest, 'ok' | 'scheme'>): VerifiedRequest {
  // Object.assign rather than a spread: V8 spreads an object literal's members far more slowly.
  return Object.assign({ ok: true as const, scheme }, fields);
}

/** The header's single value, or the rejection for a missing or ambiguous one. */
export function requireHeader(ctx: VerifyContext, scheme: string, name: string): string | RejectedRequest {
  const value = ctx.request.headers.single(name);
  if (value === 'missing' || value.trim() === '') return reject(scheme, 'missing_header', `${name} is missing`);
  if (value === 'ambiguous')
    return reject(scheme, 'ambiguous_header', `${name} was sent several times with different values`);
  return value;
}

/** The header's value when present (undefined when absent), or a rejection when ambiguous. */
export function optionalHeader(ctx: VerifyContext, scheme: string, name: string): string | undefined | RejectedRequest {
  const value = ctx.request.headers.single(name);
  if (value === 'missing') return undefined;
  if (value === 'ambiguous')
    return reject(scheme, 'ambiguous_header', `${name} was sent several times with different values`);
  return value;
}

export function isRejection(value: unknown): value is RejectedRequest {
  return typeof value === 'object' && value !== null && (value as RejectedRequest).ok === false;
}

/** The active secret values of `ref`, or `secret_not_set` when there are none. */
export function activeSecrets(
  ctx: VerifyContext,
  scheme: string,
  ref: SecretRefName = DEFAULT_SECRET,
): string[] | RejectedRequest {
  const values = activeSecretValues(ctx.secrets(ref), ctx.now);
  return values.length > 0 ? values : reject(scheme, 'secret_not_set', `secret "${ref}" has no active value`);
}

/** The configured public key of `ref`, or `secret_not_set`. */
export function publicKeyOf(
  ctx: VerifyContext,
  scheme: string,
  ref: SecretRefName = DEFAULT_SECRET,
): string | RejectedRequest {
  const key = ctx.secrets(ref).publicKey;
  return key !== undefined && key.trim() !== ''
    ? key
    : reject(scheme, 'secret_not_set', `secret "${ref}" has no public key`);
}

const DIGITS = /^\d{1,16}$/;

/** Parses a Unix timestamp in whole seconds (or milliseconds with `unit: 'ms'`); undefined past Date's range. */
export function parseUnixTimestamp(text: string, unit: 's' | 'ms' = 's'): Date | undefined {
  const trimmed = text.trim();
  if (!DIGITS.test(trimmed)) return undefined;
  const n = Number(trimmed);
  const date = new Date(unit === 's' ? n * 1000 : n);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Bounds a signed timestamp in both directions; an invalid date fails closed. */
export function checkTimestamp(
  scheme: string,
  timestamp: Date,
  now: Date,
  toleranceSeconds: number,
): RejectedRequest | undefined {
  const skewMs = now.getTime() - timestamp.getTime();
  // NaN compares false with everything: without this, an invalid date would pass both bounds.
  if (Number.isNaN(skewMs)) return reject(scheme, 'malformed_header', 'the signed timestamp is not a valid time');
  if (skewMs > toleranceSeconds * 1000) {
    return reject(
      scheme,
      'timestamp_too_old',
      `timestamp is ${Math.round(skewMs / 1000)} s old, tolerance ${toleranceSeconds} s`,
    );
  }
  if (-skewMs > toleranceSeconds * 1000) {
    return reject(
      scheme,
      'timestamp_in_future',
      `timestamp is ${Math.round(-skewMs / 1000)} s ahead, tolerance ${toleranceSeconds} s`,
    );
  }
  return undefined;
}

/**
 * SHA-256 of what a signature covers besides the body (its signed timestamp, the signed URL …) and
 * the raw body. Never the signature itself: a re-encoded or malleated signature of the same bytes
 * must give the same key, so a replay is a duplicate.
 */
export function signedBytesKey(signedContext: string | Uint8Array, body: Uint8Array): string {
  return sha256Hex(signedContext, '\n', body);
}

/** What a verdict says about the delivery's identity: its label and its dedup key. */
export type DeliveryIdentity = Pick<VerifiedRequest, 'deliveryId' | 'deliveryIdSource' | 'dedupKey' | 'dedupKeySource'>;

/** The provider signs the delivery's id: it is the label and the dedup key at once. */
export function signedId(id: string): DeliveryIdentity {
  return { deliveryId: id, deliveryIdSource: 'provider', dedupKey: id, dedupKeySource: 'signed-id' };
}

/**
 * No signed id: the dedup key is a hash (`signed-hash` when a signature covers what was hashed,
 * `body-hash` otherwise); the label is the provider's unsigned id when it sent one, else the key.
 */
export function hashedKey(key: string, source: Exclude<DedupKeySource, 'signed-id'>, label?: string): DeliveryIdentity {
  const shown = label?.trim() || undefined;
  return {
    deliveryId: shown ?? key,
    deliveryIdSource: shown === undefined ? 'fallback' : 'provider',
    dedupKey: key,
    dedupKeySource: source,
  };
}

/** A string field of a JSON object body, if present. */
export function bodyString(ctx: VerifyContext, field: string): string | undefined {
  const value = ctx.request.jsonObject()?.[field];
  return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;
}
