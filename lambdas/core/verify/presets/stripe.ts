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
import {
  checkWindow,
  malformed,
  signedTimestampHeaders,
  type Malformed,
  type SignedTimestampRules,
} from '../signed-timestamp';
import type { Scheme } from '../types';

const SCHEME = 'stripe';
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;
const SIGNED: SignedTimestampRules<StripeSignature> = {
  scheme: SCHEME,
  signature: { header: 'stripe-signature', parse: parseHeader },
  timestamp: { in: (signature) => signature.t, unit: 's', malformed: 'Stripe-Signature t= is not a Unix time' },
  defaultToleranceSeconds: DEFAULT_TOLERANCES.stripe!,
};

/**
 * Stripe: `Stripe-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, "{t}.{body}")>[,v1=…]`. Stripe
 * sends several `v1` while an endpoint secret is being rolled: any of them may match. Other schemes
 * (`v0`, test-mode legacy) are ignored; a header without `v1` is malformed. The secret is the
 * `whsec_…` string as is (Stripe does not decode it).
 */
export const stripe: Scheme<PresetVerifierConfig> = {
  verify(config, ctx) {
    const signed = signedTimestampHeaders(ctx, SIGNED);
    if (isRejection(signed)) return signed;

    const secrets = activeSecrets(ctx, SCHEME, config.secret);
    if (isRejection(secrets)) return secrets;
    const { body } = ctx.request;
    const signedAt = signed.timestamp.getTime() / 1000;
    const message = [`${signedAt}.`, body];
    if (!anyHmacMatches('sha256', secrets, message, signed.signature.v1)) {
      return reject(SCHEME, 'signature_mismatch', 'no active secret matches any v1 of Stripe-Signature');
    }
    const stale = checkWindow(SIGNED, config, signed.timestamp, ctx.now);
    if (stale) return stale;

    const id = bodyString(ctx, 'id');
    const type = bodyString(ctx, 'type');
    const fields: { -readonly [K in keyof DeliveryFields]: DeliveryFields[K] } =
      id !== undefined ? signedId(id) : hashedKey(signedBytesKey(String(signedAt), body), 'signed-hash');
    if (type !== undefined) fields.eventType = type;
    fields.timestamp = signed.timestamp;
    return verified(SCHEME, fields);
  },
  sensitiveHeaders: () => [SIGNED.signature.header],
};

type DeliveryFields = Parameters<typeof verified>[1];

interface StripeSignature {
  readonly t: string;
  readonly v1: Buffer[];
}

/** `key=value` items: `t` exactly once, at least one `v1` (64 hex); other keys are ignored. */
function parseHeader(header: string): StripeSignature | Malformed {
  let t = '';
  let timestamps = 0;
  const v1: Buffer[] = [];
  // Item by item with indexOf rather than split: this runs on every Stripe delivery.
  for (let start = 0; start <= header.length;) {
    const comma = header.indexOf(',', start);
    const end = comma < 0 ? header.length : comma;
    const eq = header.indexOf('=', start);
    if (eq < 0 || eq > end) return malformed('Stripe-Signature is not a list of key=value');
    const key = header.slice(start, eq).trim();
    if (key === 't') {
      t = header.slice(eq + 1, end).trim();
      timestamps++;
    } else if (key === 'v1') {
      const value = header.slice(eq + 1, end).trim();
      if (!HEX_SHA256.test(value)) return malformed('Stripe-Signature v1 is not 64 hex');
      v1.push(Buffer.from(value, 'hex'));
    }
    start = end + 1;
  }
  if (timestamps !== 1) return malformed('Stripe-Signature needs exactly one t=');
  if (v1.length === 0) return malformed('Stripe-Signature has no v1 signature');
  return { t, v1 };
}
