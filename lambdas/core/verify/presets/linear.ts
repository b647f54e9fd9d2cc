import type { PresetVerifierConfig } from '../../config/verifier';
import { anyHmacMatches, decodeSignature } from '../crypto';
import {
  activeSecrets,
  bodyString,
  checkTimestamp,
  hashedKey,
  isRejection,
  optionalHeader,
  reject,
  requireHeader,
  signedBytesKey,
  verified,
} from '../common';
import type { Scheme } from '../types';
import { DEFAULT_TOLERANCES } from '../replay-window';

const SCHEME = 'linear';
const SIGNATURE_HEADER = 'linear-signature';
const SIGNATURE = /^[0-9a-fA-F]{64}$/;
/** The window @linear/sdk's LinearWebhookClient applies to `webhookTimestamp`. */
const DEFAULT_TOLERANCE_SECONDS = DEFAULT_TOLERANCES.linear!;

/**
 * Linear: `Linear-Signature` is the hex HMAC-SHA256 of the raw body. As in @linear/sdk, the only
 * trusted timestamp is `webhookTimestamp` (Unix milliseconds) inside the signed body; the
 * `Linear-Timestamp` header is ignored. The dedup key is a hash of the signed body (which carries
 * `webhookTimestamp`); `Linear-Delivery` is not signed and is only the label. Event type:
 * `Linear-Event`, else the body's `type`.
 */
export const linear: Scheme<PresetVerifierConfig> = {
  verify(config, ctx) {
    const { body } = ctx.request;
    const header = requireHeader(ctx, SCHEME, SIGNATURE_HEADER);
    if (isRejection(header)) return header;
    const delivery = optionalHeader(ctx, SCHEME, 'linear-delivery');
    if (isRejection(delivery)) return delivery;
    const event = optionalHeader(ctx, SCHEME, 'linear-event');
    if (isRejection(event)) return event;

    const hex = header.trim();
    if (!SIGNATURE.test(hex)) return reject(SCHEME, 'malformed_header', 'Linear-Signature is not 64 hex digits');
    const secrets = activeSecrets(ctx, SCHEME, config.secret);
    if (isRejection(secrets)) return secrets;
    if (!anyHmacMatches('sha256', secrets, body, [decodeSignature(hex, 'hex')!])) {
      return reject(SCHEME, 'signature_mismatch', 'no active secret matches Linear-Signature');
    }

    const ms = ctx.request.jsonObject()?.webhookTimestamp;
    if (typeof ms !== 'number' || !Number.isFinite(ms)) {
      return reject(SCHEME, 'malformed_body', 'webhookTimestamp (Unix milliseconds) is missing from the body');
    }
    const timestamp = new Date(ms);
    const stale = checkTimestamp(SCHEME, timestamp, ctx.now, config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS);
    if (stale) return stale;

    const eventType = event?.trim() || bodyString(ctx, 'type');
    return verified(SCHEME, {
      ...hashedKey(signedBytesKey('', body), 'signed-hash', delivery),
      ...(eventType ? { eventType } : {}),
      timestamp,
    });
  },
  sensitiveHeaders: () => [SIGNATURE_HEADER],
};
