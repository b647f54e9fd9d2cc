import type { PresetVerifierConfig } from '../../config/verifier';
import { anyHmacMatches, decodeSignature } from '../crypto';
import {
  activeSecrets,
  bodyString,
  checkTimestamp,
  isRejection,
  optionalHeader,
  parseUnixTimestamp,
  reject,
  signedId,
  verified,
} from '../common';
import type { RejectedRequest, Scheme, VerifyContext } from '../types';
import { DEFAULT_TOLERANCES } from '../replay-window';

const DEFAULT_TOLERANCE_SECONDS = DEFAULT_TOLERANCES.standardWebhooks!;
const SECRET_PREFIX = 'whsec_';

/**
 * The Standard Webhooks scheme (Svix's, under another header prefix): `<p>id`, `<p>timestamp` and
 * `<p>signature: v1,<base64 HMAC-SHA256(key, "{id}.{ts}.{body}")> …` (space-separated; other
 * versions such as `v1a` are ignored), key = base64 of the secret after `whsec_`. Headers are read
 * under the first prefix that has them, as the svix library falls back from `svix-` to `webhook-`.
 */
export function standardWebhooksScheme(scheme: string, prefixes: readonly string[]): Scheme<PresetVerifierConfig> {
  const header = (ctx: VerifyContext, suffix: string): string | RejectedRequest => {
    for (const prefix of prefixes) {
      const value = optionalHeader(ctx, scheme, prefix + suffix);
      if (value !== undefined && (isRejection(value) || value.trim() !== '')) return value;
    }
    return reject(scheme, 'missing_header', `${prefixes[0]}${suffix} is missing`);
  };

  return {
    verify(config, ctx) {
      const id = header(ctx, 'id');
      if (isRejection(id)) return id;
      const timestampText = header(ctx, 'timestamp');
      if (isRejection(timestampText)) return timestampText;
      const signatureList = header(ctx, 'signature');
      if (isRejection(signatureList)) return signatureList;

      const signedAt = parseUnixTimestamp(timestampText);
      if (signedAt === undefined) return reject(scheme, 'malformed_header', 'timestamp is not a Unix time');
      const signatures: Buffer[] = [];
      for (const entry of signatureList.split(' ')) {
        const [version, value] = entry.split(',', 2);
        if (version !== 'v1') continue;
        const bytes = decodeSignature(value ?? '', 'base64');
        if (bytes?.length !== 32) return reject(scheme, 'malformed_header', 'a v1 signature is not base64 of 32 bytes');
        signatures.push(bytes);
      }
      if (signatures.length === 0) return reject(scheme, 'malformed_header', 'signature header has no v1 signature');

      const secrets = activeSecrets(ctx, scheme, config.secret);
      if (isRejection(secrets)) return secrets;
      const keys: Buffer[] = [];
      for (const secret of secrets) {
        const text = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
        const key = decodeSignature(text, 'base64');
        if (key === undefined) return reject(scheme, 'invalid_secret', 'a secret is not whsec_<base64>');
        keys.push(key);
      }

      const { body } = ctx.request;
      const signed = [`${id}.${signedAt.getTime() / 1000}.`, body];
      if (!anyHmacMatches('sha256', keys, signed, signatures)) {
        return reject(scheme, 'signature_mismatch', 'no active secret matches any v1 signature');
      }
      const stale = checkTimestamp(scheme, signedAt, ctx.now, config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS);
      if (stale) return stale;

      const type = bodyString(ctx, 'type');
      return verified(scheme, {
        ...signedId(id),
        ...(type === undefined ? {} : { eventType: type }),
        timestamp: signedAt,
      });
    },
    sensitiveHeaders: () => prefixes.map((p) => `${p}signature`),
  };
}

export const standardWebhooks = standardWebhooksScheme('standardWebhooks', ['webhook-']);
