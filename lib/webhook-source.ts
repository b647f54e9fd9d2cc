import type { Duration } from 'aws-cdk-lib';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import {
  DEFAULT_SECRET,
  type PresetName,
  type SecretRefName,
  type VerifierConfig,
} from '../lambdas/core/config/verifier';
import { schemeProblems, seconds, unknownOptions } from './private/scheme-validation';
import { defined } from './private/objects';

/** HMAC digest algorithm. */
export enum HmacAlgorithm {
  SHA1 = 'sha1',
  SHA256 = 'sha256',
  SHA512 = 'sha512',
}

/** How a signature is written in its header. */
export enum SignatureEncoding {
  HEX = 'hex',
  BASE64 = 'base64',
  BASE64URL = 'base64url',
}

/** A JWT signing algorithm (RFC 7518). `none` is never accepted. */
export enum JwtAlgorithm {
  HS256 = 'HS256',
  HS384 = 'HS384',
  HS512 = 'HS512',
  RS256 = 'RS256',
  RS384 = 'RS384',
  RS512 = 'RS512',
  PS256 = 'PS256',
  PS384 = 'PS384',
  PS512 = 'PS512',
  ES256 = 'ES256',
  ES384 = 'ES384',
  ES512 = 'ES512',
  /** Ed25519 (RFC 8037). */
  EDDSA = 'EdDSA',
}

/** Where the value of a scheme's secret comes from, which decides how the gateway creates it. */
export enum SecretOrigin {
  /** We choose the value (GitHub, GitLab, generic HMAC, API key, basic auth): generated at deploy. */
  GENERATED = 'generated',
  /** The provider issues it (Stripe `whsec_…`, Slack signing secret, …): created empty, you paste it. */
  PROVIDER_ISSUED = 'provider-issued',
  /** The provider publishes a public key (SendGrid, Discord, JWT with RS/PS/ES/EdDSA): created empty. */
  PUBLIC_KEY = 'public-key',
}

/** A secret one scheme reads. */
export interface SourceSecret {
  /** Reference used in the verifier config (`default` for the first scheme that needs one). */
  readonly ref: SecretRefName;
  readonly origin: SecretOrigin;
  /** The scheme that reads it, e.g. `stripe`. */
  readonly scheme: string;
  /** An existing secret given to the factory; otherwise the gateway creates one. */
  readonly secret?: ISecret;
}

/** What a `WebhookSource` binds to: plain verifier config plus the secrets it needs. */
export interface WebhookSourceConfig {
  readonly verifier: VerifierConfig;
  readonly secrets: readonly SourceSecret[];
  /** Problems that fail synth, each naming the option. */
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

export interface SecretSourceOptions {
  /** An existing secret holding this scheme's value (JSON shape: see README, "Secrets"). @default - the gateway creates one */
  readonly secret?: ISecret;
}

export interface TimestampSourceOptions extends SecretSourceOptions {
  /** Accepted clock difference between the signed timestamp and now, both directions. @default - the provider's own window */
  readonly tolerance?: Duration;
}

export interface HmacSourceOptions extends SecretSourceOptions {
  /** Header carrying the signature (any case). */
  readonly header: string;
  /** @default HmacAlgorithm.SHA256 */
  readonly algorithm?: HmacAlgorithm;
  /** @default SignatureEncoding.HEX */
  readonly encoding?: SignatureEncoding;
  /** Literal text before the signature in the header, e.g. `sha256=`. @default - none */
  readonly prefix?: string;
  /** Template of the signed bytes over `{body}`, `{timestamp}`, `{id}`, `{url}`, `{method}`. @default '{body}' */
  readonly signedContent?: string;
  /** Header carrying the signed timestamp; required when signedContent uses `{timestamp}`. @default - none */
  readonly timestampHeader?: string;
  /** Header carrying the delivery id; required when signedContent uses `{id}`, which makes it the dedup key. @default - none */
  readonly idHeader?: string;
  /**
   * The idHeader is not signed: show it as the delivery's label (history, lines, workflow input) and
   * dedup on a hash of the signed bytes. Required when idHeader is set and signedContent has no `{id}`.
   * @default false
   */
  readonly idHeaderIsLabel?: boolean;
  /** Accepted clock difference when timestampHeader is set. @default Duration.minutes(5) */
  readonly tolerance?: Duration;
}

export interface BasicAuthSourceOptions extends SecretSourceOptions {
  /** The user name the sender sends; the password is the secret. */
  readonly username: string;
}

export interface ApiKeySourceOptions extends SecretSourceOptions {
  /** Header carrying the key. @default 'x-api-key' when queryParameter is not set */
  readonly header?: string;
  /** Query-string parameter carrying the key. @default - none */
  readonly queryParameter?: string;
}

export interface JwtSourceOptions extends SecretSourceOptions {
  /** Accepted algorithms: all HS* (a shared key) or all asymmetric (a public key or JWKS). */
  readonly algorithms: JwtAlgorithm[];
  /** Required `iss`. @default - not checked */
  readonly issuer?: string;
  /** Required `aud`. @default - not checked */
  readonly audience?: string;
  /** Accepted clock skew for exp, nbf and iat. @default Duration.seconds(30) */
  readonly clockSkew?: Duration;
  /** Refuse tokens without `exp`. @default true */
  readonly requireExpiry?: boolean;
  /**
   * Oldest token accepted, plus clockSkew: `iat` at most this long ago; a token without `iat`
   * must have its `exp` at most this far ahead. Whole seconds, at most 365 days.
   * @default Duration.days(1)
   */
  readonly maxTokenAge?: Duration;
  /** Header carrying `Bearer <token>`. @default 'authorization' */
  readonly header?: string;
}

export interface HeaderMatchSourceOptions {
  /** Header name → required value. The values are stored in the template: they are not secrets. */
  readonly headers: Readonly<Record<string, string>>;
}

/** Hands out secret references: the first scheme that needs a secret reads `default`. */
class SecretRefs {
  private readonly used = new Set<string>();

