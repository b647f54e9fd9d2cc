import { createHash, createHmac } from 'node:crypto';
import { exportJWK, exportPKCS8, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JwtAlgorithm, JwtVerifierConfig } from '../../lambdas/core/config/verifier';
import { sensitiveHeaders } from '../../lambdas/core/verify';
import { SchemeConfigError } from '../../lambdas/core/verify/schemes/config-error';
import { validateJwtConfig } from '../../lambdas/core/verify/schemes/jwt';
import { tampered, verify } from '../helpers/verify';

const now = new Date('2026-03-01T12:00:00Z');
const nowSeconds = now.getTime() / 1000;
const body = '{"event":"build.finished","status":"green"}';
const hsSecret = 'a-shared-secret-of-at-least-32-bytes!';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
const pairs: Partial<Record<'RS256' | 'ES256' | 'EdDSA' | 'other', KeyPair>> = {};
const pem: Partial<Record<'RS256' | 'ES256' | 'EdDSA' | 'other', string>> = {};

beforeAll(async () => {
  for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
    pairs[alg] = await generateKeyPair(alg, { extractable: true });
    pem[alg] = await exportSPKI(pairs[alg]!.publicKey);
  }
  pairs.other = await generateKeyPair('RS256', { extractable: true });
  pem.other = await exportSPKI(pairs.other.publicKey);
});

interface TokenOptions {
  readonly claims?: JWTPayload;
  readonly exp?: number | null;
  readonly kid?: string;
}

/** A token as a sender signs it: SignJWT with iat = now, exp = now + 5 min unless told otherwise. */
async function token(
  alg: JwtAlgorithm,
  key: KeyPair['privateKey'] | Uint8Array,
  options: TokenOptions = {},
): Promise<string> {
  const jwt = new SignJWT({ iat: nowSeconds, ...options.claims }).setProtectedHeader({
    alg,
    typ: 'JWT',
    ...(options.kid ? { kid: options.kid } : {}),
  });
  if (options.exp !== null) jwt.setExpirationTime(options.exp ?? nowSeconds + 300);
  return jwt.sign(key);
}

const shared = (value: string) => new TextEncoder().encode(value);
const bearer = (t: string) => ({ headers: { Authorization: `Bearer ${t}` }, body });
const config = (algorithms: JwtAlgorithm[], extra: Partial<JwtVerifierConfig> = {}): JwtVerifierConfig => ({
  type: 'jwt',
  algorithms,
  ...extra,
});

