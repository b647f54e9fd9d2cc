import { importPKCS8, SignJWT } from 'jose';
import { signRequest } from '../../../cli/sign';
import type { HmacVerifierConfig, VerifierConfig } from '../../../lambdas/core/config/verifier';
import { HmacAlgorithm, JwtAlgorithm, SignatureEncoding, WebhookSource } from '../../../lib/webhook-source';
import { p256Pair, pemBody, signingMaterial } from './keys';
import { defined, github, one } from './presets';
import {
  base64Bytes,
  base64urlBytes,
  classify,
  hexBytes,
  timeless,
  within,
  type Profile,
  type SignInput,
  type Signed,
  type Validity,
} from './profile';
import type { Received } from './wire';

/**
 * The generic schemes: HMAC over several templates and encodings, basic auth, API keys in a header
 * or the query, JWTs (HS256 and ES256, signed with jose), headerMatch and allOf. Their requests are
 * signed by cli/sign.ts (what `webhook-gateway send` uses), from the config the factory binds.
 */

const JSON_TYPE = 'application/json';
const bodyKey = (r: Received) => r.body.toString('base64');

/** Signs with cli/sign.ts for the bound config; `values` by secret reference. */
async function cliSign(
  source: WebhookSource,
  input: SignInput,
  values: Record<string, string>,
  wrong: Record<string, string>,
): Promise<Signed> {
  const signed = await signRequest(
    source._bind().verifier,
    { url: input.url, body: input.body, contentType: input.contentType },
    signingMaterial(input.wrongKey ? wrong : values),
    input.now,
  );
  return {
    headers: Object.entries(signed.headers).filter(([n]) => n !== 'content-type'),
    query: [],
    body: signed.body,
  };
}

const DECODE = { hex: hexBytes, base64: base64Bytes, base64url: base64urlBytes } as const;

/** What a generic HMAC config signs: its template, with header values as sent (trimmed) and the body's bytes. */
function hmacMaterial(config: HmacVerifierConfig, r: Received): string | undefined {
  let out = '';
  for (const part of config.signedContent.split(/(\{(?:body|timestamp|id|url|method)\})/)) {
    if (part === '{body}') out += `<body:${bodyKey(r)}>`;
    else if (part === '{url}') out += r.url;
    else if (part === '{method}') out += r.method;
    else if (part === '{timestamp}' || part === '{id}') {
      const value = r.one(part === '{id}' ? config.idHeader! : config.timestampHeader!);
      if (value === undefined || value === '') return undefined;
      out += value;
    } else out += part;
  }
  return out;
}

/** The signatures in the header: separated by whitespace and commas (unless the prefix has one), each after the prefix. */
function hmacSignatures(config: HmacVerifierConfig, r: Received): string[] | undefined {
  const value = r.one(config.header);
  if (value === undefined) return undefined;
  const prefix = config.prefix ?? '';
  const separators = `${/\s/.test(prefix) ? '' : '\\s'}${prefix.includes(',') ? '' : ','}`;
  const items = separators === '' ? [value] : value.split(new RegExp(`[${separators}]+`));
  return items
    .map((i) => i.trim())
    .filter((i) => i.startsWith(prefix))
    .map((i) => DECODE[config.encoding](i.slice(prefix.length)))
    .filter(defined);
}

function hmacProfile(name: string, secret: string, options: Parameters<typeof WebhookSource.hmac>[0]): Profile {
  const source = () => WebhookSource.hmac(options);
  const config = source()._bind().verifier as HmacVerifierConfig;
  const material = (r: Received) => hmacMaterial(config, r);
  return {
    name,
    source,
    secrets: { default: secret },
    secretValues: [secret],
    contentType: JSON_TYPE,
    payload: (nonce) => ({ json: { type: 'order.created', data: { id: nonce, total: '19.99' } } }),
    sign: (input) => cliSign(source(), input, { default: secret }, { default: `wrong-${secret}` }),
    signatureHeaders: [options.header.toLowerCase()],
    validity: options.timestampHeader ? within(300) : timeless,
    mustReject: classify(name, material, (r) => hmacSignatures(config, r)),
    dedupMaterial: material,
  };
}

export const hmacHex = hmacProfile('hmac-hex', 'hmac-hex-secret-R4nd0m', {
  header: 'X-Signature',
  prefix: 'sha256=',
});
export const hmacTimestamp = hmacProfile('hmac-ts', 'hmac-ts-secret-7yH2kq', {
  header: 'X-Sig',
  algorithm: HmacAlgorithm.SHA512,
  encoding: SignatureEncoding.BASE64,
  signedContent: '{timestamp}.{body}',
  timestampHeader: 'X-Timestamp',
});
export const hmacStandard = hmacProfile('hmac-sw', 'hmac-sw-secret-p0Lw9z', {
  header: 'webhook-signature',
  encoding: SignatureEncoding.BASE64,
  prefix: 'v1,',
  signedContent: '{id}.{timestamp}.{body}',
  idHeader: 'webhook-id',
  timestampHeader: 'webhook-timestamp',
});
export const hmacUrl = hmacProfile('hmac-url', 'hmac-url-secret-Zx81mm', {
  header: 'X-Hub-Sig',
  algorithm: HmacAlgorithm.SHA1,
  encoding: SignatureEncoding.BASE64URL,
  signedContent: '{method}\n{url}\n{timestamp}\n{body}',
  timestampHeader: 'X-Request-Time',
});

