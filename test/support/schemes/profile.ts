import { createHash } from 'node:crypto';
import type { WebhookSource } from '../../../lib/webhook-source';
import type { Received } from './wire';

/** What a sender signs: the URL it addresses (no query), the time, the body. */
export interface SignInput {
  readonly url: string;
  readonly now: Date;
  readonly body: Buffer;
  readonly contentType: string;
  /** A unique token for ids the sender makes up (delivery ids, jti …). */
  readonly nonce: string;
  /** Sign with a key the webhook does not have (a sender with a wrong or stale secret). */
  readonly wrongKey?: boolean;
}

/** A signed request: the headers and query the signer added, and the body (Linear signs inside it). */
export interface Signed {
  readonly headers: [string, string][];
  readonly query: [string, string][];
  readonly body: Buffer;
}

export type Validity = 'valid' | 'invalid' | 'unknown';

/** A body a provider sends: JSON (an object, or any value) or form fields. */
export type Payload = { readonly json: unknown } | { readonly form: readonly (readonly [string, string])[] };

/**
 * One webhook of the fuzz and leak tests: its source (the construct's factory), stored secrets,
 * how its provider signs, and what its provider signs.
 *
 * Classification: `material` is what the provider authenticates, as its documentation and own
 * library define it, read from the request as received; `credentials` are the signatures or
 * credentials presented, decoded (so `ABCD` and `abcd` hex are the same signature). A request
 * whose material differs from the original's, or that no longer presents the original's
 * signature, cannot be authentic. Header values are compared without leading and trailing
 * whitespace, which is not part of an HTTP field value (RFC 9110 §5.5).
 */
export interface Profile {
  readonly name: string;
  /** The factory call, as an app writes it: `WebhookSource.github()`. */
  readonly source: () => WebhookSource;
  /** Stored secret by reference (`default`, or an allOf member's), in any accepted shape. */
  readonly secrets: Readonly<Record<string, unknown>>;
  /** Values that are credentials or keys and must never be shown (private keys included). */
  readonly secretValues: readonly string[];
  readonly contentType: string;
  /** The provider's typical body; `nonce` makes it unique. */
  payload(nonce: string, now: Date): Payload;
  /** Handshake bodies the provider sends, answered only when authentic. */
  readonly handshakes?: Readonly<Record<string, (nonce: string, now: Date) => Payload>>;
  sign(input: SignInput): Promise<Signed>;
  /** Headers whose value carries the signature or credential (targets of signature mutations). */
  readonly signatureHeaders: readonly string[];
  /** Whether a request signed at t is still authentic when received at t + delay seconds. */
  validity(delaySeconds: number): Validity;
  /** Why `mutated` cannot be authentic when `original` was; undefined when it may be. */
  mustReject(original: Received, mutated: Received): string | undefined;
  /**
   * What the provider signs, for the dedup contract: a request whose signed material equals an
   * accepted one's is the same delivery. Undefined for schemes that sign nothing of the request.
   */
  dedupMaterial?(r: Received): string | undefined;
}

export const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** Accepted in both directions within `tolerance` seconds; a second of slack each side for rounding. */
export function within(tolerance: number): (delay: number) => Validity {
  return (delay) =>
    Math.abs(delay) <= tolerance - 1 ? 'valid' : Math.abs(delay) >= tolerance + 1 ? 'invalid' : 'unknown';
}

export const timeless = (): Validity => 'valid';

/** Lenient decoders: equal bytes are the same signature, whatever the spelling. */
export function hexBytes(text: string | undefined): string | undefined {
  const t = text?.trim();
  return t !== undefined && /^(?:[0-9a-fA-F]{2})+$/.test(t) ? t.toLowerCase() : undefined;
}

export function base64Bytes(text: string | undefined): string | undefined {
  const t = text?.trim();
  if (t === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(t)) return undefined;
  return Buffer.from(t, 'base64').toString('hex');
}

export function base64urlBytes(text: string | undefined): string | undefined {
  const t = text?.trim().replace(/=+$/, '');
  if (t === undefined || !/^[A-Za-z0-9_-]+$/.test(t)) return undefined;
  return Buffer.from(t, 'base64url').toString('hex');
}

/** A Unix timestamp's value (leading zeros and whitespace do not change the time signed). */
export function unixValue(text: string | undefined): string | undefined {
  const t = text?.trim();
  return t !== undefined && /^\d{1,16}$/.test(t) ? String(Number(t)) : undefined;
}

/**
 * The standard classification: material must be unchanged and the original credential still
 * presented. `name` prefixes the reason.
 */
export function classify(
  name: string,
  material: (r: Received) => string | undefined,
  credentials: (r: Received) => readonly string[] | undefined,
): (original: Received, mutated: Received) => string | undefined {
  return (original, mutated) => {
    if (mutated.method !== 'POST') return `${name}: method ${mutated.method}`;
    const m = material(mutated);
    if (m === undefined) return `${name}: signed material missing or ambiguous`;
    if (m !== material(original)) return `${name}: signed material changed`;
    const presented = credentials(mutated);
    if (presented === undefined) return `${name}: signature or credential missing, ambiguous or malformed`;
    const genuine = credentials(original) ?? [];
    if (!genuine.some((c) => presented.includes(c))) return `${name}: the genuine signature or credential is gone`;
    return undefined;
  };
}

/** The payload's bytes as the provider sends them. */
export function encodePayload(payload: Payload): Buffer {
  if ('json' in payload) return Buffer.from(payload.json === undefined ? '' : JSON.stringify(payload.json));
  return Buffer.from(payload.form.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));
}