  next(type: string): SecretRefName {
    let ref = this.used.size === 0 ? DEFAULT_SECRET : type;
    for (let i = 2; this.used.has(ref); i++) ref = `${type}${i}`;
    this.used.add(ref);
    return ref;
  }
}

type Binder = (refs: SecretRefs) => WebhookSourceConfig;

/**
 * How a webhook's requests are verified: a provider preset or a generic scheme. Each factory
 * returns a source that `bind()`s to plain verifier config (stored in the config table) and the
 * secrets it needs, which the gateway creates or grants.
 */
export class WebhookSource {
  static github(options: SecretSourceOptions = {}) {
    return WebhookSource.preset('github', SecretOrigin.GENERATED, options);
  }
  static stripe(options: TimestampSourceOptions = {}) {
    return WebhookSource.preset('stripe', SecretOrigin.PROVIDER_ISSUED, options);
  }
  static standardWebhooks(options: TimestampSourceOptions = {}) {
    return WebhookSource.preset('standardWebhooks', SecretOrigin.PROVIDER_ISSUED, options);
  }
  static svix(options: TimestampSourceOptions = {}) {
    return WebhookSource.preset('svix', SecretOrigin.PROVIDER_ISSUED, options);
  }
  static slack(options: TimestampSourceOptions = {}) {
    return WebhookSource.preset('slack', SecretOrigin.PROVIDER_ISSUED, options);
  }
  static shopify(options: SecretSourceOptions = {}) {
    return WebhookSource.preset('shopify', SecretOrigin.PROVIDER_ISSUED, options);
  }
  static twilio(options: SecretSourceOptions = {}) {
    return WebhookSource.preset('twilio', SecretOrigin.PROVIDER_ISSUED, options);
  }
  static sendgrid(options: TimestampSourceOptions = {}) {
    return WebhookSource.preset('sendgrid', SecretOrigin.PUBLIC_KEY, options);
  }
  static discord(options: TimestampSourceOptions = {}) {
    return WebhookSource.preset('discord', SecretOrigin.PUBLIC_KEY, options);
  }
  static zoom(options: TimestampSourceOptions = {}) {
    return WebhookSource.preset('zoom', SecretOrigin.PROVIDER_ISSUED, options);
  }
  static linear(options: TimestampSourceOptions = {}) {
    return WebhookSource.preset('linear', SecretOrigin.PROVIDER_ISSUED, options);
  }
  static paddle(options: TimestampSourceOptions = {}) {
    return WebhookSource.preset('paddle', SecretOrigin.PROVIDER_ISSUED, options);
  }
  static msTeams(options: SecretSourceOptions = {}) {
    return WebhookSource.preset('msTeams', SecretOrigin.PROVIDER_ISSUED, options);
  }
  static gitlab(options: SecretSourceOptions = {}) {
    return WebhookSource.preset('gitlab', SecretOrigin.GENERATED, options);
  }

  /** A generic HMAC signature over a template of the request (`{body}` by default). */
  static hmac(options: HmacSourceOptions) {
    return WebhookSource.leaf('hmac', SecretOrigin.GENERATED, options, (secret) => ({
      type: 'hmac',
      ...secret,
      header: options.header,
      algorithm: options.algorithm ?? HmacAlgorithm.SHA256,
      encoding: options.encoding ?? SignatureEncoding.HEX,
      signedContent: options.signedContent ?? '{body}',
      ...defined({
        prefix: options.prefix,
        timestampHeader: options.timestampHeader,
        idHeader: options.idHeader,
        idHeaderIsLabel: options.idHeaderIsLabel,
        toleranceSeconds: seconds(options.tolerance),
      }),
    }));
  }

