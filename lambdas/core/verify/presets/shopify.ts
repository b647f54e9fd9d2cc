import type { PresetVerifierConfig } from '../../config/verifier';
import { anyHmacMatches, decodeSignature } from '../crypto';
import { activeSecrets, hashedKey, isRejection, reject, requireHeader, signedBytesKey, verified } from '../common';
import type { Scheme } from '../types';

const SCHEME = 'shopify';

/**
 * Shopify: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256(app client secret, body)>`. As
 * @shopify/shopify-api's `webhooks.validate`, the topic, shop domain, API version and webhook id
 * headers are required, and a request carrying `Shopify-Hmac-Sha256` is a Shopify Events delivery
 * whose headers have no `X-` prefix and must also carry `Shopify-Event-Id`. Shopify signs the body
 * alone: the dedup key is a hash of it, and the (unsigned) webhook id header is the label.
 */
export const shopify: Scheme<PresetVerifierConfig> = {
  verify(config, ctx) {
    const events = ctx.request.headers.has('shopify-hmac-sha256');
    const prefix = events ? 'shopify-' : 'x-shopify-';
    const required = ['hmac-sha256', 'topic', 'shop-domain', 'api-version', 'webhook-id'];
    if (events) required.push('event-id');
    const found = new Map<string, string>();
    for (const name of required) {
      const value = requireHeader(ctx, SCHEME, prefix + name);
      if (isRejection(value)) return value;
      found.set(name, value.trim());
    }

    const expected = decodeSignature(found.get('hmac-sha256')!, 'base64');
    if (expected?.length !== 32) {
      return reject(SCHEME, 'malformed_header', `${prefix}hmac-sha256 is not base64 of 32 bytes`);
    }
    const { body } = ctx.request;
    if (body.length === 0) return reject(SCHEME, 'malformed_body', 'Shopify always signs a non-empty body');
    const secrets = activeSecrets(ctx, SCHEME, config.secret);
    if (isRejection(secrets)) return secrets;

    if (!anyHmacMatches('sha256', secrets, body, [expected])) {
      return reject(SCHEME, 'signature_mismatch', `no active secret matches ${prefix}hmac-sha256`);
    }
    return verified(SCHEME, {
      ...hashedKey(signedBytesKey('', body), 'signed-hash', found.get('webhook-id')),
      eventType: found.get('topic')!,
    });
  },
  sensitiveHeaders: () => ['x-shopify-hmac-sha256', 'shopify-hmac-sha256'],
};
