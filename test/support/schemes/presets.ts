import { createHmac, randomUUID } from 'node:crypto';
import { sign as octokitSign } from '@octokit/webhooks-methods';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { Webhook as SvixWebhook } from 'svix';
import twilio from 'twilio';
import { signRequest } from '../../../cli/sign';
import type { VerifierConfig } from '../../../lambdas/core/config/verifier';
import { WebhookSource } from '../../../lib/webhook-source';
import { ed25519Pair, p256Pair, pemBody, signingMaterial, whsec } from './keys';
import {
  base64Bytes,
  classify,
  hexBytes,
  sha256,
  timeless,
  unixValue,
  within,
  type Payload,
  type Profile,
  type SignInput,
  type Signed,
} from './profile';
import type { Received } from './wire';

/**
 * The provider presets. Each signs with the provider's own npm library where it ships a signer
 * (octokit, stripe, standardwebhooks, svix, twilio); the others are signed as their documentation
 * says by cli/sign.ts (Slack, Shopify, SendGrid, Discord, Zoom, Linear, Paddle, Teams, GitLab),
 * and test/verify/*.test.ts check those signatures against the providers' verifying libraries.
 */

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';
const stripeClient = new Stripe('sk_test_unused');
const seconds = (now: Date) => Math.floor(now.getTime() / 1000);
const text = (body: Buffer) => body.toString('utf8');
const bodyKey = (r: Received) => r.body.toString('base64');

/** cli/sign.ts for one preset, with the profile's secret (or a wrong one). */
async function cliSign(
  config: VerifierConfig,
  input: SignInput,
  secret: string,
  wrong: string,
  privateKeys: { right?: string; wrong?: string } = {},
): Promise<Signed> {
  const key = input.wrongKey ? privateKeys.wrong : privateKeys.right;
  const signed = await signRequest(
    config,
    { url: input.url, body: input.body, contentType: input.contentType },
    signingMaterial({ default: input.wrongKey ? wrong : secret }, key ? { default: key } : {}),
    input.now,
  );
  const headers = Object.entries(signed.headers).filter(([n]) => n !== 'content-type');
  return { headers, query: [], body: signed.body };
}

const GITHUB_SECRET = 'gh-fuzz-secret-Qm2vT8pL';
export const github: Profile = {
  name: 'github',
  source: () => WebhookSource.github(),
  secrets: { default: GITHUB_SECRET },
  secretValues: [GITHUB_SECRET],
  contentType: JSON_TYPE,
  payload: (nonce) => ({ json: { ref: 'refs/heads/main', after: nonce, repository: { full_name: 'octo/repo' } } }),
  async sign(input) {
    const key = input.wrongKey ? `wrong-${GITHUB_SECRET}` : GITHUB_SECRET;
    // octokit refuses to sign an empty payload (GitHub never sends one): HMAC it as GitHub documents.
    const signature =
      input.body.length > 0
        ? await octokitSign(key, text(input.body))
        : `sha256=${createHmac('sha256', key).digest('hex')}`;
    return {
      headers: [
        ['User-Agent', 'GitHub-Hookshot/fuzz'],
        ['X-GitHub-Event', 'push'],
        ['X-GitHub-Delivery', randomUUID()],
        ['X-Hub-Signature-256', signature],
      ],
      query: [],
      body: input.body,
    };
  },
  signatureHeaders: ['x-hub-signature-256'],
  validity: timeless,
  // GitHub signs the raw body only: X-GitHub-Event and X-GitHub-Delivery are unsigned labels.
  mustReject: classify('github', bodyKey, (r) => one(/^sha256=(.*)$/, r.one('x-hub-signature-256'), hexBytes)),
  dedupMaterial: bodyKey,
};