const BASIC_PASSWORD = 'basic-pass-Vq7sN2xw';
const basicCredentials = (r: Received) =>
  one(/^Basic +(\S+)$/i, r.one('authorization'), (b) => (b === undefined ? undefined : base64Bytes(b)));
export const basicAuth: Profile = {
  name: 'basic',
  source: () => WebhookSource.basicAuth({ username: 'sender' }),
  secrets: { default: BASIC_PASSWORD },
  secretValues: [BASIC_PASSWORD],
  contentType: JSON_TYPE,
  payload: (nonce) => ({ json: { event: 'build.finished', id: nonce } }),
  sign: (input) =>
    cliSign(
      WebhookSource.basicAuth({ username: 'sender' }),
      input,
      { default: BASIC_PASSWORD },
      { default: 'not-the-password' },
    ),
  signatureHeaders: ['authorization'],
  validity: timeless,
  // A static credential: nothing of the request is signed.
  mustReject: classify('basic', () => '', basicCredentials),
};

const API_KEY = 'apikey-Hd8c2LwQ0t';
export const apiKeyHeader: Profile = {
  name: 'apikey',
  source: () => WebhookSource.apiKey(),
  secrets: { default: API_KEY },
  secretValues: [API_KEY],
  contentType: JSON_TYPE,
  payload: (nonce) => ({ json: { event: 'ticket.created', id: nonce } }),
  sign: (input) => cliSign(WebhookSource.apiKey(), input, { default: API_KEY }, { default: `wrong-${API_KEY}` }),
  signatureHeaders: ['x-api-key'],
  validity: timeless,
  mustReject: classify(
    'apikey',
    () => '',
    (r) => one(/^(.*)$/, r.one('x-api-key'), (v) => v),
  ),
};

const QUERY_KEY = 'querykey-Lr5p0aQz3';
export const apiKeyQuery: Profile = {
  name: 'apikey-query',
  source: () => WebhookSource.apiKey({ queryParameter: 'key' }),
  secrets: { default: QUERY_KEY },
  secretValues: [QUERY_KEY],
  contentType: JSON_TYPE,
  payload: (nonce) => ({ json: { event: 'ticket.created', id: nonce } }),
  async sign(input) {
    return { headers: [], query: [['key', input.wrongKey ? `wrong-${QUERY_KEY}` : QUERY_KEY]], body: input.body };
  },
  signatureHeaders: [],
  validity: timeless,
  mustReject: classify(
    'apikey-query',
    () => '',
    (r) => {
      const values = [...new Set(r.queryValues('key').filter((v) => v !== ''))];
      return values.length === 1 ? values : undefined;
    },
  ),
};

/** Bearer JWT: the token's header and claims are signed; the body is not. */
function jwtParts(r: Received): { input: string; signature: string } | undefined {
  const token = /^Bearer +(\S+)$/i.exec(r.one('authorization') ?? '')?.[1];
  const parts = token?.split('.');
  if (!parts || parts.length !== 3) return undefined;
  const signature = base64urlBytes(parts[2]);
  return signature === undefined ? undefined : { input: `${parts[0]}.${parts[1]}`, signature };
}

/** iat = now, exp = now + 300, clock skew 30 s: valid from 30 s before iat to 30 s after exp. */
function jwtValidity(delay: number): Validity {
  if (delay >= -29 && delay <= 329) return 'valid';
  return delay <= -31 || delay >= 331 ? 'invalid' : 'unknown';
}

