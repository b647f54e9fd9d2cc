import type { PresetVerifierConfig } from '../../config/verifier';
import { anyHmacMatches } from '../crypto';
import {
  activeSecrets,
  bodyString,
  checkTimestamp,
  hashedKey,
  isRejection,
  parseUnixTimestamp,
  reject,
  requireHeader,
  signedBytesKey,
  signedId,
  verified,
} from '../common';
import type { Scheme } from '../types';
import { DEFAULT_TOLERANCES } from '../replay-window';

const SCHEME = 'paddle';
const SIGNATURE_HEADER = 'paddle-signature';
const H1 = /^[0-9a-fA-F]{64}$/;
/** WebhooksValidator.MAX_VALID_TIME_DIFFERENCE in @paddle/paddle-node-sdk. */
const DEFAULT_TOLERANCE_SECONDS = DEFAULT_TOLERANCES.paddle!;

/**
 * Paddle Billing: `Paddle-Signature: ts=<unix seconds>;h1=<hex HMAC-SHA256(secret, "{ts}:{body}")>`,
 * with one `h1` per active secret while Paddle rotates; any may match. Delivery id: the body's
 * `notification_id` (one per destination, kept on retries); event type: `event_type`.
 */
export const paddle: Scheme<PresetVerifierConfig> = {
  verify(config, ctx) {
    const { body } = ctx.request;
    const header = requireHeader(ctx, SCHEME, SIGNATURE_HEADER);
    if (isRejection(header)) return header;

    const parsed = parseHeader(header);
    if (parsed === undefined)
      return reject(SCHEME, 'malformed_header', 'Paddle-Signature is not ts=<seconds>;h1=<64 hex>');
    const secrets = activeSecrets(ctx, SCHEME, config.secret);
    if (isRejection(secrets)) return secrets;

    const signed = Buffer.concat([Buffer.from(`${parsed.ts}:`, 'utf8'), body]);
    if (!anyHmacMatches('sha256', secrets, signed, parsed.h1)) {
      return reject(SCHEME, 'signature_mismatch', 'no active secret matches an h1 of Paddle-Signature');
    }
    const stale = checkTimestamp(
      SCHEME,
      parsed.timestamp,
      ctx.now,
      config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS,
    );
    if (stale) return stale;

    const id = bodyString(ctx, 'notification_id');
    const eventType = bodyString(ctx, 'event_type');
    return verified(SCHEME, {
      ...(id !== undefined ? signedId(id) : hashedKey(signedBytesKey(parsed.ts, body), 'signed-hash')),
      ...(eventType !== undefined ? { eventType } : {}),
      timestamp: parsed.timestamp,
    });
  },
  sensitiveHeaders: () => [SIGNATURE_HEADER],
};

/** `ts` exactly once, at least one `h1`; other keys are ignored, as Paddle may add schemes. */
function parseHeader(header: string): { ts: string; timestamp: Date; h1: Buffer[] } | undefined {
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
  const timestamp = ts === undefined ? undefined : parseUnixTimestamp(ts);
  return ts !== undefined && timestamp !== undefined && h1.length > 0 ? { ts, timestamp, h1 } : undefined;
}
