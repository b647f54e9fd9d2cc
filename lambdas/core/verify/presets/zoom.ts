import type { PresetVerifierConfig } from '../../config/verifier';
import { anyHmacMatches, decodeSignature, hmac } from '../crypto';
import { activeSecrets, bodyString, hashedKey, isRejection, reject, signedBytesKey, verified } from '../common';
import { DEFAULT_TOLERANCES } from '../replay-window';
import { checkWindow, malformed, signedTimestampHeaders, type SignedTimestampRules } from '../signed-timestamp';
import type { Scheme, VerifyContext } from '../types';

const SCHEME = 'zoom';
const SIGNATURE_HEADER = 'x-zm-signature';
const TIMESTAMP_HEADER = 'x-zm-request-timestamp';
const SIGNATURE = /^v0=([0-9a-fA-F]{64})$/;
const SIGNED: SignedTimestampRules<Buffer> = {
  scheme: SCHEME,
  signature: {
    header: SIGNATURE_HEADER,
    parse(value) {
      const hex = SIGNATURE.exec(value)?.[1];
      return hex === undefined ? malformed(`${SIGNATURE_HEADER} is not v0=<64 hex>`) : decodeSignature(hex, 'hex')!;
    },
  },
  timestamp: { header: TIMESTAMP_HEADER, unit: 's', malformed: `${TIMESTAMP_HEADER} is not Unix seconds` },
  /** Zoom sets no window; five minutes both ways, as its sample apps use. */
  defaultToleranceSeconds: DEFAULT_TOLERANCES.zoom!,
};
const URL_VALIDATION = 'endpoint.url_validation';
/** Zoom's plainTokens are short random tokens; anything else is not signed, so the endpoint is no oracle. */
const PLAIN_TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Zoom: `x-zm-signature: v0=<hex HMAC-SHA256(secret token, "v0:{timestamp}:{body}")>`. No delivery
 * id is sent: it is a hash of the signed bytes, so a replay with a re-spelt signature is still a
 * duplicate. A verified `endpoint.url_validation` request is answered with the plainToken and its
 * HMAC under the current secret token; one whose plainToken is not a short token is refused as
 * `malformed_body`.
 */
export const zoom: Scheme<PresetVerifierConfig> = {
  verify(config, ctx) {
    const { body } = ctx.request;
    const signed = signedTimestampHeaders(ctx, SIGNED);
    if (isRejection(signed)) return signed;
    const secrets = activeSecrets(ctx, SCHEME, config.secret);
    if (isRejection(secrets)) return secrets;

    const message = [`v0:${signed.timestampText}:`, body];
    if (!anyHmacMatches('sha256', secrets, message, [signed.signature])) {
      return reject(SCHEME, 'signature_mismatch', `no active secret matches ${SIGNATURE_HEADER}`);
    }
    const stale = checkWindow(SIGNED, config, signed.timestamp, ctx.now);
    if (stale) return stale;

    const event = bodyString(ctx, 'event');
    if (event === URL_VALIDATION && plainToken(ctx) === undefined) {
      return reject(SCHEME, 'malformed_body', `${URL_VALIDATION} without a plainToken of 1-64 [A-Za-z0-9_-]`);
    }
    return verified(SCHEME, {
      ...hashedKey(signedBytesKey(signed.timestampText, body), 'signed-hash'),
      ...(event !== undefined ? { eventType: event } : {}),
      timestamp: signed.timestamp,
    });
  },
  handshake(config, ctx) {
    if (bodyString(ctx, 'event') !== URL_VALIDATION) return undefined;
    const token = plainToken(ctx);
    const secrets = activeSecrets(ctx, SCHEME, config.secret);
    if (token === undefined || isRejection(secrets)) return undefined;
    const encryptedToken = hmac('sha256', secrets[0]!, token).toString('hex');
    return {
      statusCode: 200,
      contentType: 'application/json',
      body: JSON.stringify({ plainToken: token, encryptedToken }),
    };
  },
  sensitiveHeaders: () => [SIGNATURE_HEADER],
};

function plainToken(ctx: VerifyContext): string | undefined {
  const payload = ctx.request.jsonObject()?.payload;
  const token =
    typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>).plainToken : undefined;
  return typeof token === 'string' && PLAIN_TOKEN.test(token) ? token : undefined;
}