function jwtProfile(name: string, alg: 'HS256' | 'ES256'): Profile {
  const shared = 'jwt-shared-secret-of-at-least-32-bytes-Yz';
  const pair = p256Pair('pem');
  const other = p256Pair('pem');
  const source = () =>
    WebhookSource.jwt({ algorithms: [JwtAlgorithm[alg]], issuer: 'https://issuer.example', audience: 'webhooks' });
  return {
    name,
    source,
    secrets: { default: alg === 'HS256' ? shared : { publicKey: pair.publicKey } },
    secretValues: alg === 'HS256' ? [shared] : [pemBody(pair.privateKeyPem), pemBody(other.privateKeyPem)],
    contentType: JSON_TYPE,
    payload: (nonce) => ({ json: { event: 'deploy.finished', id: nonce } }),
    async sign(input) {
      const key =
        alg === 'HS256'
          ? new TextEncoder().encode(input.wrongKey ? `wrong-${shared}` : shared)
          : await importPKCS8((input.wrongKey ? other : pair).privateKeyPem, alg);
      const now = Math.floor(input.now.getTime() / 1000);
      const token = await new SignJWT({})
        .setProtectedHeader({ alg, typ: 'JWT' })
        .setIssuer('https://issuer.example')
        .setAudience('webhooks')
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .setJti(input.nonce)
        .sign(key);
      return { headers: [['Authorization', `Bearer ${token}`]], query: [], body: input.body };
    },
    signatureHeaders: ['authorization'],
    validity: jwtValidity,
    mustReject: classify(
      name,
      (r) => jwtParts(r)?.input,
      (r) => {
        const parts = jwtParts(r);
        return parts ? [parts.signature] : undefined;
      },
    ),
    dedupMaterial: (r) => jwtParts(r)?.input,
  };
}
export const jwtHs256 = jwtProfile('jwt-hs', 'HS256');
export const jwtEs256 = jwtProfile('jwt-es', 'ES256');

const MATCH = { 'X-Origin-Token': 'origin-value-Tq3zP9' } as const;
const headerMatchCredentials = (r: Received) => {
  const values = Object.keys(MATCH).map((h) => r.one(h));
  return values.every(defined) ? [values.join('\u0000')] : undefined;
};
export const headerMatch: Profile = {
  name: 'headermatch',
  source: () => WebhookSource.headerMatch({ headers: MATCH }),
  secrets: {},
  // The values live in the template ("not secrets"), but the gateway redacts them like credentials.
  secretValues: Object.values(MATCH),
  contentType: JSON_TYPE,
  payload: (nonce) => ({ json: { event: 'job.done', id: nonce } }),
  async sign(input) {
    const headers = Object.entries(MATCH).map(([k, v]) => [k, input.wrongKey ? `${v}-wrong` : v] as [string, string]);
    return { headers, query: [], body: input.body };
  },
  signatureHeaders: Object.keys(MATCH).map((h) => h.toLowerCase()),
  validity: timeless,
  mustReject: classify('headermatch', () => '', headerMatchCredentials),
};

/** Every member must accept: the request must be authentic for each. */
function allOfProfile(
  name: string,
  members: readonly Profile[],
  source: () => WebhookSource,
  values: Record<string, string>,
  wrong: Record<string, string>,
  extraSecrets: Record<string, unknown> = {},
): Profile {
  return {
    name,
    source,
    secrets: { ...values, ...extraSecrets },
    secretValues: [...new Set(members.flatMap((m) => m.secretValues))],
    contentType: JSON_TYPE,
    payload: members[0]!.payload,
    sign: (input) => cliSign(source(), input, values, wrong),
    signatureHeaders: members.flatMap((m) => m.signatureHeaders),
    validity: (delay) => {
      const all = members.map((m) => m.validity(delay));
      return all.includes('invalid') ? 'invalid' : all.includes('unknown') ? 'unknown' : 'valid';
    },
    mustReject: (original, mutated) => {
      for (const m of members) {
        const why = m.mustReject(original, mutated);
        if (why !== undefined) return `${name}/${why}`;
      }
      return undefined;
    },
    dedupMaterial: (r) => {
      const parts = members.map((m) => m.dedupMaterial?.(r));
      return parts.some(defined) ? parts.join('\u0000') : undefined;
    },
  };
}

export const allOfGithubHeader = allOfProfile(
  'allof-github',
  [github, headerMatch],
  () => WebhookSource.allOf(WebhookSource.github(), WebhookSource.headerMatch({ headers: MATCH })),
  { default: github.secrets.default as string },
  { default: `wrong-${github.secrets.default as string}` },
);

const hmacTsSecret = hmacTimestamp.secrets.default as string;
export const allOfHmacApiKey = allOfProfile(
  'allof-hmac',
  [hmacTimestamp, apiKeyHeader],
  () =>
    WebhookSource.allOf(
      WebhookSource.hmac({
        header: 'X-Sig',
        algorithm: HmacAlgorithm.SHA512,
        encoding: SignatureEncoding.BASE64,
        signedContent: '{timestamp}.{body}',
        timestampHeader: 'X-Timestamp',
      }),
      WebhookSource.apiKey(),
    ),
  { default: hmacTsSecret, apiKey: API_KEY },
  { default: `wrong-${hmacTsSecret}`, apiKey: `wrong-${API_KEY}` },
);

export const GENERIC_PROFILES: readonly Profile[] = [
  hmacHex,
  hmacTimestamp,
  hmacStandard,
  hmacUrl,
  basicAuth,
  apiKeyHeader,
  apiKeyQuery,
  jwtHs256,
  jwtEs256,
  headerMatch,
  allOfGithubHeader,
  allOfHmacApiKey,
];

/** The verifier a profile's source binds to (what the config table stores). */
export function verifierOf(profile: Profile): VerifierConfig {
  return profile.source()._bind().verifier;
}
