import type { GenericHandshakeConfig, VerifierConfig } from '../config/verifier';
import { reject } from './common';
import { schemeFor } from './registry';
import {
  DEDUP_KEY_SOURCES,
  type HandshakeResponse,
  type Verdict,
  type VerifiedRequest,
  type VerifyContext,
} from './types';

export * from './types';
export { REJECT_REASONS } from './types';

/**
 * Verifies a request against a webhook's verifier config. Never throws for a bad request: every
 * failure is a rejection with a reason (a config the scheme cannot use throws, possibly before
 * returning). `allOf` requires every member to pass. A scheme that verifies synchronously answers
 * at once, without a promise: the ingest awaits one verdict per request.
 */
export function verifyRequest(config: VerifierConfig, ctx: VerifyContext): Verdict | Promise<Verdict> {
  if (config.type !== 'allOf') return schemeFor(config).verify(config, ctx);
  return verifyAllOf(config, ctx);
}

async function verifyAllOf(config: Extract<VerifierConfig, { type: 'allOf' }>, ctx: VerifyContext): Promise<Verdict> {
  const name = `allOf(${config.sources.map((s) => s.type).join(',')})`;
  if (config.sources.length === 0) return reject(name, 'secret_not_set', 'allOf has no member schemes');
  const passed: VerifiedRequest[] = [];
  for (const member of config.sources) {
    const verdict = await verifyRequest(member, ctx);
    if (!verdict.ok) return { ...verdict, scheme: `${name}/${verdict.scheme}` };
    passed.push(verdict);
  }
  // The strongest dedup key wins (a signed id, then a hash a signature covers, then a body hash; the
  // first member on a tie). The label is the first one a provider sent, else that key.
  const keyed = [...passed].sort(
    (a, b) => DEDUP_KEY_SOURCES.indexOf(a.dedupKeySource) - DEDUP_KEY_SOURCES.indexOf(b.dedupKeySource),
  )[0]!;
  const labelled = passed.find((v) => v.deliveryIdSource === 'provider');
  return {
    ok: true,
    scheme: name,
    deliveryId: labelled?.deliveryId ?? keyed.dedupKey,
    deliveryIdSource: labelled ? 'provider' : 'fallback',
    dedupKey: keyed.dedupKey,
    dedupKeySource: keyed.dedupKeySource,
    ...optional('eventType', passed.find((v) => v.eventType !== undefined)?.eventType),
    ...optional('timestamp', passed.find((v) => v.timestamp !== undefined)?.timestamp),
  };
}

/**
 * The handshake answer for a request that already verified, if it is a handshake: the preset's
 * own (Slack url_verification, Zoom endpoint.url_validation, Discord PING), else the webhook's
 * generic handshake config.
 */
export function answerHandshake(
  config: VerifierConfig,
  generic: GenericHandshakeConfig | undefined,
  ctx: VerifyContext,
): HandshakeResponse | undefined {
  for (const leaf of leaves(config)) {
    const scheme = schemeFor(leaf);
    const answer = scheme.handshake?.(leaf, ctx);
    if (answer) return answer;
  }
  return generic ? answerGenericHandshake(generic, ctx) : undefined;
}

/**
 * CEL's `input` as the scheme authenticated it, for a request that already verified: a member's
 * own shape (a Twilio form's canonical parameters), else undefined (the generic body parse applies).
 */
export function authenticatedInput(config: VerifierConfig, ctx: VerifyContext): unknown {
  for (const leaf of leaves(config)) {
    const input = schemeFor(leaf).authenticatedInput?.(leaf, ctx);
    if (input !== undefined) return input;
  }
  return undefined;
}

function answerGenericHandshake(config: GenericHandshakeConfig, ctx: VerifyContext): HandshakeResponse | undefined {
  const body = ctx.request.jsonObject();
  if (body?.[config.field] !== config.equals) return undefined;
  const value = body[config.respondWith];
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  return config.as === 'text'
    ? { statusCode: 200, contentType: 'text/plain', body: String(value) }
    : { statusCode: 200, contentType: 'application/json', body: JSON.stringify({ [config.respondWith]: value }) };
}

/** Lower-case names of headers that carry credentials for this config: redact before storing. */
export function sensitiveHeaders(config: VerifierConfig): string[] {
  const names = new Set<string>(['authorization', 'proxy-authorization', 'cookie']);
  for (const leaf of leaves(config)) for (const h of schemeFor(leaf).sensitiveHeaders(leaf)) names.add(h.toLowerCase());
  return [...names];
}

function leaves(config: VerifierConfig): Exclude<VerifierConfig, { type: 'allOf' }>[] {
  return config.type === 'allOf' ? config.sources.flatMap(leaves) : [config];
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
