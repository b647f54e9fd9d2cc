import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { NodeRuntime, Webhooks as PaddleWebhooks } from '@paddle/paddle-node-sdk';
import { verifySlackRequest } from '@slack/bolt';
import { verifyKey } from 'discord-interactions';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { parseBody } from '../../lambdas/core/body';
import type { VerifierConfig } from '../../lambdas/core/config/verifier';
import { MAX_JSON_DEPTH } from '../../lambdas/core/http/json';
import { inbound, verifyAndShake, type RequestInit, type SecretsInit } from '../helpers/verify';

// Every reader of a body (a verifier's delivery id and event type, a handshake, the parsed input)
// sees the same text: a leading UTF-8 byte order mark is ignored by all of them, while the
// signature covers the bytes as sent, BOM included.

const BOM = '\uFEFF';
const now = new Date('2026-03-01T12:00:00Z');
const nowSeconds = now.getTime() / 1000;
const JSON_TYPE = { 'Content-Type': 'application/json' };

interface Provider {
  readonly config: VerifierConfig;
  readonly secrets: SecretsInit;
  readonly now: Date;
  readonly body: string;
  /** Headers signing exactly these bytes, cross-checked with the provider's own library where it has one. */
  sign(body: string): Promise<Record<string, string>>;
}

const stripe = new Stripe('sk_test_unused');
const stripeSecret = 'whsec_test_3f6b8c0e2d4a';

