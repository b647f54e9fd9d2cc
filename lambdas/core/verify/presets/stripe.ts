import type { PresetVerifierConfig } from '../../config/verifier';
import { anyHmacMatches, decodeSignature } from '../crypto';
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

const SCHEME = 'stripe';
const DEFAULT_TOLERANCE_SECONDS = DEFAULT_TOLERANCES.stripe!;
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/**
 * Stripe: `Stripe-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, "{t}.{body}")>[,v1=…]`. Stripe
 * sends several `v1` while an endpoint secret is being rolled: any of them may match. Other schemes
 * (`v0`, test-mode legacy) are ignored; a header without `v1` is malformed. The secret is the
 * `whsec_…` string as is (Stripe does not decode it).
 */
export const stripe: Scheme<PresetVerifierConfig> = {
  verify(config, ctx) {
    const header = requireHeader(ctx, SCHEME, 'stripe-signature');
    if (isRejection(header)) return header;

    const timestamps: string[] = [];
    const signatures: Buffer[] = [];
    for (const item of header.split(',')) {
      const eq = item.indexOf('=');
      if (eq < 0) return reject(SCHEME, 'malformed_header', 'Stripe-Signature is not a list of key=value');
      const key = item.slice(0, eq).trim();
      const value = item.slice(eq + 1).trim();
      if (key === 't') timestamps.push(value);
      else if (key === 'v1') {
        if (!HEX_SHA256.test(value)) return reject(SCHEME, 'malformed_header', 'Stripe-Signature v1 is not 64 hex');
        signatures.push(decodeSignature(value, 'hex')!);
      }
    }
    if (timestamps.length !== 1) return reject(SCHEME, 'malformed_header', 'Stripe-Signature needs exactly one t=');
    if (signatures.length === 0) return reject(SCHEME, 'malformed_header', 'Stripe-Signature has no v1 signature');
    const signedAt = parseUnixTimestamp(timestamps[0]!);
    if (signedAt === undefined) return reject(SCHEME, 'malformed_header', 'Stripe-Signature t= is not a Unix time');

    const secrets = activeSecrets(ctx, SCHEME, config.secret);
    if (isRejection(secrets)) return secrets;
    const { body } = ctx.request;
    const signed = Buffer.concat([Buffer.from(`${signedAt.getTime() / 1000}.`, 'utf8'), body]);
    if (!anyHmacMatches('sha256', secrets, signed, signatures)) {
      return reject(SCHEME, 'signature_mismatch', 'no active secret matches any v1 of Stripe-Signature');
    }
    // Checked after the signature, so a stale replay of a genuine event is reported as such.
    const stale = checkTimestamp(SCHEME, signedAt, ctx.now, config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS);
    if (stale) return stale;

    const id = bodyString(ctx, 'id');
    const type = bodyString(ctx, 'type');
    return verified(SCHEME, {
      ...(id !== undefined
        ? signedId(id)
        : hashedKey(signedBytesKey(String(signedAt.getTime() / 1000), body), 'signed-hash')),
      ...(type === undefined ? {} : { eventType: type }),
      timestamp: signedAt,
    });
  },
  sensitiveHeaders: () => ['stripe-signature'],
};
