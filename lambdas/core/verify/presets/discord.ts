import { verify as verifySignature } from 'node:crypto';
import type { PresetVerifierConfig } from '../../config/verifier';
import { decodeSignature } from '../crypto';
import { bodyString, hashedKey, isRejection, reject, signedBytesKey, signedId, verified } from '../common';
import { activePublicKeys, isEd25519 } from '../public-key';
import { DEFAULT_TOLERANCES } from '../replay-window';
import { checkWindow, malformed, signedTimestampHeaders, type SignedTimestampRules } from '../signed-timestamp';
import type { Scheme } from '../types';

const SCHEME = 'discord';
const SIGNATURE_HEADER = 'x-signature-ed25519';
const TIMESTAMP_HEADER = 'x-signature-timestamp';
const SIGNED: SignedTimestampRules<Buffer> = {
  scheme: SCHEME,
  signature: {
    header: SIGNATURE_HEADER,
    parse(value) {
      const signature = decodeSignature(value, 'hex');
      return signature?.length === 64 ? signature : malformed(`${SIGNATURE_HEADER} is not 128 hex digits`);
    },
  },
  timestamp: { header: TIMESTAMP_HEADER, unit: 's', malformed: `${TIMESTAMP_HEADER} is not Unix seconds` },
  /** Discord sets no window; five minutes both ways. */
  defaultToleranceSeconds: DEFAULT_TOLERANCES.discord!,
};
const PING = 1;
const PONG = 1;

/**
 * Discord interactions: `X-Signature-Ed25519` is the hex Ed25519 signature of `{timestamp}{body}`
 * with the application's public key (hex, stored as `publicKey`). The delivery id (and dedup key) is
 * the interaction `id` in the signed body, the event type its numeric `type`; a verified PING is answered with a PONG.
 */
export const discord: Scheme<PresetVerifierConfig> = {
  verify(config, ctx) {
    const { body } = ctx.request;
    const signed = signedTimestampHeaders(ctx, SIGNED);
    if (isRejection(signed)) return signed;
    const keys = activePublicKeys(ctx, SCHEME, isEd25519, config.secret);
    if (isRejection(keys)) return keys;

    const message = Buffer.concat([Buffer.from(signed.timestampText, 'utf8'), body]);
    if (!keys.some((key) => verifySignature(null, message, key, signed.signature))) {
      return reject(SCHEME, 'signature_mismatch', `no active public key verifies ${SIGNATURE_HEADER}`);
    }
    const stale = checkWindow(SIGNED, config, signed.timestamp, ctx.now);
    if (stale) return stale;

    const id = bodyString(ctx, 'id');
    const type = ctx.request.jsonObject()?.type;
    return verified(SCHEME, {
      ...(id !== undefined ? signedId(id) : hashedKey(signedBytesKey(signed.timestampText, body), 'signed-hash')),
      ...(typeof type === 'number' ? { eventType: String(type) } : {}),
      timestamp: signed.timestamp,
    });
  },
  handshake(_config, ctx) {
    if (ctx.request.jsonObject()?.type !== PING) return undefined;
    return { statusCode: 200, contentType: 'application/json', body: JSON.stringify({ type: PONG }) };
  },
  sensitiveHeaders: () => [SIGNATURE_HEADER],
};
