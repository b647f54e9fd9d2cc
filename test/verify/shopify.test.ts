import '@shopify/shopify-api/adapters/web-api';
import { createHmac } from 'node:crypto';
import { ApiVersion, LogSeverity, shopifyApi } from '@shopify/shopify-api';
import { describe, expect, it } from 'vitest';
import type { VerifierConfig } from '../../lambdas/core/config/verifier';
import { accepted, prettyPrinted, tampered, verify } from '../helpers/verify';

const config: VerifierConfig = { type: 'shopify' };
const secret = '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';
const order = JSON.stringify({
  id: 820982911946154500,
  email: 'jon@example.com',
  total_price: '403.00',
  note: 'Grüße',
});

// Shopify's library only validates: requests are signed here with Shopify's documented algorithm
// (base64 HMAC-SHA256 of the raw body) and the library must accept each signed fixture too.
const shopify = shopifyApi({
  apiKey: 'unused',
  apiSecretKey: secret,
  hostName: 'webhooks.example.com',
  apiVersion: ApiVersion.October25,
  isEmbeddedApp: false,
  logger: { level: LogSeverity.Error },
});

function sign(body: string, key = secret): string {
  return createHmac('sha256', key).update(body).digest('base64');
}

function webhookHeaders(body: string, key = secret): Record<string, string> {
  return {
    'X-Shopify-Hmac-Sha256': sign(body, key),
    'X-Shopify-Topic': 'orders/create',
    'X-Shopify-Shop-Domain': 'example.myshopify.com',
    'X-Shopify-API-Version': '2025-10',
    'X-Shopify-Webhook-Id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
    'X-Shopify-Triggered-At': '2026-03-01T12:00:00.000Z',
    'X-Shopify-Event-Id': '98880550-7158-44d4-b7cd-2c97c8a091b5',
    'Content-Type': 'application/json',
  };
}

function eventsHeaders(body: string): Record<string, string> {
  return {
    'Shopify-Hmac-Sha256': sign(body),
    'Shopify-Topic': 'orders/create',
    'Shopify-Shop-Domain': 'example.myshopify.com',
    'Shopify-API-Version': '2025-10',
    'Shopify-Webhook-Id': 'c3c2a1b0-1111-4222-8333-944455556666',
    'Shopify-Event-Id': 'e0e1e2e3-7158-44d4-b7cd-2c97c8a091b5',
    'Content-Type': 'application/json',
  };
}

async function libraryResult(body: string, headers: Record<string, string>) {
  const rawRequest = new Request('https://webhooks.example.com/webhooks/shopify', { method: 'POST', headers, body });
  return shopify.webhooks.validate({ rawBody: body, rawRequest });
}

describe('shopify preset', () => {
  it('accepts a webhook signed as Shopify documents it, which @shopify/shopify-api accepts too', async () => {
    const headers = webhookHeaders(order);
    expect(await libraryResult(order, headers)).toMatchObject({ valid: true, webhookType: 'webhooks' });
    expect(await verify(config, { headers, body: order }, secret)).toEqual({
      ok: true,
      scheme: 'shopify',
      deliveryId: 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
      deliveryIdSource: 'provider',
      dedupKey: expect.stringMatching(/^[0-9a-f]{64}$/),
      dedupKeySource: 'signed-hash',
      eventType: 'orders/create',
    });
  });

  it('dedups on the signed body: the webhook id header is only the label', async () => {
    const first = await accepted(config, { headers: webhookHeaders(order), body: order }, secret);
    const relabelled = { ...webhookHeaders(order), 'X-Shopify-Webhook-Id': 'another-id' };
    expect(await libraryResult(order, relabelled)).toMatchObject({ valid: true });
    expect(await accepted(config, { headers: relabelled, body: order }, secret)).toMatchObject({
      deliveryId: 'another-id',
      dedupKey: first.dedupKey,
    });
    const other = JSON.stringify({ id: 1, email: 'other@example.com' });
    expect((await accepted(config, { headers: webhookHeaders(other), body: other }, secret)).dedupKey).not.toBe(
      first.dedupKey,
    );
  });

  it('accepts a Shopify Events delivery (headers without X-), as the library does', async () => {
    const headers = eventsHeaders(order);
    expect(await libraryResult(order, headers)).toMatchObject({ valid: true, webhookType: 'events' });
    expect(await verify(config, { headers, body: order }, secret)).toMatchObject({
      ok: true,
      deliveryId: 'c3c2a1b0-1111-4222-8333-944455556666',
      eventType: 'orders/create',
    });
  });

  it('accepts any active secret while rotating, and not an expired one', async () => {
    const init = { headers: webhookHeaders(order, 'shpss_old'), body: order };
    const rotating = { values: [{ value: secret }, { value: 'shpss_old', expiresAt: '2999-01-01T00:00:00Z' }] };
    expect(await verify(config, init, { default: rotating })).toMatchObject({ ok: true });
    const expired = { values: [{ value: secret }, { value: 'shpss_old', expiresAt: '2000-01-01T00:00:00Z' }] };
    expect(await verify(config, init, { default: expired })).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('fails if one byte of the body changed', async () => {
    const body = tampered(order);
    expect(await libraryResult(body, webhookHeaders(order))).toMatchObject({ valid: false });
    expect(await verify(config, { headers: webhookHeaders(order), body }, secret)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if the JSON is pretty-printed with the original signature', async () => {
    expect(await verify(config, { headers: webhookHeaders(order), body: prettyPrinted(order) }, secret)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails with the wrong secret', async () => {
    expect(await verify(config, { headers: webhookHeaders(order, 'shpss_other'), body: order }, secret)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if any header the library requires is missing, like the library', async () => {
    const required = [
      'X-Shopify-Hmac-Sha256',
      'X-Shopify-Topic',
      'X-Shopify-Shop-Domain',
      'X-Shopify-API-Version',
      'X-Shopify-Webhook-Id',
    ];
    for (const name of required) {
      const headers = webhookHeaders(order);
      delete headers[name];
      expect(await libraryResult(order, headers), name).toMatchObject({ valid: false });
      expect(await verify(config, { headers, body: order }, secret), name).toMatchObject({
        ok: false,
        reason: 'missing_header',
      });
    }
    const headers = eventsHeaders(order);
    delete headers['Shopify-Event-Id'];
    expect(await libraryResult(order, headers)).toMatchObject({ valid: false, reason: 'missing_headers' });
    expect(await verify(config, { headers, body: order }, secret)).toMatchObject({
      ok: false,
      reason: 'missing_header',
    });
  });

  it('fails on a malformed signature header', async () => {
    const good = sign(order);
    for (const bad of [Buffer.from(good, 'base64').toString('hex'), good.slice(0, -4), 'sha256=' + good, '%%%%']) {
      const headers = { ...webhookHeaders(order), 'X-Shopify-Hmac-Sha256': bad };
      expect(await verify(config, { headers, body: order }, secret), bad).toMatchObject({
        ok: false,
        reason: 'malformed_header',
      });
    }
  });

  it('fails on an empty body, as the library does', async () => {
    const headers = webhookHeaders('');
    expect(await libraryResult('', headers)).toMatchObject({ valid: false, reason: 'missing_body' });
    expect(await verify(config, { headers, body: '' }, secret)).toMatchObject({ ok: false, reason: 'malformed_body' });
  });

  it('fails closed when no secret is set', async () => {
    for (const empty of ['', { values: [] }]) {
      expect(await verify(config, { headers: webhookHeaders(order), body: order }, { default: empty })).toMatchObject({
        ok: false,
        reason: 'secret_not_set',
      });
    }
  });
});
