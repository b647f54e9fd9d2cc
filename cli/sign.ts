import { createHash, createHmac, createPrivateKey, randomUUID, sign as cryptoSign } from 'node:crypto';
import { SignJWT, importPKCS8 } from 'jose';
import type { HmacAlgorithm, SignatureEncoding, VerifierConfig } from '../lambdas/core/config/verifier';

/** What `send` signs with: the secret values by reference, and private keys for public-key schemes. */
export interface SigningMaterial {
  /** The current secret value of a secret reference (`default` unless a scheme names another). */
  secret(ref: string): string | undefined;
  /** The development private key (PKCS#8 PEM) of a public-key scheme's secret reference. */
  privateKey(ref: string): string | undefined;
}

export interface UnsignedRequest {
  readonly url: string;
  readonly body: Buffer;
  readonly contentType: string;
  /** Extra headers the caller sets (e.g. X-GitHub-Event); signing adds its own. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The event type, for providers that carry it in a header. */
  readonly eventType?: string;
}

export class SigningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningError';
  }
}

/**
 * Signs a request the way the webhook's provider does, for `webhook-gateway send`. Returns the
 * headers to send and the body (Linear signs a timestamp inside the body, so it may change).
 */
export async function signRequest(
  config: VerifierConfig,
  request: UnsignedRequest,
  keys: SigningMaterial,
  now: Date = new Date(),
): Promise<{ headers: Record<string, string>; body: Buffer }> {
  let body = request.body;
  const headers: Record<string, string> = { 'content-type': request.contentType, ...request.headers };
  const seconds = Math.floor(now.getTime() / 1000);
  const id = randomUUID();
  const secretOf = (ref = 'default') => {
    const value = keys.secret(ref);
    if (value === undefined || value === '') throw new SigningError(`no secret value for "${ref}" to sign with`);
    return value;
  };
  const privateKeyOf = (ref = 'default') => {
    const pem = keys.privateKey(ref);
    if (pem === undefined)
      throw new SigningError(
        `no private key for "${ref}" to sign with (public-key schemes sign with a development key pair)`,
      );
    return createPrivateKey(pem);
  };
  const hmac = (
    alg: HmacAlgorithm,
    key: string | Buffer,
    data: string | Buffer,
    enc: SignatureEncoding | 'hex' = 'hex',
  ) =>
    createHmac(alg, key)
      .update(data)
      .digest(enc === 'base64url' ? 'base64url' : enc);
  const join = (...parts: (string | Buffer)[]) =>
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));

  switch (config.type) {
    case 'github':
      headers['x-github-event'] ??= request.eventType ?? 'ping';
      headers['x-github-delivery'] ??= id;
      headers['x-hub-signature-256'] = `sha256=${hmac('sha256', secretOf(config.secret), body)}`;
      break;
    case 'stripe':
      headers['stripe-signature'] =
        `t=${seconds},v1=${hmac('sha256', secretOf(config.secret), join(`${seconds}.`, body))}`;
      break;
    case 'standardWebhooks':
    case 'svix': {
      const prefix = config.type === 'svix' ? 'svix-' : 'webhook-';
      const key = Buffer.from(secretOf(config.secret).replace(/^whsec_/, ''), 'base64');
      headers[`${prefix}id`] = `msg_${id.replace(/-/g, '')}`;
      headers[`${prefix}timestamp`] = String(seconds);
      headers[`${prefix}signature`] =
        `v1,${hmac('sha256', key, join(`${headers[`${prefix}id`]}.${seconds}.`, body), 'base64')}`;
      break;
    }
    case 'slack':
      headers['x-slack-request-timestamp'] = String(seconds);
      headers['x-slack-signature'] = `v0=${hmac('sha256', secretOf(config.secret), join(`v0:${seconds}:`, body))}`;
      break;
    case 'shopify':
      headers['x-shopify-topic'] ??= request.eventType ?? 'orders/create';
      headers['x-shopify-shop-domain'] ??= 'example.myshopify.com';
      headers['x-shopify-api-version'] ??= '2025-10';
      headers['x-shopify-webhook-id'] ??= id;
      headers['x-shopify-hmac-sha256'] = hmac('sha256', secretOf(config.secret), body, 'base64');
      break;
    case 'twilio':
      headers['i-twilio-idempotency-token'] ??= id;
      headers['x-twilio-signature'] = twilioSignature(secretOf(config.secret), request.url, request.contentType, body);
      break;
    case 'sendgrid': {
      headers['x-twilio-email-event-webhook-timestamp'] = String(seconds);
      const signature = cryptoSign('sha256', join(String(seconds), body), privateKeyOf(config.secret));
      headers['x-twilio-email-event-webhook-signature'] = signature.toString('base64');
      break;
    }
    case 'discord':
      headers['x-signature-timestamp'] = String(seconds);
      headers['x-signature-ed25519'] = cryptoSign(
        null,
        join(String(seconds), body),
        privateKeyOf(config.secret),
      ).toString('hex');
      break;
    case 'zoom':
      headers['x-zm-request-timestamp'] = String(seconds);
      headers['x-zm-signature'] = `v0=${hmac('sha256', secretOf(config.secret), join(`v0:${seconds}:`, body))}`;
      break;
    case 'linear': {
      const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      body = Buffer.from(JSON.stringify({ ...json, webhookTimestamp: now.getTime() }));
      headers['linear-delivery'] ??= id;
      headers['linear-event'] ??= request.eventType ?? String(json.type ?? 'Issue');
      headers['linear-signature'] = hmac('sha256', secretOf(config.secret), body);
      break;
    }
    case 'paddle':
      headers['paddle-signature'] =
        `ts=${seconds};h1=${hmac('sha256', secretOf(config.secret), join(`${seconds}:`, body))}`;
      break;
    case 'msTeams':
      headers.authorization = `HMAC ${hmac('sha256', Buffer.from(secretOf(config.secret), 'base64'), body, 'base64')}`;
      break;
    case 'gitlab':
      headers['x-gitlab-event'] ??= request.eventType ?? 'Push Hook';
      headers['idempotency-key'] ??= id;
      headers['x-gitlab-token'] = secretOf(config.secret);
      break;
    case 'hmac': {
      const values: Record<string, string | Buffer> = {
        body,
        timestamp: String(seconds),
        id,
        url: request.url,
        method: 'POST',
      };
      const parts = config.signedContent.split(/(\{(?:body|timestamp|id|url|method)\})/).map((p) => {
        const name = /^\{(\w+)\}$/.exec(p)?.[1];
        return name !== undefined && name in values ? values[name]! : p;
      });
      if (config.timestampHeader) headers[config.timestampHeader.toLowerCase()] = String(seconds);
      if (config.idHeader) headers[config.idHeader.toLowerCase()] = id;
      headers[config.header.toLowerCase()] =
        (config.prefix ?? '') + hmac(config.algorithm, secretOf(config.secret), join(...parts), config.encoding);
      break;
    }
    case 'basicAuth':
      headers.authorization = `Basic ${Buffer.from(`${config.username}:${secretOf(config.secret)}`).toString('base64')}`;
      break;
    case 'apiKey':
      if (config.header !== undefined || config.queryParameter === undefined)
        headers[(config.header ?? 'x-api-key').toLowerCase()] = secretOf(config.secret);
      break;
    case 'jwt': {
      const alg = config.algorithms[0];
      if (alg === undefined) throw new SigningError('jwt has no algorithms');
      const key = alg.startsWith('HS')
        ? Buffer.from(secretOf(config.secret))
        : await importPKCS8(keys.privateKey(config.secret ?? 'default') ?? '', alg);
      let jwt = new SignJWT({})
        .setProtectedHeader({ alg })
        .setIssuedAt(seconds)
        .setExpirationTime(seconds + 300)
        .setJti(id);
      if (config.issuer) jwt = jwt.setIssuer(config.issuer);
      if (config.audience) jwt = jwt.setAudience(config.audience);
      headers[(config.header ?? 'authorization').toLowerCase()] = `Bearer ${await jwt.sign(key)}`;
      break;
    }
    case 'headerMatch':
      for (const [name, value] of Object.entries(config.headers)) headers[name.toLowerCase()] = value;
      break;
    case 'allOf':
      for (const member of config.sources) {
        const signed = await signRequest(member, { ...request, body, headers }, keys, now);
        Object.assign(headers, signed.headers);
        body = signed.body;
      }
      break;
    case 'none':
      break;
  }
  return { headers, body };
}

