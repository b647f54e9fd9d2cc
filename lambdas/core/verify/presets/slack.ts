import type { PresetVerifierConfig } from '../../config/verifier';
import type { InboundRequest } from '../../http/request';
import { anyHmacMatches, decodeSignature } from '../crypto';
import {
  activeSecrets,
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

const SCHEME = 'slack';
const DEFAULT_TOLERANCE_SECONDS = DEFAULT_TOLERANCES.slack!;
const SIGNATURE = /^v0=([0-9a-fA-F]{64})$/;

/**
 * Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:{ts}:{body}")>` with
 * `X-Slack-Request-Timestamp`. Events API bodies are JSON (delivery id `event_id`); slash commands
 * and interactivity are form-encoded (interactivity as `payload=<JSON>`). A signed
 * `url_verification` is answered with its challenge, as Bolt does.
 */
export const slack: Scheme<PresetVerifierConfig> = {
  verify(config, ctx) {
    const header = requireHeader(ctx, SCHEME, 'x-slack-signature');
    if (isRejection(header)) return header;
    const timestampText = requireHeader(ctx, SCHEME, 'x-slack-request-timestamp');
    if (isRejection(timestampText)) return timestampText;

    const hex = SIGNATURE.exec(header.trim())?.[1];
    if (hex === undefined) return reject(SCHEME, 'malformed_header', 'X-Slack-Signature is not v0=<64 hex>');
    const signedAt = parseUnixTimestamp(timestampText);
    if (signedAt === undefined) return reject(SCHEME, 'malformed_header', 'X-Slack-Request-Timestamp is not Unix time');
    const secrets = activeSecrets(ctx, SCHEME, config.secret);
    if (isRejection(secrets)) return secrets;

    const { body } = ctx.request;
    const signed = Buffer.concat([Buffer.from(`v0:${signedAt.getTime() / 1000}:`, 'utf8'), body]);
    if (!anyHmacMatches('sha256', secrets, signed, [decodeSignature(hex, 'hex')!])) {
      return reject(SCHEME, 'signature_mismatch', 'no active secret matches X-Slack-Signature');
    }
    const stale = checkTimestamp(SCHEME, signedAt, ctx.now, config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS);
    if (stale) return stale;

    const { eventId, eventType } = describe(ctx.request);
    return verified(SCHEME, {
      ...(eventId !== undefined
        ? signedId(eventId)
        : hashedKey(signedBytesKey(`v0:${signedAt.getTime() / 1000}`, body), 'signed-hash')),
      ...(eventType === undefined ? {} : { eventType }),
      timestamp: signedAt,
    });
  },
  handshake(_config, ctx) {
    const json = isForm(ctx.request) ? undefined : ctx.request.jsonObject();
    if (json?.type !== 'url_verification' || typeof json.challenge !== 'string') return undefined;
    return { statusCode: 200, contentType: 'application/json', body: JSON.stringify({ challenge: json.challenge }) };
  },
  sensitiveHeaders: () => ['x-slack-signature'],
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
