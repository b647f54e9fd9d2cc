import { activeSecretValues, type SecretMaterial } from '../../lambdas/core/config/secret';
import { DEFAULT_SECRET, isPreset, type JwtAlgorithm, type VerifierConfig } from '../../lambdas/core/config/verifier';
import type { WebhookConfig } from '../../lambdas/core/config/webhook';

/** Who chooses a secret's value (as lib/webhook-source.ts's SecretOrigin). */
export type SecretOrigin = 'generated' | 'provider-issued' | 'public-key';

/** A secret one scheme of a webhook reads. */
export interface SecretNeed {
  readonly webhook: string;
  /** `default`, or the reference of an `allOf` member's own secret. */
  readonly ref: string;
  /** The scheme reading it, e.g. `stripe`, `hmac`, `jwt`. */
  readonly scheme: string;
  readonly origin: SecretOrigin;
  /** For public-key schemes: the key pair a development secret needs. */
  readonly keyType?: KeyType;
}

export type KeyType = 'ed25519' | 'p256' | 'p384' | 'p521' | 'rsa';

const GENERATED = new Set(['github', 'gitlab', 'hmac', 'basicAuth', 'apiKey']);
const PUBLIC_KEY: Readonly<Record<string, KeyType>> = { sendgrid: 'p256', discord: 'ed25519' };

function jwtKeyType(algorithm: JwtAlgorithm | undefined): KeyType | undefined {
  if (algorithm === undefined || algorithm.startsWith('HS')) return undefined;
  if (algorithm === 'EdDSA') return 'ed25519';
  if (algorithm === 'ES256') return 'p256';
  if (algorithm === 'ES384') return 'p384';
  if (algorithm === 'ES512') return 'p521';
  return 'rsa';
}

/** Every secret the webhook's verifier reads, one per reference. */
export function secretNeeds(webhook: WebhookConfig): SecretNeed[] {
  const needs = new Map<string, SecretNeed>();
  const visit = (v: VerifierConfig) => {
    if (v.type === 'allOf') return v.sources.forEach(visit);
    if (v.type === 'none' || v.type === 'headerMatch') return;
    const ref = v.secret ?? DEFAULT_SECRET;
    const keyType = v.type === 'jwt' ? jwtKeyType(v.algorithms[0]) : isPreset(v) ? PUBLIC_KEY[v.type] : undefined;
    const origin: SecretOrigin = keyType ? 'public-key' : GENERATED.has(v.type) ? 'generated' : 'provider-issued';
    needs.set(ref, { webhook: webhook.name, ref, scheme: v.type, origin, ...(keyType && { keyType }) });
  };
  visit(webhook.verifier);
  return [...needs.values()];
}

/** The key of a secret in the local files: `<webhook>`, or `<webhook>.<ref>` for other references. */
export function secretKey(webhook: string, ref: string): string {
  return ref === DEFAULT_SECRET ? webhook : `${webhook}.${ref}`;
}

/** WEBHOOK_SECRET_<WEBHOOK>[_<REF>]: upper-cased, other characters → `_` (as LocalSecretStore reads it). */
export function secretVariable(webhook: string, ref: string): string {
  const envName = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  return `WEBHOOK_SECRET_${envName(webhook)}${ref === DEFAULT_SECRET ? '' : `_${envName(ref)}`}`;
}

/** The scheme of the webhook's `default` secret, for messages. */
export function schemeLabel(webhook: WebhookConfig): string {
  const v = webhook.verifier;
  return v.type === 'allOf' ? `allOf(${v.sources.map((s) => s.type).join(', ')})` : v.type;
}

/**
 * Whether the verifier has something to verify with (else it refuses every request as
 * `secret_not_set`): an active value, or for public-key schemes the public key (presets also read
 * active values as keys; `jwt` only `publicKey`). `expired` when values exist but all expired.
 */
export function secretState(need: SecretNeed, material: SecretMaterial, now: Date): 'set' | 'empty' | 'expired' {
  const active = activeSecretValues(material, now).length > 0;
  const key = material.publicKey !== undefined && material.publicKey.trim() !== '';
  const set = need.origin === 'public-key' ? key || (need.scheme !== 'jwt' && active) : active;
  if (set) return 'set';
  const expired = material.values.some(
    (e) => e.value !== '' && e.expiresAt !== undefined && Date.parse(e.expiresAt) <= now.getTime(),
  );
  return expired ? 'expired' : 'empty';
}
