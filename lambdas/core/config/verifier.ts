/**
 * How a webhook's requests are verified: plain data, produced by `WebhookSource.bind()` at synth
 * time, stored in the config table, and read by the verification core at run time.
 */

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';
export type SignatureEncoding = 'hex' | 'base64' | 'base64url';

/** Providers whose signing scheme is built in. */
export const PRESET_NAMES = [
  'github',
  'stripe',
  'standardWebhooks',
  'svix',
  'slack',
  'shopify',
  'twilio',
  'sendgrid',
  'discord',
  'zoom',
  'linear',
  'paddle',
  'msTeams',
  'gitlab',
] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/**
 * Which secret a scheme reads. `default` is the webhook's own (or shared) secret; other names
 * refer to entries of `WebhookConfig.secrets`, e.g. a second secret for one member of `allOf`.
 */
export type SecretRefName = string;
export const DEFAULT_SECRET: SecretRefName = 'default';

interface SchemeBase {
  /** Secret this scheme reads. @default 'default' */
  readonly secret?: SecretRefName;
}

export interface PresetVerifierConfig extends SchemeBase {
  readonly type: PresetName;
  /** Accepted clock difference, both directions, for presets that sign a timestamp. @default the provider's own window */
  readonly toleranceSeconds?: number;
}

export interface HmacVerifierConfig extends SchemeBase {
  readonly type: 'hmac';
  /** Header carrying the signature (any case). */
  readonly header: string;
  readonly algorithm: HmacAlgorithm;
  readonly encoding: SignatureEncoding;
  /** Literal text before the signature in the header, e.g. `sha256=`. */
  readonly prefix?: string;
  /** Template of the signed bytes over `{body}`, `{timestamp}`, `{id}`, `{url}`, `{method}`. @default '{body}' */
  readonly signedContent: string;
  /** Header carrying the timestamp that is signed; required when signedContent uses `{timestamp}`. */
  readonly timestampHeader?: string;
  /** Header carrying the delivery id; required when signedContent uses `{id}`, which makes it the dedup key. */
  readonly idHeader?: string;
  /**
   * The idHeader is not signed: keep it as the delivery's label only (history, lines, workflow input)
   * and dedup on a hash of the signed bytes. Required when idHeader is set and signedContent has no `{id}`.
   * @default false
   */
  readonly idHeaderIsLabel?: boolean;
  /** Accepted clock difference, both directions, when timestampHeader is set. @default 300 */
  readonly toleranceSeconds?: number;
}

export interface BasicAuthVerifierConfig extends SchemeBase {
  readonly type: 'basicAuth';
  readonly username: string;
}

export interface ApiKeyVerifierConfig extends SchemeBase {
  readonly type: 'apiKey';
  /** Header carrying the key. @default 'x-api-key' when queryParameter is not set */
  readonly header?: string;
  /** Query-string parameter carrying the key. */
  readonly queryParameter?: string;
}

export type JwtAlgorithm =
  | 'HS256'
  | 'HS384'
  | 'HS512'
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA';

export interface JwtVerifierConfig extends SchemeBase {
  readonly type: 'jwt';
  readonly algorithms: readonly JwtAlgorithm[];
  readonly issuer?: string;
  readonly audience?: string;
  /** Accepted clock skew for exp/nbf/iat. @default 30 */
  readonly clockSkewSeconds?: number;
  /** Refuse tokens without `exp`. @default true */
  readonly requireExpiry?: boolean;
  /** Oldest token accepted: `iat` at most this long ago; without `iat`, `exp` at most this far ahead. @default DEFAULT_MAX_TOKEN_AGE_SECONDS */
  readonly maxTokenAgeSeconds?: number;
  /** Header carrying `Bearer <token>`. @default 'authorization' */
  readonly header?: string;
}

export interface HeaderMatchVerifierConfig {
  readonly type: 'headerMatch';
  /** Header name → required value (compared in constant time). */
  readonly headers: Readonly<Record<string, string>>;
}

export interface AllOfVerifierConfig {
  readonly type: 'allOf';
  readonly sources: readonly VerifierConfig[];
}

export interface NoneVerifierConfig {
  readonly type: 'none';
}

export type VerifierConfig =
  | PresetVerifierConfig
  | HmacVerifierConfig
  | BasicAuthVerifierConfig
  | ApiKeyVerifierConfig
  | JwtVerifierConfig
  | HeaderMatchVerifierConfig
  | AllOfVerifierConfig
  | NoneVerifierConfig;

export type VerifierType = VerifierConfig['type'];

/**
 * A generic handshake: when the verified body's `field` equals `equals`, answer with the value of
 * `respondWith` from the body, as JSON `{ <respondWith>: value }` or as plain text.
 */
export interface GenericHandshakeConfig {
  readonly field: string;
  readonly equals: string;
  readonly respondWith: string;
  /** @default 'json' */
  readonly as?: 'json' | 'text';
}

export function isPreset(config: VerifierConfig): config is PresetVerifierConfig {
  return (PRESET_NAMES as readonly string[]).includes(config.type);
}

/** A JWT's default maximum age: a day. */
export const DEFAULT_MAX_TOKEN_AGE_SECONDS = 86_400;
