import type { PresetVerifierConfig } from '../../config/verifier';
import { anyHmacMatches, decodeSignature } from '../crypto';
import { activeSecrets, hashedKey, isRejection, reject, requireHeader, signedBytesKey, verified } from '../common';
import type { Scheme } from '../types';

const SCHEME = 'github';
const SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`. The legacy SHA-1
 * `X-Hub-Signature` alone is refused. `X-GitHub-Event` and `X-GitHub-Delivery` are required, as
 * GitHub always sends them; `ping` is an ordinary signed delivery. GitHub signs the body alone, so
 * the dedup key is a hash of the body and `X-GitHub-Delivery` is only the delivery's label.
 */
export const github: Scheme<PresetVerifierConfig> = {
  verify(config, ctx) {
    const { headers, body } = ctx.request;
    if (!headers.has('x-hub-signature-256') && headers.has('x-hub-signature')) {
      return reject(SCHEME, 'legacy_signature_only', 'only the SHA-1 X-Hub-Signature was sent');
    }
    const header = requireHeader(ctx, SCHEME, 'x-hub-signature-256');
    if (isRejection(header)) return header;
    const event = requireHeader(ctx, SCHEME, 'x-github-event');
    if (isRejection(event)) return event;
    const delivery = requireHeader(ctx, SCHEME, 'x-github-delivery');
    if (isRejection(delivery)) return delivery;

    const hex = SIGNATURE.exec(header.trim())?.[1];
    if (hex === undefined) return reject(SCHEME, 'malformed_header', 'X-Hub-Signature-256 is not sha256=<64 hex>');
    const secrets = activeSecrets(ctx, SCHEME, config.secret);
    if (isRejection(secrets)) return secrets;

    if (!anyHmacMatches('sha256', secrets, body, [decodeSignature(hex, 'hex')!])) {
      return reject(SCHEME, 'signature_mismatch', 'no active secret matches X-Hub-Signature-256');
    }
    return verified(
      SCHEME,
      Object.assign(hashedKey(signedBytesKey('', body), 'signed-hash', delivery), { eventType: event }),
    );
  },
  sensitiveHeaders: () => ['x-hub-signature-256', 'x-hub-signature'],
};
