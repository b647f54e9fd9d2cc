import type { SecretMaterial } from '../config/secret';
import type { SecretRefName, VerifierConfig } from '../config/verifier';
import type { InboundRequest } from '../http/request';

/** Why a request was refused. Logged and counted; the sender only ever sees a generic 401. */
export const REJECT_REASONS = [
  'secret_not_set', // no active secret or key configured: every request is refused
  'invalid_secret', // the configured secret or key cannot be used (e.g. whsec_ not base64, bad PEM)
  'missing_header', // a header the provider always sends is absent (signature, timestamp, event, id …)
  'ambiguous_header', // a security header was sent several times with different values
  'malformed_header', // a header is present but not in the provider's format
  'legacy_signature_only', // only a weaker signature was sent (GitHub X-Hub-Signature sha1)
  'signature_mismatch', // no active secret produces the signature
  'timestamp_too_old', // signed timestamp older than the tolerance
  'timestamp_in_future', // signed timestamp further ahead than the tolerance
  'malformed_body', // the scheme needs something from the body that is not there
  'missing_credentials', // no credentials (Authorization, API key, token) were sent
  'credentials_mismatch', // credentials sent do not match
  'token_invalid', // JWT malformed, wrong algorithm or signature
  'token_expired', // JWT exp passed (beyond clock skew)
  'token_too_old', // JWT iat older than maxTokenAge, or without iat an exp further ahead (beyond clock skew)
  'token_not_yet_valid', // JWT nbf/iat in the future (beyond clock skew)
  'token_missing_expiry', // JWT without exp while one is required
  'token_claim_mismatch', // JWT issuer or audience differs
  'header_mismatch', // headerMatch: a required header value differs
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/**
 * Where a dedup key comes from, strongest first: an id inside the signed bytes; a SHA-256 of what
 * a signature covers (timestamp, URL, parameters, body); a SHA-256 of a body that only a static
 * credential (or nothing) vouches for.
 */
export const DEDUP_KEY_SOURCES = ['signed-id', 'signed-hash', 'body-hash'] as const;
export type DedupKeySource = (typeof DEDUP_KEY_SOURCES)[number];

export interface VerifiedRequest {
  readonly ok: true;
  /** The scheme that verified it, e.g. `github`, `hmac`, `allOf(apiKey,hmac)`. */
  readonly scheme: string;
  /**
   * The delivery's label: the id the provider shows (even from an unsigned header such as
   * `X-GitHub-Delivery`), else the dedup key. Shown in history, lines and workflow input; it never
   * decides deduplication, as anyone replaying a signed body can choose an unsigned header.
   */
  readonly deliveryId: string;
  /** Whether deliveryId came from the provider or is the dedup key. */
  readonly deliveryIdSource: 'provider' | 'fallback';
  /**
   * The dedup key, from signed bytes only: an id the provider signs, else a SHA-256 of exactly what
   * was signed (never of the signature, so a re-encoded signature is still a duplicate), else of the body.
   */
  readonly dedupKey: string;
  readonly dedupKeySource: DedupKeySource;
  /** The provider's event type, where the request states one (header or body). */
  readonly eventType?: string;
  /** The signed timestamp, where the scheme signs one. */
  readonly timestamp?: Date;
}

export interface RejectedRequest {
  readonly ok: false;
  readonly scheme: string;
  readonly reason: RejectReason;
  /** For the log: never contains a secret or a full signature. */
  readonly detail: string;
}

export type Verdict = VerifiedRequest | RejectedRequest;

/** Resolves a scheme's secret by reference; unknown references resolve to no values. */
export type SecretResolver = (ref: SecretRefName) => SecretMaterial;

export interface VerifyContext {
  readonly request: InboundRequest;
  readonly now: Date;
  readonly secrets: SecretResolver;
}

/** What a handshake answers, instead of the normal 202. */
export interface HandshakeResponse {
  readonly statusCode: number;
  readonly contentType: string;
  readonly body: string;
}

/**
 * One verification scheme: a preset or a generic scheme. `verify` returns a verdict and throws only
 * on misuse; `handshake` runs only after `verify` accepted the request.
 */
export interface Scheme<C extends VerifierConfig = VerifierConfig> {
  verify(config: C, ctx: VerifyContext): Verdict | Promise<Verdict>;
  handshake?(config: C, ctx: VerifyContext): HandshakeResponse | undefined;
  /** Header names (lower case) whose values are credentials: redacted before anything is stored. */
  sensitiveHeaders(config: C): readonly string[];
  /**
   * CEL's `input` built from exactly what the scheme authenticated, when that differs from the
   * generic body parse (Twilio signs a decoded parameter set, not the raw bytes). Runs only after
   * `verify` accepted the request.
   */
  authenticatedInput?(config: C, ctx: VerifyContext): unknown;
}