  /** HTTP Basic authentication: a fixed user name, the password is the secret. */
  static basicAuth(options: BasicAuthSourceOptions) {
    return WebhookSource.leaf('basicAuth', SecretOrigin.GENERATED, options, (secret) => ({
      type: 'basicAuth',
      ...secret,
      username: options.username,
    }));
  }

  /** A static key in a header (`x-api-key` by default) or a query-string parameter. */
  static apiKey(options: ApiKeySourceOptions = {}) {
    return WebhookSource.leaf('apiKey', SecretOrigin.GENERATED, options, (secret) => ({
      type: 'apiKey',
      ...secret,
      ...defined({ header: options.header, queryParameter: options.queryParameter }),
    }));
  }

  /** A bearer JWT: HS* with a shared key the issuer gives you, or a public key / JWKS. */
  static jwt(options: JwtSourceOptions) {
    const symmetric = options.algorithms.length > 0 && options.algorithms.every((a) => a.startsWith('HS'));
    const origin = symmetric ? SecretOrigin.PROVIDER_ISSUED : SecretOrigin.PUBLIC_KEY;
    return WebhookSource.leaf('jwt', origin, options, (secret) => ({
      type: 'jwt',
      ...secret,
      algorithms: [...options.algorithms],
      ...defined({
        issuer: options.issuer,
        audience: options.audience,
        clockSkewSeconds: seconds(options.clockSkew),
        requireExpiry: options.requireExpiry,
        maxTokenAgeSeconds: seconds(options.maxTokenAge),
        header: options.header,
      }),
    }));
  }

  /** Fixed header values (not secret): combine with a signing scheme through `allOf`. */
  static headerMatch(options: HeaderMatchSourceOptions) {
    return new WebhookSource('headerMatch', () => {
      const verifier: VerifierConfig = { type: 'headerMatch', headers: { ...options.headers } };
      const errors = [...unknownOptions('headerMatch', options), ...schemeProblems(verifier)].map(
        (e) => `headerMatch: ${e}`,
      );
      return { verifier, secrets: [], errors, warnings: [] };
    });
  }

  /** Every source must accept the request; each reads its own secret. */
  static allOf(...sources: WebhookSource[]) {
    return new WebhookSource('allOf', (refs) => {
      const bound = sources.map((s) => s.binder(refs));
      const errors = sources.length < 2 ? ['allOf needs at least two sources'] : [];
      if (sources.some((s) => s.scheme === 'allOf' || s.scheme === 'none'))
        errors.push('allOf cannot contain allOf or none');
      return {
        verifier: { type: 'allOf', sources: bound.map((b) => b.verifier) },
        secrets: bound.flatMap((b) => b.secrets),
        errors: [...errors, ...bound.flatMap((b) => b.errors)],
        warnings: bound.flatMap((b) => b.warnings),
      };
    });
  }

  /** No verification at all: anyone who knows the URL can start your workflows. Synth warns. */
  static none() {
    return new WebhookSource('none', () => ({
      verifier: { type: 'none' },
      secrets: [],
      errors: [],
      warnings: ['source is none: every request is accepted without verification'],
    }));
  }

  private static preset(type: PresetName, origin: SecretOrigin, options: TimestampSourceOptions) {
    return WebhookSource.leaf(type, origin, options, (secret) => ({
      type,
      ...secret,
      ...defined({ toleranceSeconds: seconds(options.tolerance) }),
    }));
  }

  private static leaf(
    type: string,
    origin: SecretOrigin,
    options: SecretSourceOptions,
    build: (secret: { secret?: SecretRefName }) => VerifierConfig,
  ): WebhookSource {
    return new WebhookSource(type, (refs) => {
      const ref = refs.next(type);
      const verifier = build(ref === DEFAULT_SECRET ? {} : { secret: ref });
      const secret: SourceSecret = { ref, origin, scheme: type, ...defined({ secret: options.secret }) };
      const errors = [...unknownOptions(type, options), ...schemeProblems(verifier)].map((e) => `${type}: ${e}`);
      return { verifier, secrets: [secret], errors, warnings: [] };
    });
  }

  private constructor(
    /** The scheme name, e.g. `stripe` or `hmac`. */
    readonly scheme: string,
    private readonly binder: Binder,
  ) {}

  /**
   * The verifier config and the secrets this source needs, for the gateway.
   * @internal
   */
  _bind(): WebhookSourceConfig {
    return this.binder(new SecretRefs());
  }
}
