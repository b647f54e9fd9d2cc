import { timingSafeEqual } from 'node:crypto';
import { sha256Bytes } from '../../digest';

// Both sides are hashed first, so the comparison takes the same time whatever the lengths: unlike
// a signature, the length of a password or API key is part of the secret.
function digest(value: string | Uint8Array): Buffer {
  return sha256Bytes(value);
}

/** Constant-time equality of a presented credential and an expected one, lengths included. */
export function secretEquals(presented: string | Uint8Array, expected: string | Uint8Array): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/** Whether `presented` equals any candidate; every candidate is compared, with no early exit. */
export function matchesAnySecret(presented: string | Uint8Array, candidates: readonly string[]): boolean {
  const mine = digest(presented);
  let matched = false;
  for (const candidate of candidates) {
    if (timingSafeEqual(mine, digest(candidate))) matched = true;
  }
  return matched;
}
