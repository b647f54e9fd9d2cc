import type { PresetVerifierConfig } from '../../config/verifier';
import { anyHmacMatches } from '../crypto';
import {
  activeSecrets,
  bodyString,
  hashedKey,
  isRejection,
  reject,
  signedBytesKey,
  signedId,
  verified,
} from '../common';
import { DEFAULT_TOLERANCES } from '../replay-window';
import { checkWindow, malformed, signedTimestampHeaders, type SignedTimestampRules } from '../signed-timestamp';
import type { Scheme } from '../types';

const SCHEME = 'paddle';
const SIGNATURE_HEADER = 'paddle-signature';
const H1 = /^[0-9a-fA-F]{64}$/;
const MALFORMED = 'Paddle-Signature is not ts=<seconds>;h1=<64 hex>';
const SIGNED: SignedTimestampRules<PaddleSignature> = {
  scheme: SCHEME,
  signature: { header: SIGNATURE_HEADER, parse: (value) => parseHeader(value) ?? malformed(MALFORMED) },
  timestamp: { in: (signature) => signature.ts, unit: 's', malformed: MALFORMED },
  /** WebhooksValidator.MAX_VALID_TIME_DIFFERENCE in @paddle/paddle-node-sdk. */
  defaultToleranceSeconds: DEFAULT_TOLERANCES.paddle!,
};

/**
 * Paddle Billing: `Paddle-Signature: ts=<unix seconds>;h1=<hex HMAC-SHA256(secret, "{ts}:{body}")>`,
 * with one `h1` per active secret while Paddle rotates; any may match. Delivery id: the body's
 * `notification_id` (one per destination, kept on retries); event type: `event_type`.
 */
export const paddle: Scheme<PresetVerifierConfig> = {
  verify(config, ctx) {
    const { body } = ctx.request;
    const signed = signedTimestampHeaders(ctx, SIGNED);
    if (isRejection(signed)) return signed;
    const secrets = activeSecrets(ctx, SCHEME, config.secret);
    if (isRejection(secrets)) return secrets;

    const message = [`${signed.timestampText}:`, body];
    if (!anyHmacMatches('sha256', secrets, message, signed.signature.h1)) {
      return reject(SCHEME, 'signature_mismatch', 'no active secret matches an h1 of Paddle-Signature');
    }
    const stale = checkWindow(SIGNED, config, signed.timestamp, ctx.now);
    if (stale) return stale;

    const id = bodyString(ctx, 'notification_id');
    const eventType = bodyString(ctx, 'event_type');
    return verified(SCHEME, {
      ...(id !== undefined ? signedId(id) : hashedKey(signedBytesKey(signed.timestampText, body), 'signed-hash')),
      ...(eventType !== undefined ? { eventType } : {}),
      timestamp: signed.timestamp,
    });
  },
  sensitiveHeaders: () => [SIGNATURE_HEADER],
};

interface PaddleSignature {
  readonly ts: string;
  readonly h1: Buffer[];
}

/** `ts` exactly once, at least one `h1`; other keys are ignored, as Paddle may add schemes. */
function parseHeader(header: string): PaddleSignature | undefined {
  let ts: string | undefined;
  const h1: Buffer[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) return undefined;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 'ts') {
      if (ts !== undefined) return undefined;
      ts = value;
    } else if (key === 'h1') {
      if (!H1.test(value)) return undefined;
      h1.push(Buffer.from(value, 'hex'));
    }
  }
  return ts !== undefined && h1.length > 0 ? { ts, h1 } : undefined;
}
