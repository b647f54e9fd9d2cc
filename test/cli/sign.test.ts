import { generateKeyPairSync } from 'node:crypto';
import { verify as octokitVerify } from '@octokit/webhooks-methods';
import { LinearWebhookClient } from '@linear/sdk/webhooks';
import { NodeRuntime, Webhooks as PaddleWebhooks } from '@paddle/paddle-node-sdk';
import { EventWebhook } from '@sendgrid/eventwebhook';
import { verifySlackRequest } from '@slack/bolt';
import { verifyKey } from 'discord-interactions';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { Webhook as SvixWebhook } from 'svix';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { signRequest, twilioJsonUrl, urlWithApiKey, type SigningMaterial } from '../../cli/sign';
import type { VerifierConfig } from '../../lambdas/core/config/verifier';
import { verify } from '../helpers/verify';

const url = 'https://abc123.execute-api.us-east-1.amazonaws.com/v1/webhooks/test';
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

function material(values: Record<string, string>, privateKeys: Record<string, string> = {}): SigningMaterial {
  return { secret: (ref) => values[ref], privateKey: (ref) => privateKeys[ref] };
}

async function signAndVerify(
  config: VerifierConfig,
  body: Buffer,
  keys: SigningMaterial,
  secrets: Record<string, unknown>,
  opts: { url?: string; contentType?: string } = {},
) {
  const signed = await signRequest(
    config,
    { url: opts.url ?? url, body, contentType: opts.contentType ?? 'application/json' },
    keys,
  );
  const verdict = await verify(config, { url: opts.url ?? url, headers: signed.headers, body: signed.body }, secrets);
  return { ...signed, verdict };
}

