import { Duration, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { PRESET_NAMES } from '../../lambdas/core/config/verifier';
import { HmacAlgorithm, JwtAlgorithm, SecretOrigin, SignatureEncoding, WebhookSource } from 'aws-webhook-gateway';

const ORIGINS: Record<(typeof PRESET_NAMES)[number], SecretOrigin> = {
  github: SecretOrigin.GENERATED,
  gitlab: SecretOrigin.GENERATED,
  stripe: SecretOrigin.PROVIDER_ISSUED,
  standardWebhooks: SecretOrigin.PROVIDER_ISSUED,
  svix: SecretOrigin.PROVIDER_ISSUED,
  slack: SecretOrigin.PROVIDER_ISSUED,
  shopify: SecretOrigin.PROVIDER_ISSUED,
  twilio: SecretOrigin.PROVIDER_ISSUED,
  zoom: SecretOrigin.PROVIDER_ISSUED,
  linear: SecretOrigin.PROVIDER_ISSUED,
  paddle: SecretOrigin.PROVIDER_ISSUED,
  msTeams: SecretOrigin.PROVIDER_ISSUED,
  sendgrid: SecretOrigin.PUBLIC_KEY,
  discord: SecretOrigin.PUBLIC_KEY,
};

describe('WebhookSource presets', () => {
  it.each(PRESET_NAMES)('%s() binds to its preset and the secret it needs', (name) => {
    const bound = (WebhookSource[name] as () => WebhookSource)()._bind();
    expect(bound).toEqual({
      verifier: { type: name },
      secrets: [{ ref: 'default', origin: ORIGINS[name], scheme: name }],
      errors: [],
      warnings: [],
    });
  });

  it('passes a tolerance in seconds where the scheme signs a timestamp', () => {
    expect(WebhookSource.stripe({ tolerance: Duration.minutes(10) })._bind().verifier).toEqual({
      type: 'stripe',
      toleranceSeconds: 600,
    });
  });

  it('fails if a tolerance is not a whole number of seconds', () => {
    expect(WebhookSource.slack({ tolerance: Duration.millis(1500) })._bind().errors).toEqual([
      'slack: tolerance 1.5 s must be a whole number of seconds, at least 1',
    ]);
  });

  it('fails if a factory is given an option it does not know (JavaScript callers)', () => {
    const source = (WebhookSource.github as (o: object) => WebhookSource)({ tolerance: Duration.minutes(1) });
    expect(source._bind().errors).toEqual(['github: unknown option "tolerance" for github (known: secret)']);
  });
});

describe('WebhookSource generic schemes', () => {
  it('hmac defaults to SHA-256 hex over the body', () => {
    expect(WebhookSource.hmac({ header: 'X-Signature' })._bind()).toMatchObject({
      verifier: { type: 'hmac', header: 'X-Signature', algorithm: 'sha256', encoding: 'hex', signedContent: '{body}' },
      secrets: [{ ref: 'default', origin: SecretOrigin.GENERATED }],
      errors: [],
    });
  });

  it('hmac takes every option of the scheme', () => {
    const bound = WebhookSource.hmac({
      header: 'x-sig',
      algorithm: HmacAlgorithm.SHA512,
      encoding: SignatureEncoding.BASE64URL,
      prefix: 'v1=',
      signedContent: '{id}.{timestamp}.{body}',
      timestampHeader: 'x-ts',
      idHeader: 'x-id',
      tolerance: Duration.seconds(90),
    })._bind();
    expect(bound.verifier).toEqual({
      type: 'hmac',
      header: 'x-sig',
      algorithm: 'sha512',
      encoding: 'base64url',
      prefix: 'v1=',
      signedContent: '{id}.{timestamp}.{body}',
      timestampHeader: 'x-ts',
      idHeader: 'x-id',
      toleranceSeconds: 90,
    });
    expect(bound.errors).toEqual([]);
  });

  it('fails if hmac signs a timestamp without its header', () => {
    expect(WebhookSource.hmac({ header: 'x-sig', signedContent: '{timestamp}.{body}' })._bind().errors).toEqual([
      'hmac: signedContent "{timestamp}.{body}" uses {timestamp}: set timestampHeader to the header that carries it',
    ]);
  });

  it('basicAuth, apiKey: generated secrets with their options', () => {
    expect(WebhookSource.basicAuth({ username: 'sender' })._bind().verifier).toEqual({
      type: 'basicAuth',
      username: 'sender',
    });
    expect(WebhookSource.apiKey({ queryParameter: 'key' })._bind()).toMatchObject({
      verifier: { type: 'apiKey', queryParameter: 'key' },
      secrets: [{ origin: SecretOrigin.GENERATED }],
    });
  });

  it('fails if basicAuth has no user name (its key is missing)', () => {
    expect(WebhookSource.basicAuth({ username: '' })._bind().errors).toEqual(['basicAuth: username must not be empty']);
  });

  it('jwt reads a provider-issued key for HS*, a public key or JWKS otherwise', () => {
    const hs = WebhookSource.jwt({
      algorithms: [JwtAlgorithm.HS256],
      issuer: 'me',
      clockSkew: Duration.seconds(5),
    })._bind();
    expect(hs.verifier).toEqual({ type: 'jwt', algorithms: ['HS256'], issuer: 'me', clockSkewSeconds: 5 });
    expect(hs.secrets[0]!.origin).toBe(SecretOrigin.PROVIDER_ISSUED);
    expect(WebhookSource.jwt({ algorithms: [JwtAlgorithm.ES256] })._bind().secrets[0]!.origin).toBe(
      SecretOrigin.PUBLIC_KEY,
    );
    const eddsa = WebhookSource.jwt({ algorithms: [JwtAlgorithm.EDDSA] })._bind();
    expect(eddsa.verifier).toEqual({ type: 'jwt', algorithms: ['EdDSA'] });
    expect(eddsa.secrets[0]!.origin).toBe(SecretOrigin.PUBLIC_KEY);
  });

  it('jwt passes maxTokenAge as whole seconds; fails if it is fractional, zero or longer than 365 days', () => {
    const day = WebhookSource.jwt({ algorithms: [JwtAlgorithm.RS256], maxTokenAge: Duration.hours(6) })._bind();
    expect(day).toMatchObject({ verifier: { maxTokenAgeSeconds: 21_600 }, errors: [] });
    expect(WebhookSource.jwt({ algorithms: [JwtAlgorithm.RS256] })._bind().verifier).not.toHaveProperty(
      'maxTokenAgeSeconds',
    );
    for (const [maxTokenAge, seconds] of [
      [Duration.millis(1500), 1.5],
      [Duration.seconds(0), 0],
      [Duration.days(366), 31_622_400],
    ] as const) {
      expect(WebhookSource.jwt({ algorithms: [JwtAlgorithm.RS256], maxTokenAge })._bind().errors).toEqual([
        `jwt: maxTokenAge ${seconds} s must be a whole number of seconds from 1 to 31536000 (365 days)`,
      ]);
    }
  });

  it('fails if jwt accepts no algorithm', () => {
    expect(WebhookSource.jwt({ algorithms: [] })._bind().errors[0]).toMatch(/^jwt: algorithms must list at least one/);
  });

  it('headerMatch needs no secret; fails if it matches no header', () => {
    expect(WebhookSource.headerMatch({ headers: { 'x-origin': 'billing' } })._bind()).toEqual({
      verifier: { type: 'headerMatch', headers: { 'x-origin': 'billing' } },
      secrets: [],
      errors: [],
      warnings: [],
    });
    expect(WebhookSource.headerMatch({ headers: {} })._bind().errors).toEqual([
      'headerMatch: headers must name at least one header',
    ]);
  });

  it('none warns', () => {
    expect(WebhookSource.none()._bind()).toEqual({
      verifier: { type: 'none' },
      secrets: [],
      errors: [],
      warnings: ['source is none: every request is accepted without verification'],
    });
  });

  it('allOf gives the first member the default secret and names the others', () => {
    const secret = secretsmanager.Secret.fromSecretNameV2(new Stack(), 'S', 'x');
    const bound = WebhookSource.allOf(
      WebhookSource.headerMatch({ headers: { 'user-agent': 'Sender/1' } }),
      WebhookSource.hmac({ header: 'x-a' }),
      WebhookSource.hmac({ header: 'x-b', secret }),
      WebhookSource.apiKey(),
    )._bind();
    expect(bound.verifier).toEqual({
      type: 'allOf',
      sources: [
        { type: 'headerMatch', headers: { 'user-agent': 'Sender/1' } },
        { type: 'hmac', header: 'x-a', algorithm: 'sha256', encoding: 'hex', signedContent: '{body}' },
        { type: 'hmac', secret: 'hmac', header: 'x-b', algorithm: 'sha256', encoding: 'hex', signedContent: '{body}' },
        { type: 'apiKey', secret: 'apiKey' },
      ],
    });
    expect(bound.secrets.map((s) => [s.ref, s.scheme, s.secret])).toEqual([
      ['default', 'hmac', undefined],
      ['hmac', 'hmac', secret],
      ['apiKey', 'apiKey', undefined],
    ]);
  });

  it('fails if allOf has fewer than two members or nests allOf or none', () => {
    expect(WebhookSource.allOf(WebhookSource.github())._bind().errors).toEqual(['allOf needs at least two sources']);
    expect(WebhookSource.allOf(WebhookSource.github(), WebhookSource.none())._bind().errors).toEqual([
      'allOf cannot contain allOf or none',
    ]);
  });
});
