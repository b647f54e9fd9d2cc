import { verify as verifySignature, type KeyObject } from 'node:crypto';
import type { PresetVerifierConfig } from '../../config/verifier';
import { decodeSignature } from '../crypto';
import { hashedKey, isRejection, reject, signedBytesKey, verified } from '../common';
import { activePublicKeys, isP256 } from '../public-key';
import { DEFAULT_TOLERANCES } from '../replay-window';
import { checkWindow, malformed, signedTimestampHeaders, type SignedTimestampRules } from '../signed-timestamp';
import type { Scheme } from '../types';

const SCHEME = 'sendgrid';
const SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
const TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';
const SIGNED: SignedTimestampRules<Buffer> = {
  scheme: SCHEME,
  signature: {
    header: SIGNATURE_HEADER,
    parse: (value) => decodeSignature(value, 'base64') ?? malformed(`${SIGNATURE_HEADER} is not base64`),
  },
  timestamp: { header: TIMESTAMP_HEADER, unit: 's', malformed: `${TIMESTAMP_HEADER} is not Unix seconds` },
  /** SendGrid sets no window; five minutes both ways, as most timestamped schemes use. */
  defaultToleranceSeconds: DEFAULT_TOLERANCES.sendgrid!,
};

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
    const signed = signedTimestampHeaders(ctx, SIGNED);
    if (isRejection(signed)) return signed;
    const keys = activePublicKeys(ctx, SCHEME, isP256, config.secret);
    if (isRejection(keys)) return keys;

    const message = Buffer.concat([Buffer.from(signed.timestampText, 'utf8'), body]);
    if (!keys.some((key) => ecdsaVerifies(message, key, signed.signature))) {
      return reject(SCHEME, 'signature_mismatch', `no active public key verifies ${SIGNATURE_HEADER}`);
    }
    const stale = checkWindow(SIGNED, config, signed.timestamp, ctx.now);
    if (stale) return stale;
    return verified(SCHEME, {
      ...hashedKey(signedBytesKey(signed.timestampText, body), 'signed-hash'),
      timestamp: signed.timestamp,
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