const discordKeys = generateKeyPairSync('ed25519');
const discordPublicKey = Buffer.from(discordKeys.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('hex');
async function discordHeaders(body: string) {
  const ts = String(nowSeconds);
  const signature = sign(null, Buffer.from(ts + body), discordKeys.privateKey).toString('hex');
  expect(await verifyKey(body, signature, ts, discordPublicKey)).toBe(true);
  return { ...JSON_TYPE, 'X-Signature-Ed25519': signature, 'X-Signature-Timestamp': ts };
}

NodeRuntime.initialize();
const paddleSecret = 'pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7_6h3qd3uFSi9YCD3OLYAShQI90XTI5vEI';
const teamsToken = randomBytes(32).toString('base64');

const providers: Record<string, Provider> = {
  stripe: {
    config: { type: 'stripe' },
    secrets: stripeSecret,
    now,
    body: JSON.stringify({ id: 'evt_1NG8Du2eZvKYlo2CUI79vXWy', object: 'event', type: 'invoice.paid', data: {} }),
    sign: async (payload) => ({
      ...JSON_TYPE,
      'Stripe-Signature': stripe.webhooks.generateTestHeaderString({
        payload,
        secret: stripeSecret,
        timestamp: nowSeconds,
      }),
    }),
  },
  discord: {
    config: { type: 'discord' },
    secrets: { default: { publicKey: discordPublicKey } },
    now,
    body: JSON.stringify({ id: '1180000000000000001', application_id: '1170', type: 2, token: 't', version: 1 }),
    sign: discordHeaders,
  },
  paddle: {
    config: { type: 'paddle' },
    secrets: paddleSecret,
    // The SDK checks ts against the real clock.
    now: new Date(),
    body: JSON.stringify({
      event_id: 'evt_01h8bzakzx3hm2fmen703n5q45',
      event_type: 'transaction.completed',
      notification_id: 'ntf_01h8bzam1z32agrxjwhjgqk8w6',
      data: { id: 'txn_01h8bz' },
    }),
    sign: async (body) => {
      const ts = Math.floor(Date.now() / 1000);
      const h1 = createHmac('sha256', paddleSecret).update(`${ts}:${body}`).digest('hex');
      const header = `ts=${ts};h1=${h1}`;
      expect(await new PaddleWebhooks().isSignatureValid(body, paddleSecret, header)).toBe(true);
      return { ...JSON_TYPE, 'Paddle-Signature': header };
    },
  },
  msTeams: {
    config: { type: 'msTeams' },
    secrets: teamsToken,
    now,
    body: JSON.stringify({ type: 'message', id: '1485983408511', text: '<at>Bot</at> deploy' }),
    // Microsoft ships no npm library for outgoing webhooks: signed as its docs show.
    sign: async (body) => ({
      ...JSON_TYPE,
      Authorization: `HMAC ${createHmac('sha256', Buffer.from(teamsToken, 'base64')).update(body).digest('base64')}`,
    }),
  },
};

describe('a body with a UTF-8 byte order mark', () => {
  for (const [name, provider] of Object.entries(providers)) {
    it(`${name}: gets the same delivery id, event type and input with and without a BOM`, async () => {
      const plain: RequestInit = { headers: await provider.sign(provider.body), body: provider.body };
      const marked: RequestInit = { headers: await provider.sign(BOM + provider.body), body: BOM + provider.body };
      const a = await verifyAndShake(provider.config, plain, provider.secrets, provider.now);
      const b = await verifyAndShake(provider.config, marked, provider.secrets, provider.now);
      expect(a.verdict).toMatchObject({ ok: true, deliveryIdSource: 'provider' });
      expect(b.verdict).toEqual(a.verdict);
      const input = JSON.parse(provider.body) as unknown;
      expect(parseBody(inbound(plain))).toEqual({ ok: true, input, format: 'json' });
      expect(parseBody(inbound(marked))).toEqual({ ok: true, input, format: 'json' });
    });
  }

  it('stripe: the signature still covers the BOM, so one added after signing does not verify', async () => {
    const { stripe: p } = providers;
    const init = { headers: await p!.sign(p!.body), body: BOM + p!.body };
    expect((await verifyAndShake(p!.config, init, p!.secrets, now)).verdict).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('slack: a signed url_verification with a BOM is answered as the handshake, as Bolt verifies it', async () => {
    const secret = '8f742231b10e8888abcd99yyyzzz85a5';
    const body = `${BOM}${JSON.stringify({ token: 't', challenge: 'chal-123', type: 'url_verification' })}`;
    const signature = `v0=${createHmac('sha256', secret).update(`v0:${nowSeconds}:${body}`).digest('hex')}`;
    verifySlackRequest({
      signingSecret: secret,
      body,
      headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': nowSeconds },
      nowMilliseconds: now.getTime(),
    });
    const headers = { ...JSON_TYPE, 'X-Slack-Signature': signature, 'X-Slack-Request-Timestamp': String(nowSeconds) };
    const { verdict, handshake } = await verifyAndShake({ type: 'slack' }, { headers, body }, secret, now);
    expect(verdict).toMatchObject({ ok: true, eventType: 'url_verification' });
    expect(handshake).toEqual({ statusCode: 200, contentType: 'application/json', body: '{"challenge":"chal-123"}' });
  });

  it('discord: a signed PING with a BOM is answered with PONG', async () => {
    const body = `${BOM}${JSON.stringify({ id: '1180000000000000002', application_id: '1170', type: 1, version: 1 })}`;
    const init = { headers: await discordHeaders(body), body };
    const { verdict, handshake } = await verifyAndShake({ type: 'discord' }, init, providers.discord!.secrets, now);
    expect(verdict).toMatchObject({ ok: true, eventType: '1' });
    expect(handshake).toMatchObject({ statusCode: 200, body: '{"type":1}' });
  });
});

describe('a body nested deeper than the limit', () => {
  const deep = (body: string) => body.replace(/}$/, `,"x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`);

  for (const [name, provider] of Object.entries(providers)) {
    it(`${name}: verifies without throwing, then the body is refused`, async () => {
      const body = deep(provider.body);
      const init = { headers: await provider.sign(body), body };
      const { verdict, handshake } = await verifyAndShake(provider.config, init, provider.secrets, provider.now);
      expect(verdict).toMatchObject({ ok: true });
      expect(handshake).toBeUndefined();
      expect(parseBody(inbound(init))).toMatchObject({ ok: false, status: 400, reason: 'body_too_deep' });
    });
  }

  it(`slack: a url_verification nested deeper than ${MAX_JSON_DEPTH} levels is not answered`, async () => {
    const secret = 'slack-secret';
    const body = deep(JSON.stringify({ challenge: 'c', type: 'url_verification' }));
    const signature = `v0=${createHmac('sha256', secret).update(`v0:${nowSeconds}:${body}`).digest('hex')}`;
    const headers = { ...JSON_TYPE, 'X-Slack-Signature': signature, 'X-Slack-Request-Timestamp': String(nowSeconds) };
    const { verdict, handshake } = await verifyAndShake({ type: 'slack' }, { headers, body }, secret, now);
    expect(verdict).toMatchObject({ ok: true });
    expect(handshake).toBeUndefined();
  });
});