const STRIPE_SECRET = 'whsec_stripeFuzz9Kx3bW';
function stripeHeader(r: Received) {
  const items = (r.one('stripe-signature') ?? '').split(',').map((i) => {
    const eq = i.indexOf('=');
    return eq < 0 ? ['', ''] : [i.slice(0, eq).trim(), i.slice(eq + 1).trim()];
  });
  const t = items.filter(([k]) => k === 't').map(([, v]) => v!);
  return { t: t.length === 1 ? unixValue(t[0]) : undefined, v1: items.filter(([k]) => k === 'v1').map(([, v]) => v!) };
}
const stripeMaterial = (r: Received) => {
  const { t } = stripeHeader(r);
  return t === undefined ? undefined : `${t}.${bodyKey(r)}`;
};
export const stripe: Profile = {
  name: 'stripe',
  source: () => WebhookSource.stripe(),
  secrets: { default: STRIPE_SECRET },
  secretValues: [STRIPE_SECRET],
  contentType: JSON_TYPE,
  payload: (nonce) => ({
    json: {
      id: `evt_${nonce}`,
      object: 'event',
      type: 'payment_intent.succeeded',
      data: { object: { id: 'pi_1', amount: 2000 } },
    },
  }),
  async sign(input) {
    const header = stripeClient.webhooks.generateTestHeaderString({
      payload: text(input.body),
      secret: input.wrongKey ? 'whsec_not_this_endpoint' : STRIPE_SECRET,
      timestamp: seconds(input.now),
    });
    return { headers: [['Stripe-Signature', header]], query: [], body: input.body };
  },
  signatureHeaders: ['stripe-signature'],
  validity: within(300),
  // Stripe signs "{t}.{body}"; any v1 in the header may carry the signature.
  mustReject: classify('stripe', stripeMaterial, (r) => stripeHeader(r).v1.map(hexBytes).filter(defined)),
  dedupMaterial: stripeMaterial,
};

/** Standard Webhooks and Svix: headers read under the first prefix that has them, as the svix library does. */
function standardProfile(scheme: 'standardWebhooks' | 'svix', prefixes: readonly string[]): Profile {
  const name = scheme === 'svix' ? 'svix' : 'standard-webhooks';
  const secret = whsec();
  const other = whsec();
  const Signer = scheme === 'svix' ? SvixWebhook : StandardWebhook;
  const header = (r: Received, suffix: string): string | undefined | null => {
    for (const p of prefixes) {
      if (!r.has(p + suffix)) continue;
      const v = r.one(p + suffix);
      if (v === undefined) return null; // ambiguous
      if (v !== '') return v;
    }
    return undefined;
  };
  const material = (r: Received) => {
    const id = header(r, 'id');
    const ts = unixValue(header(r, 'timestamp') ?? undefined);
    return id && ts ? `${id}.${ts}.${bodyKey(r)}` : undefined;
  };
  const prefix = prefixes[0]!;
  return {
    name,
    source: () => (scheme === 'svix' ? WebhookSource.svix() : WebhookSource.standardWebhooks()),
    secrets: { default: secret },
    secretValues: [secret],
    contentType: JSON_TYPE,
    payload: (nonce, now) => ({ json: { type: 'invoice.paid', timestamp: now.toISOString(), data: { id: nonce } } }),
    async sign(input) {
      const id = `msg_${input.nonce}`;
      const signature = new Signer(input.wrongKey ? other : secret).sign(id, input.now, text(input.body));
      return {
        headers: [
          [`${prefix}id`, id],
          [`${prefix}timestamp`, String(seconds(input.now))],
          [`${prefix}signature`, signature],
        ],
        query: [],
        body: input.body,
      };
    },
    signatureHeaders: [`${prefix}signature`],
    validity: within(300),
    // Signs "{id}.{timestamp}.{body}"; the signature header is a space-separated list of
    // "v1,<base64>" (the libraries read the text between the first and second comma as the signature).
    mustReject: classify(name, material, (r) => {
      const list = header(r, 'signature');
      if (!list) return undefined;
      return list
        .split(/\s+/)
        .map((e) => e.split(','))
        .filter(([version]) => version === 'v1')
        .map(([, signature]) => base64Bytes(signature))
        .filter(defined);
    }),
    dedupMaterial: material,
  };
}
export const standardWebhooks = standardProfile('standardWebhooks', ['webhook-']);
export const svix = standardProfile('svix', ['svix-', 'webhook-']);

