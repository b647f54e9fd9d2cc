import type { PresetVerifierConfig } from '../../config/verifier';
import { anyHmacMatches, decodeSignature } from '../crypto';
import {
  activeSecrets,
  bodyString,
  hashedKey,
  isRejection,
  reject,
  requireHeader,
  signedBytesKey,
  signedId,
  verified,
} from '../common';
import type { Scheme } from '../types';

const SCHEME = 'msTeams';
const AUTHORIZATION = /^HMAC\s+(\S+)$/i;

/**
 * Microsoft Teams outgoing webhook: `Authorization: HMAC <base64 HMAC-SHA256(key, body)>`, where the
 * key is the base64-decoded security token Teams shows when the webhook is created (store the token
 * as shown). Delivery id and dedup key: the activity `id` in the signed body; event type: the activity `type`.
 */
export const msTeams: Scheme<PresetVerifierConfig> = {
  verify(config, ctx) {
    const { body } = ctx.request;
    const header = requireHeader(ctx, SCHEME, 'authorization');
    if (isRejection(header)) return header;

    const encoded = AUTHORIZATION.exec(header.trim())?.[1];
    const signature = encoded === undefined ? undefined : decodeSignature(encoded, 'base64');
    if (signature?.length !== 32)
      return reject(SCHEME, 'malformed_header', 'Authorization is not HMAC <base64 SHA-256>');
    const secrets = activeSecrets(ctx, SCHEME, config.secret);
    if (isRejection(secrets)) return secrets;
    const keys = secrets.map((s) => decodeSignature(s.trim(), 'base64'));
    if (keys.some((k) => k === undefined)) {
      return reject(SCHEME, 'invalid_secret', 'a security token is not base64 (store it exactly as Teams shows it)');
    }

    if (!anyHmacMatches('sha256', keys as Buffer[], body, [signature])) {
      return reject(SCHEME, 'signature_mismatch', 'no active security token matches Authorization');
    }
    const id = bodyString(ctx, 'id');
    const eventType = bodyString(ctx, 'type');
    return verified(SCHEME, {
      ...(id !== undefined ? signedId(id) : hashedKey(signedBytesKey('', body), 'signed-hash')),
      ...(eventType !== undefined ? { eventType } : {}),
    });
  },
  sensitiveHeaders: () => ['authorization'],
};
