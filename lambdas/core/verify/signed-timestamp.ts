import { checkTimestamp, isRejection, parseUnixTimestamp, reject, requireHeader } from './common';
import type { RejectedRequest, VerifyContext } from './types';

/** Why a header is not in its scheme's format: the detail of the `malformed_header` rejection. */
export interface Malformed {
  readonly malformed: string;
}

export const malformed = (detail: string): Malformed => ({ malformed: detail });

function isMalformed(value: unknown): value is Malformed {
  return typeof value === 'object' && value !== null && typeof (value as Malformed).malformed === 'string';
}

/**
 * The rules of a scheme that signs a timestamp along with the body: where the signature and the
 * timestamp are read, their formats, and the window. Each preset states its own at its top.
 */
export interface SignedTimestampRules<S> {
  readonly scheme: string;
  /** The signature's header (lower case) and its value, trimmed, decoded — or why it is malformed. */
  readonly signature: { readonly header: string; readonly parse: (value: string) => S | Malformed };
  /**
   * The signed timestamp: in a header of its own (required, read right after the signature's) or
   * inside the decoded signature header; a Unix time in `unit`, else `malformed` is the detail.
   */
  readonly timestamp: ({ readonly header: string } | { readonly in: (signature: S) => string }) & {
    readonly unit: 's' | 'ms';
    readonly malformed: string;
  };
  /** How far from now the timestamp may be, in seconds either way, when the webhook sets no tolerance. */
  readonly defaultToleranceSeconds: number;
}

export interface SignedTimestamp<S> {
  readonly signature: S;
  /** The timestamp as sent: what the provider signs. */
  readonly timestampText: string;
  readonly timestamp: Date;
}

/**
 * The opening of a timestamped scheme's verify(): the signature header, then the timestamp header
 * (each missing or ambiguous: rejected), then the signature's format, then the timestamp's.
 */
export function signedTimestampHeaders<S>(
  ctx: VerifyContext,
  rules: SignedTimestampRules<S>,
): SignedTimestamp<S> | RejectedRequest {
  const { scheme, signature: sig, timestamp: ts } = rules;
  const signatureText = requireHeader(ctx, scheme, sig.header);
  if (isRejection(signatureText)) return signatureText;
  const headerText = 'header' in ts ? requireHeader(ctx, scheme, ts.header) : undefined;
  if (isRejection(headerText)) return headerText;

  const signature = sig.parse(signatureText.trim());
  if (isMalformed(signature)) return reject(scheme, 'malformed_header', signature.malformed);
  const timestampText = 'in' in ts ? ts.in(signature) : headerText!;
  const timestamp = parseUnixTimestamp(timestampText, ts.unit);
  if (timestamp === undefined) return reject(scheme, 'malformed_header', ts.malformed);
  return { signature, timestampText, timestamp };
}

/**
 * The window around now (the webhook's tolerance, else the scheme's). Checked after the signature,
 * so that a stale replay of a genuine request is reported as such, and a forged one as a mismatch.
 */
export function checkWindow<S>(
  rules: SignedTimestampRules<S>,
  config: { readonly toleranceSeconds?: number },
  timestamp: Date,
  now: Date,
): RejectedRequest | undefined {
  return checkTimestamp(rules.scheme, timestamp, now, config.toleranceSeconds ?? rules.defaultToleranceSeconds);
}