const SLACK_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
function slackProfile(name: string, format: 'json' | 'form'): Profile {
  const material = (r: Received) => {
    const ts = unixValue(r.one('x-slack-request-timestamp'));
    return ts === undefined ? undefined : `v0:${ts}:${bodyKey(r)}`;
  };
  const config: VerifierConfig = { type: 'slack' };
  return {
    name,
    source: () => WebhookSource.slack(),
    secrets: { default: SLACK_SECRET },
    secretValues: [SLACK_SECRET],
    contentType: format === 'json' ? JSON_TYPE : FORM_TYPE,
    payload: (nonce): Payload =>
      format === 'json'
        ? {
            json: {
              token: 'XXYYZZ',
              team_id: 'T1',
              event: { type: 'app_mention', user: 'U1', text: 'hi' },
              type: 'event_callback',
              event_id: `Ev${nonce}`,
            },
          }
        : // Interactivity: the JSON travels in the `payload` form field.
          { form: [['payload', JSON.stringify({ type: 'block_actions', trigger_id: nonce, user: { id: 'U1' } })]] },
    ...(format === 'json' && {
      handshakes: {
        url_verification: (nonce: string) => ({
          json: { token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl', challenge: `challenge-${nonce}`, type: 'url_verification' },
        }),
      },
    }),
    sign: (input) => cliSign(config, input, SLACK_SECRET, `wrong-${SLACK_SECRET}`),
    signatureHeaders: ['x-slack-signature'],
    validity: within(300),
    // Slack signs "v0:{timestamp}:{body}", the raw body whatever its content type.
    mustReject: classify(name, material, (r) => one(/^v0=(.*)$/, r.one('x-slack-signature'), hexBytes)),
    dedupMaterial: material,
  };
}
export const slackJson = slackProfile('slack', 'json');
export const slackForm = slackProfile('slack-form', 'form');

const SHOPIFY_SECRET = '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';
export const shopify: Profile = {
  name: 'shopify',
  source: () => WebhookSource.shopify(),
  secrets: { default: SHOPIFY_SECRET },
  secretValues: [SHOPIFY_SECRET],
  contentType: JSON_TYPE,
  payload: (nonce) => ({ json: { id: 820982911946154500, email: 'jon@example.com', note: nonce } }),
  sign: (input) => cliSign({ type: 'shopify' }, input, SHOPIFY_SECRET, `wrong-${SHOPIFY_SECRET}`),
  signatureHeaders: ['x-shopify-hmac-sha256'],
  validity: timeless,
  // Shopify signs the raw body; topic, shop domain and webhook id are unsigned (but required).
  mustReject: classify('shopify', bodyKey, (r) => {
    const prefix = r.has('shopify-hmac-sha256') ? 'shopify-' : 'x-shopify-';
    return one(/^(.*)$/, r.one(`${prefix}hmac-sha256`), base64Bytes);
  }),
  dedupMaterial: bodyKey,
};

const TWILIO_TOKEN = '12345678901234567890123456789012';
/**
 * The URL as twilio's validateRequest compares it: normalized, and without its port (it tries the
 * URL with the port removed, whatever the port, and with the default one added), so the port is
 * not part of what Twilio authenticates.
 */
function twilioUrl(url: string): string {
  try {
    const u = new URL(url);
    u.port = '';
    return u.toString();
  } catch {
    return url;
  }
}
/**
 * Twilio signs the form parameters sorted by name, each name's distinct values sorted (twilio's
 * toFormUrlEncodedParam), as the receiver parsed them: its reference stack (express, whose
 * body-parser decodes with iconv-lite) drops a leading UTF-8 BOM before parsing, as the gateway does.
 */
function twilioParams(body: Buffer): string {
  const form = body.toString('utf8').replace(/^\uFEFF/, '');
  const byName = new Map<string, Set<string>>();
  for (const [k, v] of new URLSearchParams(form)) byName.set(k, (byName.get(k) ?? new Set()).add(v));
  return [...byName.keys()]
    .sort()
    .flatMap((k) => [...byName.get(k)!].sort().map((v) => k + v))
    .join('');
}
function twilioMaterial(r: Received): string | undefined {
  const url = twilioUrl(r.url);
  const bodyHash = new URL(r.url).searchParams.get('bodySHA256');
  // JSON: the URL carries bodySHA256 and is signed alone; the body must hash to it.
  if (bodyHash !== null) return `${url}\n#${sha256(r.body)}`;
  if (r.mediaType === FORM_TYPE) return `${url}\n${twilioParams(r.body)}`;
  return r.body.length === 0 ? `${url}\n` : undefined;
}
function twilioProfile(name: string, format: 'form' | 'json'): Profile {
  return {
    name,
    source: () => WebhookSource.twilio(),
    secrets: { default: TWILIO_TOKEN },
    secretValues: [TWILIO_TOKEN],
    contentType: format === 'form' ? FORM_TYPE : JSON_TYPE,
    payload: (nonce): Payload =>
      format === 'form'
        ? {
            form: [
              ['CallSid', `CA${nonce}`],
              ['From', '+14158675309'],
              ['To', '+18005551212'],
              ['Body', 'Grüße & more = ok?'],
            ],
          }
        : { json: { AccountSid: 'AC123', Status: 'delivered', Sid: nonce } },
    async sign(input) {
      const token = input.wrongKey ? `9${TWILIO_TOKEN.slice(1)}` : TWILIO_TOKEN;
      const query: [string, string][] =
        format === 'json' ? [['bodySHA256', twilio.getExpectedBodyHash(text(input.body))]] : [];
      const url = query.length === 0 ? input.url : `${input.url}?${query.map(([k, v]) => `${k}=${v}`).join('&')}`;
      const params: Record<string, string | string[]> = {};
      if (format === 'form') {
        for (const [k, v] of new URLSearchParams(text(input.body))) {
          const prev = params[k];
          params[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
        }
      }
      const signature = twilio.getExpectedTwilioSignature(token, url, params);
      return {
        headers: [
          ['X-Twilio-Signature', signature],
          ['I-Twilio-Idempotency-Token', randomUUID()],
        ],
        query,
        body: input.body,
      };
    },
    signatureHeaders: ['x-twilio-signature'],
    validity: timeless,
    // Twilio signs the URL and the form parameters, not the body's bytes; I-Twilio-Idempotency-Token is unsigned.
    mustReject: classify(name, twilioMaterial, (r) => one(/^(.*)$/, r.one('x-twilio-signature'), base64Bytes)),
    dedupMaterial: twilioMaterial,
  };
}
export const twilioForm = twilioProfile('twilio', 'form');
export const twilioJson = twilioProfile('twilio-json', 'json');

/** SendGrid and Discord: "{timestamp}{body}" signed with a private key; the gateway holds the public key. */
function publicKeyProfile(name: 'sendgrid' | 'discord'): Profile {
  const pair = name === 'sendgrid' ? p256Pair('der') : ed25519Pair();
  const other = name === 'sendgrid' ? p256Pair('der') : ed25519Pair();
  const [sigHeader, tsHeader] =
    name === 'sendgrid'
      ? ['x-twilio-email-event-webhook-signature', 'x-twilio-email-event-webhook-timestamp']
      : ['x-signature-ed25519', 'x-signature-timestamp'];
  const material = (r: Received) => {
    const ts = unixValue(r.one(tsHeader));
    return ts === undefined ? undefined : `${ts}|${bodyKey(r)}`;
  };
  const decode = name === 'sendgrid' ? base64Bytes : hexBytes;
  return {
    name,
    source: () => (name === 'sendgrid' ? WebhookSource.sendgrid() : WebhookSource.discord()),
    secrets: { default: { publicKey: pair.publicKey } },
    // The public key is not a secret; the private keys never reach the gateway.
    secretValues: [pemBody(pair.privateKeyPem), pemBody(other.privateKeyPem)],
    contentType: JSON_TYPE,
    payload: (nonce, now): Payload =>
      name === 'sendgrid'
        ? { json: [{ email: 'a@example.com', event: 'delivered', sg_event_id: nonce, timestamp: seconds(now) }] }
        : {
            json: {
              id: nonce,
              application_id: '1170000000000000000',
              type: 2,
              token: 'tok',
              version: 1,
              data: { name: 'deploy' },
            },
          },
    ...(name === 'discord' && {
      handshakes: {
        ping: (nonce: string) => ({ json: { id: nonce, application_id: '1170000000000000000', type: 1, version: 1 } }),
      },
    }),
    sign: (input) => cliSign({ type: name }, input, '', '', { right: pair.privateKeyPem, wrong: other.privateKeyPem }),
    signatureHeaders: [sigHeader],
    validity: within(300),
    mustReject: classify(name, material, (r) => one(/^(.*)$/, r.one(sigHeader), decode)),
    dedupMaterial: material,
  };
}
export const sendgrid = publicKeyProfile('sendgrid');
export const discord = publicKeyProfile('discord');

const ZOOM_SECRET = 'zoom-secret-token-AbC123xyz';
const zoomMaterial = (r: Received) => {
  const ts = unixValue(r.one('x-zm-request-timestamp'));
  return ts === undefined ? undefined : `v0:${ts}:${bodyKey(r)}`;
};
export const zoom: Profile = {
  name: 'zoom',
  source: () => WebhookSource.zoom(),
  secrets: { default: ZOOM_SECRET },
  secretValues: [ZOOM_SECRET],
  contentType: JSON_TYPE,
  payload: (nonce, now) => ({
    json: { event: 'meeting.started', event_ts: now.getTime(), payload: { account_id: 'acct', object: { id: nonce } } },
  }),
  handshakes: {
    url_validation: (nonce, now) => ({
      json: {
        event: 'endpoint.url_validation',
        event_ts: now.getTime(),
        payload: { plainToken: `pt${nonce.replace(/[^A-Za-z0-9]/g, '')}` },
      },
    }),
  },
  sign: (input) => cliSign({ type: 'zoom' }, input, ZOOM_SECRET, `wrong-${ZOOM_SECRET}`),
  signatureHeaders: ['x-zm-signature'],
  validity: within(300),
  mustReject: classify('zoom', zoomMaterial, (r) => one(/^v0=(.*)$/, r.one('x-zm-signature'), hexBytes)),
  dedupMaterial: zoomMaterial,
};

const LINEAR_SECRET = 'lin_wh_0123456789abcdefFuzz';
export const linear: Profile = {
  name: 'linear',
  source: () => WebhookSource.linear(),
  secrets: { default: LINEAR_SECRET },
  secretValues: [LINEAR_SECRET],
  contentType: JSON_TYPE,
  // webhookTimestamp (ms) is the signed timestamp, inside the body; cli/sign.ts sets it to the signing time.
  payload: (nonce, now) => ({
    json: { action: 'create', type: 'Issue', data: { id: nonce, title: 'Bug' }, webhookTimestamp: now.getTime() },
  }),
  sign: (input) => cliSign({ type: 'linear' }, input, LINEAR_SECRET, `wrong-${LINEAR_SECRET}`),
  signatureHeaders: ['linear-signature'],
  validity: within(60),
  // Linear signs the raw body; Linear-Delivery and Linear-Event are unsigned.
  mustReject: classify('linear', bodyKey, (r) => one(/^(.*)$/, r.one('linear-signature'), hexBytes)),
  dedupMaterial: bodyKey,
};

const PADDLE_SECRET = 'pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7_fuzzSi9YCD3OLYAShQI90XTI5vEI';
function paddleHeader(r: Received) {
  const parts = (r.one('paddle-signature') ?? '').split(';').map((p) => {
    const eq = p.indexOf('=');
    return eq < 0 ? ['', ''] : [p.slice(0, eq).trim(), p.slice(eq + 1).trim()];
  });
  const ts = parts.filter(([k]) => k === 'ts').map(([, v]) => v!);
  return {
    ts: ts.length === 1 ? unixValue(ts[0]) : undefined,
    h1: parts.filter(([k]) => k === 'h1').map(([, v]) => v!),
  };
}
const paddleMaterial = (r: Received) => {
  const { ts } = paddleHeader(r);
  return ts === undefined ? undefined : `${ts}:${bodyKey(r)}`;
};
export const paddle: Profile = {
  name: 'paddle',
  source: () => WebhookSource.paddle(),
  secrets: { default: PADDLE_SECRET },
  secretValues: [PADDLE_SECRET],
  contentType: JSON_TYPE,
  payload: (nonce) => ({
    json: {
      event_id: `evt_${nonce}`,
      event_type: 'transaction.completed',
      notification_id: `ntf_${nonce}`,
      data: { id: 'txn_1' },
    },
  }),
  sign: (input) => cliSign({ type: 'paddle' }, input, PADDLE_SECRET, `wrong-${PADDLE_SECRET}`),
  signatureHeaders: ['paddle-signature'],
  validity: within(5),
  mustReject: classify('paddle', paddleMaterial, (r) => paddleHeader(r).h1.map(hexBytes).filter(defined)),
  dedupMaterial: paddleMaterial,
};

const TEAMS_TOKEN = 'q3Jm0nV9y8S1kP4dW6zT2bR7xH5cL0aE9fG1iK3mN8o=';
export const msTeams: Profile = {
  name: 'msteams',
  source: () => WebhookSource.msTeams(),
  secrets: { default: TEAMS_TOKEN },
  secretValues: [TEAMS_TOKEN],
  contentType: JSON_TYPE,
  payload: (nonce) => ({ json: { type: 'message', id: nonce, text: '<at>Bot</at> deploy', from: { id: '29:1' } } }),
  sign: (input) => cliSign({ type: 'msTeams' }, input, TEAMS_TOKEN, 'A'.repeat(43) + '='),
  signatureHeaders: ['authorization'],
  validity: timeless,
  mustReject: classify('msteams', bodyKey, (r) => one(/^HMAC\s+(\S+)$/i, r.one('authorization'), base64Bytes)),
  dedupMaterial: bodyKey,
};

const GITLAB_TOKEN = 'glwt-4f2c1b6e9dFuzz';
export const gitlab: Profile = {
  name: 'gitlab',
  source: () => WebhookSource.gitlab(),
  secrets: { default: GITLAB_TOKEN },
  secretValues: [GITLAB_TOKEN],
  contentType: JSON_TYPE,
  payload: (nonce) => ({ json: { object_kind: 'push', ref: 'refs/heads/main', after: nonce } }),
  sign: (input) => cliSign({ type: 'gitlab' }, input, GITLAB_TOKEN, `wrong-${GITLAB_TOKEN}`),
  signatureHeaders: ['x-gitlab-token'],
  validity: timeless,
  // GitLab signs nothing: the token is a static credential, the body and every other header are unsigned.
  mustReject: classify(
    'gitlab',
    () => '',
    (r) => one(/^(.*)$/, r.one('x-gitlab-token'), (v) => v),
  ),
};

export const PRESET_PROFILES: readonly Profile[] = [
  github,
  stripe,
  standardWebhooks,
  svix,
  slackJson,
  slackForm,
  shopify,
  twilioForm,
  twilioJson,
  sendgrid,
  discord,
  zoom,
  linear,
  paddle,
  msTeams,
  gitlab,
];

/** The decoded credential in a header value matching `pattern` (group 1), as a one-element list. */
export function one(
  pattern: RegExp,
  value: string | undefined,
  decode: (text: string | undefined) => string | undefined,
): string[] | undefined {
  const match = value === undefined ? undefined : pattern.exec(value.trim())?.[1];
  const decoded = decode(match);
  return decoded === undefined ? undefined : [decoded];
}

export function defined<T>(value: T | undefined): value is T {
  return value !== undefined;
}
