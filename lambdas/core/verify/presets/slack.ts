import type { PresetVerifierConfig } from '../../config/verifier';
import type { InboundRequest } from '../../http/request';
import { anyHmacMatches, decodeSignature } from '../crypto';
import { activeSecrets, hashedKey, isRejection, reject, signedBytesKey, signedId, verified } from '../common';
import { DEFAULT_TOLERANCES } from '../replay-window';
import { checkWindow, malformed, signedTimestampHeaders, type SignedTimestampRules } from '../signed-timestamp';
import type { Scheme } from '../types';

const SCHEME = 'slack';
const SIGNATURE = /^v0=([0-9a-fA-F]{64})$/;
const SIGNED: SignedTimestampRules<Buffer> = {
  scheme: SCHEME,
  signature: {
    header: 'x-slack-signature',
    parse(value) {
      const hex = SIGNATURE.exec(value)?.[1];
      return hex === undefined ? malformed('X-Slack-Signature is not v0=<64 hex>') : decodeSignature(hex, 'hex')!;
    },
  },
  timestamp: {
    header: 'x-slack-request-timestamp',
    unit: 's',
    malformed: 'X-Slack-Request-Timestamp is not Unix time',
  },
  defaultToleranceSeconds: DEFAULT_TOLERANCES.slack!,
};

/**
 * Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:{ts}:{body}")>` with
 * `X-Slack-Request-Timestamp`. Events API bodies are JSON (delivery id `event_id`); slash commands
 * and interactivity are form-encoded (interactivity as `payload=<JSON>`). A signed
 * `url_verification` is answered with its challenge, as Bolt does.
 */
export const slack: Scheme<PresetVerifierConfig> = {
  verify(config, ctx) {
    const signed = signedTimestampHeaders(ctx, SIGNED);
    if (isRejection(signed)) return signed;
    const secrets = activeSecrets(ctx, SCHEME, config.secret);
    if (isRejection(secrets)) return secrets;

    const { body } = ctx.request;
    const signedAt = signed.timestamp.getTime() / 1000;
    const message = [`v0:${signedAt}:`, body];
    if (!anyHmacMatches('sha256', secrets, message, [signed.signature])) {
      return reject(SCHEME, 'signature_mismatch', 'no active secret matches X-Slack-Signature');
    }
    const stale = checkWindow(SIGNED, config, signed.timestamp, ctx.now);
    if (stale) return stale;

    const { eventId, eventType } = describe(ctx.request);
    return verified(SCHEME, {
      ...(eventId !== undefined ? signedId(eventId) : hashedKey(signedBytesKey(`v0:${signedAt}`, body), 'signed-hash')),
      ...(eventType === undefined ? {} : { eventType }),
      timestamp: signed.timestamp,
    });
  },
  handshake(_config, ctx) {
    const json = isForm(ctx.request) ? undefined : ctx.request.jsonObject();
    if (json?.type !== 'url_verification' || typeof json.challenge !== 'string') return undefined;
    return { statusCode: 200, contentType: 'application/json', body: JSON.stringify({ challenge: json.challenge }) };
  },
  sensitiveHeaders: () => [SIGNED.signature.header],
};

function isForm(request: InboundRequest): boolean {
  return request.mediaType === 'application/x-www-form-urlencoded';
}

function describe(request: InboundRequest): { eventId?: string; eventType?: string } {
  if (!isForm(request)) {
    const json = request.jsonObject();
    const inner = json?.event as Record<string, unknown> | undefined;
    const type = json?.type === 'event_callback' && typeof inner?.type === 'string' ? inner.type : json?.type;
    return {
      ...(typeof json?.event_id === 'string' && json.event_id !== '' ? { eventId: json.event_id } : {}),
      ...(typeof type === 'string' ? { eventType: type } : {}),
    };
  }
  const form = new URLSearchParams(request.text);
  const payload = form.get('payload');
  if (payload === null) {
    const command = form.get('command');
    return command === null ? {} : { eventType: command };
  }
  try {
    const type = (JSON.parse(payload) as { type?: unknown } | null)?.type;
    return typeof type === 'string' ? { eventType: type } : {};
  } catch {
    return {};
  }
}
