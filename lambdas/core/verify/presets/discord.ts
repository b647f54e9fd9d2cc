import { verify as verifySignature, type KeyObject } from 'node:crypto';
import type { PresetVerifierConfig } from '../../config/verifier';
import { decodeSignature } from '../crypto';
import {
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
import { activePublicKeys, isEd25519 } from '../public-key';
import type { Scheme } from '../types';
import { DEFAULT_TOLERANCES } from '../replay-window';

const SCHEME = 'discord';
const SIGNATURE_HEADER = 'x-signature-ed25519';
const TIMESTAMP_HEADER = 'x-signature-timestamp';
/** Discord sets no window; five minutes both ways. */
const DEFAULT_TOLERANCE_SECONDS = DEFAULT_TOLERANCES.discord!;
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
    const header = requireHeader(ctx, SCHEME, SIGNATURE_HEADER);
    if (isRejection(header)) return header;
    const tsHeader = requireHeader(ctx, SCHEME, TIMESTAMP_HEADER);
    if (isRejection(tsHeader)) return tsHeader;

    const signature = decodeSignature(header.trim(), 'hex');
    if (signature?.length !== 64)
      return reject(SCHEME, 'malformed_header', `${SIGNATURE_HEADER} is not 128 hex digits`);
    const timestamp = parseUnixTimestamp(tsHeader);
    if (timestamp === undefined) return reject(SCHEME, 'malformed_header', `${TIMESTAMP_HEADER} is not Unix seconds`);
    const keys = activePublicKeys(ctx, SCHEME, isEd25519, config.secret);
    if (isRejection(keys)) return keys;

    const signed = Buffer.concat([Buffer.from(tsHeader, 'utf8'), body]);
    if (!keys.some((key: KeyObject) => verifySignature(null, signed, key, signature))) {
      return reject(SCHEME, 'signature_mismatch', `no active public key verifies ${SIGNATURE_HEADER}`);
    }
    const stale = checkTimestamp(SCHEME, timestamp, ctx.now, config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS);
    if (stale) return stale;

    const id = bodyString(ctx, 'id');
    const type = ctx.request.jsonObject()?.type;
    return verified(SCHEME, {
      ...(id !== undefined ? signedId(id) : hashedKey(signedBytesKey(tsHeader, body), 'signed-hash')),
      ...(typeof type === 'number' ? { eventType: String(type) } : {}),
      timestamp,
    });
  },
  handshake(_config, ctx) {
    if (ctx.request.jsonObject()?.type !== PING) return undefined;
    return { statusCode: 200, contentType: 'application/json', body: JSON.stringify({ type: PONG }) };
  },
  sensitiveHeaders: () => [SIGNATURE_HEADER],
};
