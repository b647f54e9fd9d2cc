import { sha256Hex } from '../digest';

/**
 * The waiter table (pk, sk, TTL `expiresAt`, as the other tables):
 *
 * - Waiters, by the webhook and the event key they wait for, so that the dispatcher reads only the
 *   waiters an event can resume: an exact key has its own partition `w#<webhook>#=<key>`; every
 *   pattern (a key with `*`) of a webhook shares `w#<webhook>#*`, which the dispatcher reads for
 *   each event and filters in code (patterns are few; exact keys are the common case).
 *   sk `<registeredAt>#<token hash>`. TTL: registeredAt + timeout.
 * - Recent events, for look-back: `e#<webhook>#<key>`, sk `<receivedAt>#<claimant hash>`, holding
 *   the event; plus a small entry in the webhook's key log `k#<webhook>` (same sk) holding only
 *   the key, through which a pattern waiter finds the keys it matches. Sorted by time, so reads are
 *   bounded by the look-back window whatever TTL has not removed yet. TTL: receivedAt + 1 hour.
 */
export const WAITER_ITEMS = {
  waiterPartition: (webhook: string, eventKey: string) =>
    isPattern(eventKey) ? `w#${webhook}#*` : `w#${webhook}#=${keyPart(eventKey)}`,
  /** The partitions holding every waiter an event with this key may resume. */
  waiterPartitionsFor: (webhook: string, eventKey: string) => [`w#${webhook}#=${keyPart(eventKey)}`, `w#${webhook}#*`],
  waiterSort: (registeredAt: string, taskToken: string) => `${registeredAt}#${digest(taskToken)}`,
  eventPartition: (webhook: string, eventKey: string) => `e#${webhook}#${keyPart(eventKey)}`,
  keyLogPartition: (webhook: string) => `k#${webhook}`,
  eventSort: (receivedAt: string, claimant: string) => `${receivedAt}#${digest(claimant)}`,
} as const;

export function isPattern(eventKey: string): boolean {
  return eventKey.includes('*');
}

/** Event keys are free text: long ones are replaced by their hash (a partition key holds 2 KiB). */
function keyPart(eventKey: string): string {
  return Buffer.byteLength(eventKey) <= 512 ? eventKey : `sha256:${digest(eventKey)}`;
}

function digest(text: string): string {
  return sha256Hex(text).slice(0, 32);
}
