import { verify as verifySignature, type KeyObject } from 'node:crypto';
import type { PresetVerifierConfig } from '../../config/verifier';
import { decodeSignature } from '../crypto';
import {
  checkTimestamp,
  hashedKey,
  isRejection,
  parseUnixTimestamp,
  reject,
  requireHeader,
  signedBytesKey,
  verified,
} from '../common';
import { activePublicKeys, isP256 } from '../public-key';
import type { Scheme } from '../types';
import { DEFAULT_TOLERANCES } from '../replay-window';

const SCHEME = 'sendgrid';
const SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
const TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';
/** SendGrid sets no window; five minutes both ways, as most timestamped schemes use. */
const DEFAULT_TOLERANCE_SECONDS = DEFAULT_TOLERANCES.sendgrid!;

/**
 * SendGrid Event Webhook: `X-Twilio-Email-Event-Webhook-Signature` is a base64 DER ECDSA P-256 /
 * SHA-256 signature of `{timestamp}{body}`, verified with the account's verification key (base64
 * DER, stored as `publicKey`). The body is a batch of events, so there is no single event type and
 * no provider delivery id: the id is a hash of the signed bytes (ECDSA signatures are randomized
 * and malleable, so the signature itself must not make a replay look new).
 */
export const sendgrid: Scheme<PresetVerifierConfig> = {
  verify(config, ctx) {
    const { body } = ctx.request;
    const header = requireHeader(ctx, SCHEME, SIGNATURE_HEADER);
    if (isRejection(header)) return header;
    const tsHeader = requireHeader(ctx, SCHEME, TIMESTAMP_HEADER);
    if (isRejection(tsHeader)) return tsHeader;

    const signature = decodeSignature(header.trim(), 'base64');
    if (signature === undefined) return reject(SCHEME, 'malformed_header', `${SIGNATURE_HEADER} is not base64`);
    const timestamp = parseUnixTimestamp(tsHeader);
    if (timestamp === undefined) return reject(SCHEME, 'malformed_header', `${TIMESTAMP_HEADER} is not Unix seconds`);
    const keys = activePublicKeys(ctx, SCHEME, isP256, config.secret);
    if (isRejection(keys)) return keys;

    const signed = Buffer.concat([Buffer.from(tsHeader, 'utf8'), body]);
    if (!keys.some((key) => ecdsaVerifies(signed, key, signature))) {
      return reject(SCHEME, 'signature_mismatch', `no active public key verifies ${SIGNATURE_HEADER}`);
    }
    const stale = checkTimestamp(SCHEME, timestamp, ctx.now, config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS);
    if (stale) return stale;
    return verified(SCHEME, {
      ...hashedKey(signedBytesKey(tsHeader, body), 'signed-hash'),
      timestamp,
    });
  },
  sensitiveHeaders: () => [SIGNATURE_HEADER],
};

function ecdsaVerifies(data: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return verifySignature('sha256', data, key, signature);
  } catch {
    return false; // a signature that is not valid DER
  }
}
