import { parseSecretMaterial, EMPTY_SECRET, type SecretMaterial } from '../../lambdas/core/config/secret';
import type { VerifierConfig } from '../../lambdas/core/config/verifier';
import { HttpHeaders } from '../../lambdas/core/http/headers';
import { InboundRequest } from '../../lambdas/core/http/request';
import {
  verifyRequest,
  answerHandshake,
  type Verdict,
  type VerifiedRequest,
  type VerifyContext,
} from '../../lambdas/core/verify';

export interface RequestInit {
  readonly method?: string;
  readonly url?: string;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string | Uint8Array;
}

export function inbound(init: RequestInit): InboundRequest {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(init.headers ?? {})) {
    if (Array.isArray(v)) multi[k] = v;
    else single[k] = v;
  }
  return new InboundRequest({
    method: init.method ?? 'POST',
    url: init.url ?? 'https://example.execute-api.us-east-1.amazonaws.com/v1/webhooks/test',
    headers: HttpHeaders.from(single, multi),
    body: init.body ?? '',
  });
}

/** Secrets by reference, in any accepted stored shape (a string, a list, the JSON contract). */
export type SecretsInit = Record<string, unknown> | string | string[];

export function context(init: RequestInit, secrets: SecretsInit = {}, now: Date = new Date()): VerifyContext {
  const byRef: Record<string, SecretMaterial> = {};
  const entries = typeof secrets === 'string' || Array.isArray(secrets) ? { default: secrets } : secrets;
  for (const [ref, raw] of Object.entries(entries)) byRef[ref] = parseSecretMaterial(raw);
  return { request: inbound(init), now, secrets: (ref) => byRef[ref] ?? EMPTY_SECRET };
}

export async function verify(
  config: VerifierConfig,
  init: RequestInit,
  secrets?: SecretsInit,
  now?: Date,
): Promise<Verdict> {
  return verifyRequest(config, context(init, secrets, now));
}

/** Verifies, then answers the handshake only if verification passed (as the ingest handler does). */
export async function verifyAndShake(config: VerifierConfig, init: RequestInit, secrets?: SecretsInit, now?: Date) {
  const ctx = context(init, secrets, now);
  const verdict = await verifyRequest(config, ctx);
  return { verdict, handshake: verdict.ok ? answerHandshake(config, undefined, ctx) : undefined };
}

/** The JSON pretty-printed: same data, different bytes — must never verify with the original signature. */
export function prettyPrinted(body: string): string {
  return JSON.stringify(JSON.parse(body), null, 2);
}

/** The body with one byte changed. */
export function tampered(body: string): string {
  const i = Math.floor(body.length / 2);
  const c = body.charCodeAt(i);
  return body.slice(0, i) + String.fromCharCode(c === 0x61 ? 0x62 : 0x61) + body.slice(i + 1);
}

/** Verifies and returns the accepted verdict (its label and dedup key); fails the test otherwise. */
export async function accepted(
  config: VerifierConfig,
  init: RequestInit,
  secrets?: SecretsInit,
  now?: Date,
): Promise<VerifiedRequest> {
  const verdict = await verify(config, init, secrets, now);
  if (!verdict.ok) throw new Error(`expected the request to verify, got ${verdict.reason}: ${verdict.detail}`);
  return verdict;
}