describe('jwt scheme', () => {
  it('accepts RS256, ES256 and EdDSA tokens with the PEM public key', async () => {
    for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
      const t = await token(alg, pairs[alg]!.privateKey, { claims: { jti: `delivery-${alg}` } });
      const verdict = await verify(config([alg]), bearer(t), { default: { publicKey: pem[alg] } }, now);
      expect(verdict, alg).toEqual({
        ok: true,
        scheme: 'jwt',
        deliveryId: `delivery-${alg}`,
        deliveryIdSource: 'provider',
        dedupKey: `delivery-${alg}`,
        dedupKeySource: 'signed-id',
        timestamp: now,
      });
    }
  });

  it('accepts an HS256 token with any active shared value, and not an expired one', async () => {
    const t = await token('HS256', shared('old-shared-secret'));
    const rotating = {
      values: [{ value: hsSecret }, { value: 'old-shared-secret', expiresAt: '2026-03-02T00:00:00Z' }],
    };
    expect(await verify(config(['HS256']), bearer(t), { default: rotating }, now)).toMatchObject({ ok: true });
    const expired = {
      values: [{ value: hsSecret }, { value: 'old-shared-secret', expiresAt: '2026-03-01T00:00:00Z' }],
    };
    expect(await verify(config(['HS256']), bearer(t), { default: expired }, now)).toMatchObject({
      ok: false,
      reason: 'token_invalid',
    });
  });

  it('accepts an HS256 token built by hand from the RFC 7519 steps', async () => {
    const encode = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const input = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub: 'ci', exp: nowSeconds + 60 })}`;
    const t = `${input}.${createHmac('sha256', hsSecret).update(input).digest('base64url')}`;
    expect(await verify(config(['HS256']), bearer(t), hsSecret, now)).toMatchObject({ ok: true });
  });

  it('picks the key by kid from a static JWKS document', async () => {
    const rsa = { ...(await exportJWK(pairs.RS256!.publicKey)), kid: 'rsa-2026', alg: 'RS256', use: 'sig' };
    const ec = { ...(await exportJWK(pairs.ES256!.publicKey)), kid: 'ec-2026', alg: 'ES256', use: 'sig' };
    const jwks = JSON.stringify({ keys: [rsa, ec] });
    const secrets = { default: { publicKey: jwks } };
    const cfg = config(['RS256', 'ES256']);
    const byRsa = await token('RS256', pairs.RS256!.privateKey, { kid: 'rsa-2026' });
    const byEc = await token('ES256', pairs.ES256!.privateKey, { kid: 'ec-2026' });
    expect(await verify(cfg, bearer(byRsa), secrets, now)).toMatchObject({ ok: true });
    expect(await verify(cfg, bearer(byEc), secrets, now)).toMatchObject({ ok: true });
    // The JWKS as a stored document (`{"keys": [...]}` at the top level) works too.
    expect(await verify(cfg, bearer(byEc), { default: { keys: [rsa, ec] } }, now)).toMatchObject({ ok: true });
    const unknownKid = await token('RS256', pairs.RS256!.privateKey, { kid: 'rsa-2025' });
    expect(await verify(cfg, bearer(unknownKid), secrets, now)).toMatchObject({ ok: false, reason: 'token_invalid' });
  });

  it('tries every key of a JWKS that fits when the token has no kid', async () => {
    const first = await exportJWK(pairs.other!.publicKey);
    const second = await exportJWK(pairs.RS256!.publicKey);
    const secrets = { default: { publicKey: JSON.stringify({ keys: [first, second] }) } };
    const t = await token('RS256', pairs.RS256!.privateKey);
    expect(await verify(config(['RS256']), bearer(t), secrets, now)).toMatchObject({ ok: true });
    const foreign = await generateKeyPair('RS256');
    const unsigned = await token('RS256', foreign.privateKey);
    expect(await verify(config(['RS256']), bearer(unsigned), secrets, now)).toMatchObject({
      ok: false,
      reason: 'token_invalid',
    });
  });

  it('accepts a bare token in a custom header', async () => {
    const t = await token('HS256', shared(hsSecret));
    const cfg = config(['HS256'], { header: 'X-Signed-Token' });
    expect(await verify(cfg, { headers: { 'x-signed-token': t }, body }, hsSecret, now)).toMatchObject({ ok: true });
    expect(await verify(cfg, { headers: { 'x-signed-token': `Bearer ${t}` }, body }, hsSecret, now)).toMatchObject({
      ok: true,
    });
    expect(sensitiveHeaders(cfg)).toContain('x-signed-token');
  });

  it('falls back to a hash of the body for the delivery id without jti, so the body is not authenticated', async () => {
    const t = await token('HS256', shared(hsSecret));
    const verdict = await verify(config(['HS256']), bearer(t), hsSecret, now);
    expect(verdict).toMatchObject({
      ok: true,
      deliveryId: createHash('sha256').update(`\n${body}`).digest('hex'),
      deliveryIdSource: 'fallback',
      dedupKeySource: 'body-hash',
    });
    const changed = await verify(config(['HS256']), { ...bearer(t), body: tampered(body) }, hsSecret, now);
    expect(changed.ok && verdict.ok && changed.deliveryId !== verdict.deliveryId).toBe(true);
  });

  it('fails if an HS256 token is signed with the public key text (algorithm confusion)', async () => {
    const forged = await token('HS256', shared(pem.RS256!));
    // RS256 only: HS256 is not on the allow-list.
    expect(await verify(config(['RS256']), bearer(forged), { default: { publicKey: pem.RS256 } }, now)).toMatchObject({
      ok: false,
      reason: 'token_invalid',
    });
    // A list that mixes both kinds is refused at synth, so one secret never serves as both.
    expect(validateJwtConfig(config(['RS256', 'HS256']))).toEqual([
      'algorithms RS256, HS256 mix HS* (a shared secret) with asymmetric ones (a public key): list one kind',
    ]);
    // Even with the secret's shared values set, an RS256-only webhook does not check HS256 against them.
    const withValue = { default: { values: [pem.RS256!], publicKey: pem.RS256 } };
    expect(await verify(config(['RS256']), bearer(forged), withValue, now)).toMatchObject({
      ok: false,
      reason: 'token_invalid',
    });
  });

  it('fails if the token is unsecured (alg none) or uses an algorithm not on the list', async () => {
    const unsecured = new UnsecuredJWT({ exp: nowSeconds + 60 }).encode();
    expect(await verify(config(['HS256']), bearer(unsecured), hsSecret, now)).toMatchObject({
      ok: false,
      reason: 'token_invalid',
    });
    const es = await token('ES256', pairs.ES256!.privateKey);
    expect(await verify(config(['RS256']), bearer(es), { default: { publicKey: pem.ES256 } }, now)).toMatchObject({
      ok: false,
      reason: 'token_invalid',
    });
  });

  it('fails if the key type does not fit the algorithm', async () => {
    const es = await token('ES256', pairs.ES256!.privateKey);
    expect(
      await verify(config(['RS256', 'ES256']), bearer(es), { default: { publicKey: pem.RS256 } }, now),
    ).toMatchObject({ ok: false, reason: 'token_invalid' });
  });

  it('fails with the wrong key or secret', async () => {
    const rs = await token('RS256', pairs.RS256!.privateKey);
    expect(await verify(config(['RS256']), bearer(rs), { default: { publicKey: pem.other } }, now)).toMatchObject({
      ok: false,
      reason: 'token_invalid',
    });
    const hs = await token('HS256', shared(hsSecret));
    expect(await verify(config(['HS256']), bearer(hs), 'another-secret', now)).toMatchObject({
      ok: false,
      reason: 'token_invalid',
    });
  });

  it('fails if one byte of the token changed', async () => {
    const t = await token('RS256', pairs.RS256!.privateKey, { claims: { sub: 'builder' } });
    const [header, payload, signature] = t.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as JWTPayload;
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url');
    for (const changed of [`${header}.${forgedPayload}.${signature}`, `${header}.${payload}.${tampered(signature)}`]) {
      expect(
        await verify(config(['RS256']), bearer(changed), { default: { publicKey: pem.RS256 } }, now),
      ).toMatchObject({ ok: false, reason: 'token_invalid' });
    }
  });

  it('fails if the token expired beyond the clock skew, and accepts it within', async () => {
    const cfg = config(['HS256']);
    const withinSkew = await token('HS256', shared(hsSecret), { exp: nowSeconds - 29 });
    expect(await verify(cfg, bearer(withinSkew), hsSecret, now)).toMatchObject({ ok: true });
    const expired = await token('HS256', shared(hsSecret), { exp: nowSeconds - 31 });
    expect(await verify(cfg, bearer(expired), hsSecret, now)).toMatchObject({ ok: false, reason: 'token_expired' });
    const lenient = config(['HS256'], { clockSkewSeconds: 120 });
    expect(await verify(lenient, bearer(expired), hsSecret, now)).toMatchObject({ ok: true });
  });

  it('fails if the token is not valid yet (nbf or iat in the future beyond the skew)', async () => {
    const cfg = config(['HS256']);
    const nbf = await token('HS256', shared(hsSecret), { claims: { nbf: nowSeconds + 60 } });
    expect(await verify(cfg, bearer(nbf), hsSecret, now)).toMatchObject({ ok: false, reason: 'token_not_yet_valid' });
    const iat = await token('HS256', shared(hsSecret), { claims: { iat: nowSeconds + 60 } });
    expect(await verify(cfg, bearer(iat), hsSecret, now)).toMatchObject({ ok: false, reason: 'token_not_yet_valid' });
    const slightly = await token('HS256', shared(hsSecret), { claims: { nbf: nowSeconds + 20, iat: nowSeconds + 20 } });
    expect(await verify(cfg, bearer(slightly), hsSecret, now)).toMatchObject({ ok: true });
  });

  it('fails if the token has no exp, unless requireExpiry is false', async () => {
    const t = await token('HS256', shared(hsSecret), { exp: null });
    expect(await verify(config(['HS256']), bearer(t), hsSecret, now)).toMatchObject({
      ok: false,
      reason: 'token_missing_expiry',
    });
    expect(await verify(config(['HS256'], { requireExpiry: false }), bearer(t), hsSecret, now)).toMatchObject({
      ok: true,
    });
  });

  it('fails with token_too_old if a token without iat expires further ahead than maxTokenAge (exp: 1e20)', async () => {
    const cfg = config(['HS256']);
    const noIat = (exp: number) => token('HS256', shared(hsSecret), { claims: { iat: undefined }, exp });
    const forever = await noIat(1e20);
    expect(await verify(cfg, bearer(forever), hsSecret, now)).toMatchObject({
      ok: false,
      scheme: 'jwt',
      reason: 'token_too_old',
      detail: 'exp 100000000000000000000 is more than 86400 s ahead and there is no iat',
    });
    // A day by default, plus the 30 s clock skew.
    expect(await verify(cfg, bearer(await noIat(nowSeconds + 86_430)), hsSecret, now)).toMatchObject({ ok: true });
    expect(await verify(cfg, bearer(await noIat(nowSeconds + 86_431)), hsSecret, now)).toMatchObject({
      ok: false,
      reason: 'token_too_old',
    });
  });

  it('fails with token_too_old if iat is older than maxTokenAge beyond the clock skew, whatever its exp', async () => {
    const cfg = config(['HS256']);
    const issued = (iat: number, exp?: number) => token('HS256', shared(hsSecret), { claims: { iat }, exp });
    expect(await verify(cfg, bearer(await issued(nowSeconds - 86_430)), hsSecret, now)).toMatchObject({ ok: true });
    expect(await verify(cfg, bearer(await issued(nowSeconds - 86_431)), hsSecret, now)).toMatchObject({
      ok: false,
      reason: 'token_too_old',
      detail: `iat ${nowSeconds - 86_431} is more than 86400 s ago`,
    });
    // A far exp does not extend a token's life: iat bounds it.
    const longLived = await issued(nowSeconds, 1e20);
    expect(await verify(cfg, bearer(longLived), hsSecret, now)).toMatchObject({ ok: true });
    const dayLater = new Date(now.getTime() + 86_431_000);
    expect(await verify(cfg, bearer(longLived), hsSecret, dayLater)).toMatchObject({
      ok: false,
      reason: 'token_too_old',
    });
  });

  it('applies a custom maxTokenAge, widened by the clock skew', async () => {
    const issued = (iat: number) => token('HS256', shared(hsSecret), { claims: { iat }, exp: nowSeconds + 60 });
    const strict = config(['HS256'], { maxTokenAgeSeconds: 300, clockSkewSeconds: 0 });
    expect(await verify(strict, bearer(await issued(nowSeconds - 300)), hsSecret, now)).toMatchObject({ ok: true });
    expect(await verify(strict, bearer(await issued(nowSeconds - 301)), hsSecret, now)).toMatchObject({
      ok: false,
      reason: 'token_too_old',
      detail: `iat ${nowSeconds - 301} is more than 300 s ago`,
    });
    const skewed = config(['HS256'], { maxTokenAgeSeconds: 300, clockSkewSeconds: 60 });
    expect(await verify(skewed, bearer(await issued(nowSeconds - 360)), hsSecret, now)).toMatchObject({ ok: true });
    expect(await verify(skewed, bearer(await issued(nowSeconds - 361)), hsSecret, now)).toMatchObject({
      ok: false,
      reason: 'token_too_old',
    });
    // A week: a token issued three days ago, which the default refuses.
    const week = config(['HS256'], { maxTokenAgeSeconds: 7 * 86_400 });
    const threeDays = await token('HS256', shared(hsSecret), { claims: { iat: nowSeconds - 3 * 86_400 } });
    expect(await verify(week, bearer(threeDays), hsSecret, now)).toMatchObject({ ok: true });
    expect(await verify(config(['HS256']), bearer(threeDays), hsSecret, now)).toMatchObject({
      ok: false,
      reason: 'token_too_old',
    });
  });

  it('with requireExpiry false, checks the age of a token with iat and accepts one with neither iat nor exp', async () => {
    const cfg = config(['HS256'], { requireExpiry: false });
    const old = await token('HS256', shared(hsSecret), { claims: { iat: nowSeconds - 86_431 }, exp: null });
    expect(await verify(cfg, bearer(old), hsSecret, now)).toMatchObject({ ok: false, reason: 'token_too_old' });
    const ageless = await token('HS256', shared(hsSecret), { claims: { iat: undefined }, exp: null });
    expect(await verify(cfg, bearer(ageless), hsSecret, now)).toMatchObject({ ok: true });
  });

  it('fails if the issuer or audience differs or is absent', async () => {
    const cfg = config(['ES256'], { issuer: 'https://ci.example.com', audience: 'webhooks' });
    const secrets = { default: { publicKey: pem.ES256 } };
    const sign = (claims: JWTPayload) => token('ES256', pairs.ES256!.privateKey, { claims });
    const good = await sign({ iss: 'https://ci.example.com', aud: ['webhooks', 'other'] });
    expect(await verify(cfg, bearer(good), secrets, now)).toMatchObject({ ok: true });
    for (const claims of [
      { iss: 'https://evil.example.com', aud: 'webhooks' },
      { iss: 'https://ci.example.com', aud: 'other' },
      { aud: 'webhooks' },
      { iss: 'https://ci.example.com' },
    ]) {
      expect(await verify(cfg, bearer(await sign(claims)), secrets, now), JSON.stringify(claims)).toMatchObject({
        ok: false,
        reason: 'token_claim_mismatch',
      });
    }
  });

  it('fails if the Authorization header is missing, not Bearer, or not a JWT', async () => {
    const t = await token('HS256', shared(hsSecret));
    expect(await verify(config(['HS256']), { body }, hsSecret, now)).toMatchObject({
      ok: false,
      reason: 'missing_credentials',
    });
    for (const bad of [`Basic ${t}`, t, `Bearer ${t} extra`, 'Bearer']) {
      expect(
        await verify(config(['HS256']), { headers: { Authorization: bad }, body }, hsSecret, now),
        bad,
      ).toMatchObject({ ok: false, reason: 'malformed_header' });
    }
    for (const bad of ['Bearer not-a-jwt', 'Bearer a.b.c', `Bearer ${t.split('.').slice(0, 2).join('.')}`]) {
      expect(
        await verify(config(['HS256']), { headers: { Authorization: bad }, body }, hsSecret, now),
        bad,
      ).toMatchObject({ ok: false, reason: 'token_invalid' });
    }
    const twice = { headers: { Authorization: [`Bearer ${t}`, 'Bearer other'] }, body };
    expect(await verify(config(['HS256']), twice, hsSecret, now)).toMatchObject({
      ok: false,
      reason: 'ambiguous_header',
    });
  });

  it('fails closed when the key is not set or not usable', async () => {
    const rs = await token('RS256', pairs.RS256!.privateKey);
    expect(await verify(config(['RS256']), bearer(rs), { default: { values: ['x'] } }, now)).toMatchObject({
      ok: false,
      reason: 'secret_not_set',
    });
    const hs = await token('HS256', shared(hsSecret));
    expect(await verify(config(['HS256']), bearer(hs), { default: { publicKey: pem.RS256 } }, now)).toMatchObject({
      ok: false,
      reason: 'secret_not_set',
    });
    const privatePem = await exportPKCS8(pairs.RS256!.privateKey);
    const privateJwk = await exportJWK(pairs.RS256!.privateKey);
    for (const publicKey of ['not a key', privatePem, JSON.stringify({ keys: [privateJwk] }), '{"keys": 5}']) {
      expect(await verify(config(['RS256']), bearer(rs), { default: { publicKey } }, now), publicKey).toMatchObject({
        ok: false,
        reason: 'invalid_secret',
      });
    }
  });

  it('fails if the config is misused', async () => {
    expect(validateJwtConfig(config([]))).toEqual([
      'algorithms must list at least one of HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA',
    ]);
    expect(validateJwtConfig(config(['none' as JwtAlgorithm], { clockSkewSeconds: -1 }))).toEqual([
      'algorithm "none" is not one of HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA ("none" is never accepted)',
      'clockSkew -1 s must be zero or a positive number of seconds',
    ]);
    const t = await token('HS256', shared(hsSecret));
    await expect(verify(config([]), bearer(t), hsSecret, now)).rejects.toThrow(SchemeConfigError);
  });

  it('fails if maxTokenAge is not a whole number of seconds from 1 s to 365 days', () => {
    for (const seconds of [1, 86_400, 365 * 86_400]) {
      expect(validateJwtConfig(config(['HS256'], { maxTokenAgeSeconds: seconds })), String(seconds)).toEqual([]);
    }
    for (const seconds of [0, -60, 1.5, 365 * 86_400 + 1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(validateJwtConfig(config(['HS256'], { maxTokenAgeSeconds: seconds })), String(seconds)).toEqual([
        `maxTokenAge ${seconds} s must be a whole number of seconds from 1 to 31536000 (365 days)`,
      ]);
    }
  });
});