/** The URL with the API key query parameter added, for apiKey schemes that read one. */
export function urlWithApiKey(config: VerifierConfig, url: string, keys: SigningMaterial): string {
  const schemes = config.type === 'allOf' ? config.sources : [config];
  let out = new URL(url);
  for (const s of schemes) {
    if (s.type === 'apiKey' && s.queryParameter !== undefined && s.header === undefined) {
      out = new URL(out);
      out.searchParams.set(s.queryParameter, keys.secret(s.secret ?? 'default') ?? '');
    }
  }
  return out.toString();
}

function twilioSignature(authToken: string, url: string, contentType: string, body: Buffer): string {
  let data = url;
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    const params = [...new URLSearchParams(body.toString('utf8'))].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    data += params.map(([k, v]) => k + v).join('');
  } else if (!url.includes('bodySHA256=')) {
    throw new SigningError('Twilio signs a JSON body through ?bodySHA256= in the URL: use twilioJsonUrl()');
  }
  return createHmac('sha1', authToken).update(data).digest('base64');
}

/** Twilio's JSON variant: the URL carries the body's SHA-256, and the signature covers the URL. */
export function twilioJsonUrl(url: string, body: Buffer): string {
  const out = new URL(url);
  out.searchParams.set('bodySHA256', createHash('sha256').update(body).digest('hex'));
  return out.toString();
}