describe('signRequest (webhook-gateway send) signs as each provider does', () => {
  it('github — @octokit/webhooks-methods verifies it', async () => {
    const body = json({ zen: 'Design for failure.' });
    const { headers, verdict } = await signAndVerify({ type: 'github' }, body, material({ default: 's3cret' }), {
      default: 's3cret',
    });
    expect(await octokitVerify('s3cret', body.toString(), headers['x-hub-signature-256']!)).toBe(true);
    expect(verdict.ok).toBe(true);
  });

  it('stripe — stripe.webhooks.constructEvent verifies it', async () => {
    const secret = 'whsec_test_secret';
    const body = json({ id: 'evt_1', object: 'event', type: 'payment_intent.created' });
    const { headers, verdict } = await signAndVerify({ type: 'stripe' }, body, material({ default: secret }), {
      default: secret,
    });
    const event = new Stripe('sk_test_x').webhooks.constructEvent(
      body.toString(),
      headers['stripe-signature']!,
      secret,
    );
    expect(event.id).toBe('evt_1');
    expect(verdict).toMatchObject({ ok: true, deliveryId: 'evt_1' });
  });

  it('standardWebhooks and svix — their libraries verify it', async () => {
    const secret = 'whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
    const body = json({ type: 'user.created' });
    const std = await signAndVerify({ type: 'standardWebhooks' }, body, material({ default: secret }), {
      default: secret,
    });
    expect(new StandardWebhook(secret).verify(body.toString(), std.headers)).toEqual({ type: 'user.created' });
    expect(std.verdict.ok).toBe(true);
    const sx = await signAndVerify({ type: 'svix' }, body, material({ default: secret }), { default: secret });
    expect(new SvixWebhook(secret).verify(body.toString(), sx.headers)).toEqual({ type: 'user.created' });
    expect(sx.verdict.ok).toBe(true);
  });

  it('slack — Bolt verifySlackRequest accepts it', async () => {
    const body = json({ type: 'event_callback', event_id: 'Ev1', event: { type: 'app_mention' } });
    const { headers, verdict } = await signAndVerify({ type: 'slack' }, body, material({ default: 'slack-signing' }), {
      default: 'slack-signing',
    });
    expect(() =>
      verifySlackRequest({
        signingSecret: 'slack-signing',
        body: body.toString(),
        headers: {
          'x-slack-signature': headers['x-slack-signature']!,
          'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']),
        },
      }),
    ).not.toThrow();
    expect(verdict).toMatchObject({ ok: true, deliveryId: 'Ev1' });
  });

  it('twilio — twilio.validateRequest and validateRequestWithBody accept it', async () => {
    const form = Buffer.from('From=%2B15551234567&Body=Hello&To=%2B15557654321');
    const signed = await signAndVerify(
      { type: 'twilio' },
      form,
      material({ default: 'authtoken' }),
      { default: 'authtoken' },
      { contentType: 'application/x-www-form-urlencoded' },
    );
    const params = Object.fromEntries(new URLSearchParams(form.toString()));
    expect(twilio.validateRequest('authtoken', signed.headers['x-twilio-signature']!, url, params)).toBe(true);
    expect(signed.verdict.ok).toBe(true);

    const body = json({ event: 'call.completed' });
    const jsonUrl = twilioJsonUrl(url, body);
    const jsonSigned = await signAndVerify(
      { type: 'twilio' },
      body,
      material({ default: 'authtoken' }),
      { default: 'authtoken' },
      { url: jsonUrl },
    );
    expect(
      twilio.validateRequestWithBody('authtoken', jsonSigned.headers['x-twilio-signature']!, jsonUrl, body.toString()),
    ).toBe(true);
    expect(jsonSigned.verdict.ok).toBe(true);
  });

  it('sendgrid — @sendgrid/eventwebhook verifies the development key pair signature', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const publicKey = pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const body = json([{ email: 'a@example.com', event: 'delivered', sg_event_id: 'e1' }]);
    const keys = material({}, { default: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() });
    const { headers, verdict } = await signAndVerify({ type: 'sendgrid' }, body, keys, { default: { publicKey } });
    const ew = new EventWebhook();
    const ok = ew.verifySignature(
      ew.convertPublicKeyToECDSA(publicKey),
      body.toString(),
      headers['x-twilio-email-event-webhook-signature']!,
      headers['x-twilio-email-event-webhook-timestamp']!,
    );
    expect(ok).toBe(true);
    expect(verdict.ok).toBe(true);
  });

  it('discord — discord-interactions verifyKey accepts it', async () => {
    const pair = generateKeyPairSync('ed25519');
    const publicKey = pair.publicKey.export({ type: 'spki', format: 'der' }).subarray(-32).toString('hex');
    const body = json({ id: 'i1', type: 1 });
    const keys = material({}, { default: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() });
    const { headers, verdict } = await signAndVerify({ type: 'discord' }, body, keys, { default: { publicKey } });
    expect(await verifyKey(body, headers['x-signature-ed25519']!, headers['x-signature-timestamp']!, publicKey)).toBe(
      true,
    );
    expect(verdict).toMatchObject({ ok: true, deliveryId: 'i1' });
  });

  it('linear — the Linear SDK webhook client accepts it, with a fresh webhookTimestamp in the body', async () => {
    const body = json({ action: 'create', type: 'Issue', data: { id: 'x' }, webhookTimestamp: 1 });
    const signed = await signAndVerify({ type: 'linear' }, body, material({ default: 'lin_wh_s' }), {
      default: 'lin_wh_s',
    });
    expect(new LinearWebhookClient('lin_wh_s').verify(signed.body, signed.headers['linear-signature']!)).toBe(true);
    expect(JSON.parse(signed.body.toString()).webhookTimestamp).toBeGreaterThan(1);
    expect(signed.verdict.ok).toBe(true);
  });

  it('paddle — @paddle/paddle-node-sdk accepts it', async () => {
    NodeRuntime.initialize();
    const body = json({ notification_id: 'ntf_1', event_type: 'transaction.completed' });
    const { headers, verdict } = await signAndVerify({ type: 'paddle' }, body, material({ default: 'pdl_secret' }), {
      default: 'pdl_secret',
    });
    expect(
      await new PaddleWebhooks().isSignatureValid(body.toString(), 'pdl_secret', headers['paddle-signature']!),
    ).toBe(true);
    expect(verdict).toMatchObject({ ok: true, deliveryId: 'ntf_1' });
  });

  it('shopify, zoom, msTeams, gitlab and the generic schemes verify with our verifier', async () => {
    const teamsKey = Buffer.from('teams-security-token-bytes').toString('base64');
    const cases: [VerifierConfig, Record<string, string>][] = [
      [{ type: 'shopify' }, { default: 'shpss_x' }],
      [{ type: 'zoom' }, { default: 'zoom-secret' }],
      [{ type: 'msTeams' }, { default: teamsKey }],
      [{ type: 'gitlab' }, { default: 'glpat-token' }],
      [
        {
          type: 'hmac',
          header: 'X-Signature',
          algorithm: 'sha512',
          encoding: 'base64url',
          prefix: 'v1=',
          signedContent: '{timestamp}.{id}.{body}',
          timestampHeader: 'X-Timestamp',
          idHeader: 'X-Id',
        },
        { default: 'k' },
      ],
      [{ type: 'basicAuth', username: 'hooks' }, { default: 'pw' }],
      [{ type: 'apiKey', header: 'x-key' }, { default: 'key-1' }],
      [
        { type: 'jwt', algorithms: ['HS256'], issuer: 'sender', audience: 'gateway' },
        { default: 'a-long-enough-hs256-shared-secret-value' },
      ],
      [{ type: 'headerMatch', headers: { 'X-Env': 'prod' } }, {}],
      [
        {
          type: 'allOf',
          sources: [
            { type: 'apiKey', secret: 'apiKey' },
            { type: 'hmac', header: 'x-sig', algorithm: 'sha256', encoding: 'hex', signedContent: '{body}' },
          ],
        },
        { default: 'h', apiKey: 'k2' },
      ],
    ];
    for (const [config, values] of cases) {
      const { verdict } = await signAndVerify(config, json({ event: 'x' }), material(values), values);
      expect({ type: config.type, verdict }).toMatchObject({ type: config.type, verdict: { ok: true } });
    }
  });

  it('puts a query-parameter API key into the URL', async () => {
    const config: VerifierConfig = { type: 'apiKey', queryParameter: 'token' };
    const signedUrl = urlWithApiKey(config, url, material({ default: 'k' }));
    expect(new URL(signedUrl).searchParams.get('token')).toBe('k');
    const verdict = await verify(config, { url: signedUrl, body: '{}' }, 'k');
    expect(verdict.ok).toBe(true);
  });
});
