import { createPublicKey, type KeyObject } from 'node:crypto';
import type * as JoseModule from 'jose';
import type { JWTPayload, JWTVerifyGetKey, JWTVerifyOptions } from 'jose';
import { DEFAULT_MAX_TOKEN_AGE_SECONDS, type JwtAlgorithm, type JwtVerifierConfig } from '../../config/verifier';
import {
  activeSecrets,
  hashedKey,
  isRejection,
  publicKeyOf,
  reject,
  signedBytesKey,
  signedId,
  verified,
} from '../common';
import type { RejectReason, RejectedRequest, Scheme, VerifyContext } from '../types';
import { assertValid, headerNameProblem } from './config-error';

const SCHEME = 'jwt';
const DEFAULT_HEADER = 'authorization';
const DEFAULT_CLOCK_SKEW_SECONDS = 30;
const MAX_TOKEN_AGE_CEILING_SECONDS = 365 * 86_400;
const ALGORITHMS: readonly JwtAlgorithm[] = [
  ...(['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const),
  ...(['ES256', 'ES384', 'ES512', 'EdDSA'] as const),
];
const isShared = (alg: string) => alg.startsWith('HS');
const BEARER = /^Bearer +(\S+)$/i;
const COMPACT = /^[\w-]+\.[\w-]+\.[\w-]*$/;

/** Human-readable problems with a jwt config (empty when it is usable). */
export function validateJwtConfig(config: JwtVerifierConfig): string[] {
  const problems: string[] = [];
  if (!Array.isArray(config.algorithms) || config.algorithms.length === 0) {
    problems.push(`algorithms must list at least one of ${ALGORITHMS.join(', ')}`);
  }
  for (const alg of config.algorithms ?? []) {
    if (!ALGORITHMS.includes(alg)) {
      problems.push(
        `algorithm ${JSON.stringify(alg)} is not one of ${ALGORITHMS.join(', ')} ("none" is never accepted)`,
      );
    }
  }
  const families = new Set((config.algorithms ?? []).map(isShared));
  if (families.size > 1) {
    problems.push(
      `algorithms ${config.algorithms.join(', ')} mix HS* (a shared secret) with asymmetric ones (a public key): list one kind`,
    );
  }
  if (config.header !== undefined) {
    const problem = headerNameProblem('header', config.header);
    if (problem) problems.push(problem);
  }
  if (config.issuer === '') problems.push('issuer must not be empty when set');
  if (config.audience === '') problems.push('audience must not be empty when set');
  const skew = config.clockSkewSeconds;
  if (skew !== undefined && (!Number.isFinite(skew) || skew < 0)) {
    problems.push(`clockSkew ${skew} s must be zero or a positive number of seconds`);
  }
  const maxAge = config.maxTokenAgeSeconds;
  if (maxAge !== undefined && !(Number.isInteger(maxAge) && maxAge >= 1 && maxAge <= MAX_TOKEN_AGE_CEILING_SECONDS)) {
    problems.push(
      `maxTokenAge ${maxAge} s must be a whole number of seconds from 1 to ${MAX_TOKEN_AGE_CEILING_SECONDS} (365 days)`,
    );
  }
  return problems;
}

type Jose = typeof JoseModule;
let joseModule: Promise<Jose> | undefined;
/** jose, loaded the first time a jwt webhook verifies a request: a bundle without jwt webhooks never runs it. */
const loadJose = (): Promise<Jose> => (joseModule ??= import('jose'));

type PublicVerifier = KeyObject | JWTVerifyGetKey;
const publicKeys = new Map<string, PublicVerifier>();

/**
 * A PEM public key or certificate → KeyObject; a JWKS document (or a single JWK) → a local key set
 * that picks the key by `kid` and `alg`. Cached by text; throws when the text is unusable.
 */
function importPublicKey(jose: Jose, text: string): PublicVerifier {
  const cached = publicKeys.get(text);
  if (cached) return cached;
  const trimmed = text.trim();
  let verifier: PublicVerifier;
  if (trimmed.startsWith('{')) {
    const doc = JSON.parse(trimmed) as { keys?: unknown; kty?: unknown };
    const keys: unknown[] = Array.isArray(doc.keys) ? doc.keys : typeof doc.kty === 'string' ? [doc] : [];
    if (keys.length === 0) throw new Error('JSON publicKey is neither a JWKS nor a JWK');
    for (const key of keys) {
      const jwk = key as Record<string, unknown> | null;
      if (jwk === null || typeof jwk !== 'object' || jwk.kty === 'oct' || 'd' in jwk) {
        throw new Error('a JWKS for jwt must hold public keys only');
      }
    }
    verifier = jose.createLocalJWKSet({ keys } as Parameters<Jose['createLocalJWKSet']>[0]);
  } else {
    if (trimmed.includes('PRIVATE KEY')) throw new Error('publicKey holds a private key');
    verifier = createPublicKey(trimmed);
  }
  if (publicKeys.size >= 32) publicKeys.clear();
  publicKeys.set(text, verifier);
  return verifier;
}

const signatureFailed = ({ errors }: Jose, error: unknown) =>
  error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey;

/**
 * Verifies with the first candidate key whose signature checks; claim errors end the search, since
 * the signature was good. A JWKS with several keys that fit (no `kid`) is tried key by key.
 */
async function verifyWithAny(
  jose: Jose,
  token: string,
  candidates: readonly unknown[],
  options: JWTVerifyOptions,
): Promise<JWTPayload> {
  let lastError: unknown = new jose.errors.JWSSignatureVerificationFailed();
  for (const key of candidates) {
    try {
      return (await jose.jwtVerify(token, key as Uint8Array, options)).payload;
    } catch (error) {
      if (error instanceof jose.errors.JWKSMultipleMatchingKeys) {
        const keys: unknown[] = [];
        for await (const k of error as unknown as AsyncIterable<unknown>) keys.push(k);
        return verifyWithAny(jose, token, keys, options);
      }
      if (!signatureFailed(jose, error)) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

/**
 * A token is accepted for at most maxAge after it was issued, plus the clock skew: counted from
 * `iat`, or, without `iat`, back from `exp` (so `exp: 1e20` is refused). A token with neither
 * (only with requireExpiry false) has no age to check.
 */
function tokenAgeProblem(payload: JWTPayload, now: Date, skew: number, maxAge: number): string | undefined {
  const nowSeconds = now.getTime() / 1000;
  if (payload.iat !== undefined) {
    return nowSeconds - payload.iat > maxAge + skew ? `iat ${payload.iat} is more than ${maxAge} s ago` : undefined;
  }
  if (payload.exp !== undefined && payload.exp - nowSeconds > maxAge + skew) {
    return `exp ${payload.exp} is more than ${maxAge} s ahead and there is no iat`;
  }
  return undefined;
}

function rejectionFor({ errors }: Jose, error: unknown): RejectedRequest {
  const detail = error instanceof Error ? error.message : String(error);
  let reason: RejectReason = 'token_invalid';
  if (error instanceof errors.JWTExpired) reason = 'token_expired';
  else if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf' && error.reason !== 'invalid') reason = 'token_not_yet_valid';
    else if (error.claim === 'exp' && error.reason === 'missing') reason = 'token_missing_expiry';
    else if (error.claim === 'iss' || error.claim === 'aud') reason = 'token_claim_mismatch';
  }
  return reject(SCHEME, reason, detail);
}

/** The token from `Bearer <token>`; a custom header may also carry the bare token. */
function tokenOf(config: JwtVerifierConfig, ctx: VerifyContext): string | RejectedRequest {
  const header = config.header ?? DEFAULT_HEADER;
  const value = ctx.request.headers.single(header);
  if (value === 'missing' || value.trim() === '') return reject(SCHEME, 'missing_credentials', `${header} is missing`);
  if (value === 'ambiguous') {
    return reject(SCHEME, 'ambiguous_header', `${header} was sent several times with different values`);
  }
  const bearer = BEARER.exec(value.trim())?.[1];
  const bare = header.toLowerCase() !== DEFAULT_HEADER && COMPACT.test(value.trim()) ? value.trim() : undefined;
  return bearer ?? bare ?? reject(SCHEME, 'malformed_header', `${header} is not Bearer <token>`);
}

/**
 * JWT bearer tokens: HS* with the shared secret values (any active one), or RS*, PS*, ES* and EdDSA
 * with the secret's `publicKey` (PEM or JWKS). Only the configured algorithms are accepted, one kind
 * per config, and the key material is chosen by the token's kind: an HS token is never checked
 * against the public key (no algorithm confusion).
 */
export const jwt: Scheme<JwtVerifierConfig> = {
  async verify(config, ctx) {
    assertValid(SCHEME, validateJwtConfig(config));
    const token = tokenOf(config, ctx);
    if (isRejection(token)) return token;
    const jose = await loadJose();
    let alg: unknown;
    try {
      alg = jose.decodeProtectedHeader(token).alg;
    } catch (error) {
      return reject(SCHEME, 'token_invalid', `not a JWT: ${(error as Error).message}`);
    }
    if (typeof alg !== 'string' || !(config.algorithms as readonly string[]).includes(alg)) {
      return reject(SCHEME, 'token_invalid', `alg ${JSON.stringify(alg)} is not allowed`);
    }

    let candidates: (Uint8Array | PublicVerifier)[];
    if (isShared(alg)) {
      const secrets = activeSecrets(ctx, SCHEME, config.secret);
      if (isRejection(secrets)) return secrets;
      candidates = secrets.map((s) => Buffer.from(s, 'utf8'));
    } else {
      const text = publicKeyOf(ctx, SCHEME, config.secret);
      if (isRejection(text)) return text;
      try {
        candidates = [importPublicKey(jose, text)];
      } catch (error) {
        return reject(
          SCHEME,
          'invalid_secret',
          `publicKey is not a PEM public key or JWKS: ${(error as Error).message}`,
        );
      }
    }

    const skew = config.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
    let payload: JWTPayload;
    try {
      payload = await verifyWithAny(jose, token, candidates, {
        algorithms: [...config.algorithms],
        clockTolerance: skew,
        currentDate: ctx.now,
        ...(config.issuer !== undefined ? { issuer: config.issuer } : {}),
        ...(config.audience !== undefined ? { audience: config.audience } : {}),
        requiredClaims: config.requireExpiry === false ? [] : ['exp'],
      });
    } catch (error) {
      return rejectionFor(jose, error);
    }
    // jose checks iat only with maxTokenAge; a token issued in the future is not valid yet.
    if (payload.iat !== undefined && payload.iat > ctx.now.getTime() / 1000 + skew) {
      return reject(SCHEME, 'token_not_yet_valid', `iat is ${payload.iat}, in the future`);
    }
    const tooOld = tokenAgeProblem(payload, ctx.now, skew, config.maxTokenAgeSeconds ?? DEFAULT_MAX_TOKEN_AGE_SECONDS);
    if (tooOld) return reject(SCHEME, 'token_too_old', tooOld);
    const jti = typeof payload.jti === 'string' && payload.jti !== '' ? payload.jti : undefined;
    // The token signs its jti; the body is not signed, so without a jti the key is the body's hash.
    return verified(SCHEME, {
      ...(jti !== undefined ? signedId(jti) : hashedKey(signedBytesKey('', ctx.request.body), 'body-hash')),
      ...(payload.iat !== undefined ? { timestamp: new Date(payload.iat * 1000) } : {}),
    });
  },
  sensitiveHeaders: (config) => [(config.header ?? DEFAULT_HEADER).toLowerCase()],
};
