import type { RouteConfig, WebhookConfig } from '../../../lambdas/core/config/webhook';
import { GENERIC_PROFILES } from './generic';
import { PRESET_PROFILES } from './presets';
import { encodePayload, type Payload, type Profile } from './profile';
import { apiUrl, type WireRequest } from './wire';

export type { Profile, Payload, Validity } from './profile';
export { Received, apiUrl, toApiEvent, withQuery, type WireRequest } from './wire';

/** Every preset and generic scheme, one webhook each. */
export const PROFILES: readonly Profile[] = [...PRESET_PROFILES, ...GENERIC_PROFILES];

export const WORKFLOW_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:Handle';

/** The Secrets Manager id of a webhook's secret (what the gateway's own naming would give). */
export const secretIdOf = (webhook: string, ref: string) => `webhooks/${webhook}/${ref}`;

/**
 * The webhook's stored config as the constructs build it (Webhook._toConfig): the source's bound
 * verifier and secret references, a constant event key (so every authentic body is routable) and
 * the given body limit.
 */
export function webhookConfig(profile: Profile, maxBodySize: number): WebhookConfig {
  const bound = profile.source()._bind();
  if (bound.errors.length > 0) throw new Error(`${profile.name}: ${bound.errors.join('; ')}`);
  return {
    name: profile.name,
    verifier: bound.verifier,
    secrets: Object.fromEntries(bound.secrets.map((s) => [s.ref, { secretId: secretIdOf(profile.name, s.ref) }])),
    expressions: { eventKey: `'${profile.name}:event'` },
    maxBodySize,
  };
}

/** One route per webhook, to one workflow. */
export function routeFor(profile: Profile): RouteConfig {
  return {
    id: `to-${profile.name}`,
    eventKeyPattern: `${profile.name}:*`,
    webhook: profile.name,
    target: { arn: WORKFLOW_ARN, type: 'STANDARD' },
  };
}

/** Secrets Manager values (SecretId → SecretString) for the profiles. */
export function secretStrings(profiles: readonly Profile[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of profiles) {
    for (const [ref, value] of Object.entries(p.secrets)) {
      out[secretIdOf(p.name, ref)] =
        typeof value === 'string' ? JSON.stringify({ values: [{ value }] }) : JSON.stringify(value);
    }
  }
  return out;
}

export interface SignedRequestOptions {
  readonly url?: string;
  readonly now: Date;
  readonly nonce: string;
  readonly payload?: Payload;
  /** Replaces the payload's bytes (after the shape), e.g. to reach a size. */
  readonly body?: Buffer;
  readonly wrongKey?: boolean;
}

/** A request of the profile's provider, signed as the provider signs it. */
export async function signedRequest(profile: Profile, options: SignedRequestOptions): Promise<WireRequest> {
  const body = options.body ?? encodePayload(options.payload ?? profile.payload(options.nonce, options.now));
  const signed = await profile.sign({
    url: options.url ?? apiUrl(profile.name),
    now: options.now,
    body,
    contentType: profile.contentType,
    nonce: options.nonce,
    ...(options.wrongKey && { wrongKey: true }),
  });
  return {
    method: 'POST',
    headers: [['Content-Type', profile.contentType], ...signed.headers],
    body: signed.body,
    query: signed.query,
    base64: true,
  };
}
