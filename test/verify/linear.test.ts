import { createHmac } from 'node:crypto';
import { LinearWebhookClient } from '@linear/sdk/webhooks';
import { describe, expect, it } from 'vitest';
import type { VerifierConfig } from '../../lambdas/core/config/verifier';
import { accepted, prettyPrinted, tampered, verify } from '../helpers/verify';

// @linear/sdk only verifies, so requests are signed here and the SDK's LinearWebhookClient must
// accept them too. The SDK checks webhookTimestamp against the real clock, so these tests use it.
const config: VerifierConfig = { type: 'linear' };
const secret = 'lin_wh_0123456789abcdef';
const client = new LinearWebhookClient(secret);

function payload(webhookTimestamp: unknown = Date.now(), extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    action: 'create',
    type: 'Issue',
    data: { id: '2174add1-f7c8-44e3-bbf3-2d60b5ea8bc9', title: 'Bug' },
    organizationId: 'org',
    webhookId: 'hook',
    webhookTimestamp,
    ...extra,
  });
}

function signedHeaders(body: string, key = secret) {
  return {
    'Linear-Signature': createHmac('sha256', key).update(body).digest('hex'),
    'Linear-Delivery': '234d1a4e-b617-4388-90fe-adc3633d6b72',
    'Linear-Event': 'Issue',
    'Content-Type': 'application/json',
  };
}

function linearAccepts(body: string, headers: Record<string, string>): boolean {
  try {
    return client.verify(Buffer.from(body), headers['Linear-Signature']!);
  } catch {
    return false;
  }
}

describe('linear preset', () => {
  it('accepts a request that @linear/sdk LinearWebhookClient accepts', async () => {
    const now = new Date();
    const body = payload(now.getTime());
    const headers = signedHeaders(body);
    expect(linearAccepts(body, headers)).toBe(true);
    expect(client.parseData(Buffer.from(body), headers['Linear-Signature'])).toMatchObject({ type: 'Issue' });
    expect(await verify(config, { headers, body }, secret, now)).toMatchObject({
      ok: true,
      scheme: 'linear',
      deliveryId: '234d1a4e-b617-4388-90fe-adc3633d6b72',
      deliveryIdSource: 'provider',
      eventType: 'Issue',
      timestamp: now,
    });
  });

  it('dedups on the signed body (with its webhookTimestamp): Linear-Delivery is only the label', async () => {
    const now = new Date();
    const body = payload(now.getTime());
    const first = await accepted(config, { headers: signedHeaders(body), body }, secret, now);
    expect(first.dedupKeySource).toBe('signed-hash');
    const relabelled = { ...signedHeaders(body), 'Linear-Delivery': 'another-delivery' };
    expect(linearAccepts(body, relabelled)).toBe(true);
    expect(await accepted(config, { headers: relabelled, body }, secret, now)).toMatchObject({
      deliveryId: 'another-delivery',
      dedupKey: first.dedupKey,
    });
    const resigned = payload(now.getTime() + 1);
    expect(
      (await accepted(config, { headers: signedHeaders(resigned), body: resigned }, secret, now)).dedupKey,
    ).not.toBe(first.dedupKey);
  });

  it('takes the event type from the body and a fallback id when the headers are absent', async () => {
    const body = payload(Date.now(), { type: 'Comment' });
    const headers: Record<string, string> = signedHeaders(body);
    delete headers['Linear-Delivery'];
    delete headers['Linear-Event'];
    const verdict = await verify(config, { headers, body }, secret);
    expect(verdict).toMatchObject({ ok: true, eventType: 'Comment', deliveryIdSource: 'fallback' });
  });

  it('trusts only webhookTimestamp in the body, not the Linear-Timestamp header', async () => {
    const now = new Date();
    const body = payload(now.getTime());
    const headers = { ...signedHeaders(body), 'Linear-Timestamp': String(now.getTime() - 3_600_000) };
    expect(await verify(config, { headers, body }, secret, now)).toMatchObject({ ok: true, timestamp: now });
  });

  it('accepts any active secret while rotating, and not an expired one', async () => {
    const body = payload();
    const headers = signedHeaders(body, 'old-secret');
    const rotating = { values: [{ value: 'new-secret' }, { value: 'old-secret', expiresAt: '2999-01-01T00:00:00Z' }] };
    expect(await verify(config, { headers, body }, { default: rotating })).toMatchObject({ ok: true });
    const expired = { values: [{ value: 'new-secret' }, { value: 'old-secret', expiresAt: '2000-01-01T00:00:00Z' }] };
    expect(await verify(config, { headers, body }, { default: expired })).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if one byte of the body changed', async () => {
    const body = payload();
    const headers = signedHeaders(body);
    expect(linearAccepts(tampered(body), headers)).toBe(false);
    expect(await verify(config, { headers, body: tampered(body) }, secret)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if the JSON is pretty-printed with the original signature', async () => {
    const body = payload();
    expect(await verify(config, { headers: signedHeaders(body), body: prettyPrinted(body) }, secret)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails with the wrong secret', async () => {
    const body = payload();
    expect(await verify(config, { headers: signedHeaders(body), body }, 'another')).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if the signature header is missing', async () => {
    const body = payload();
    const headers: Record<string, string> = signedHeaders(body);
    delete headers['Linear-Signature'];
    expect(await verify(config, { headers, body }, secret)).toMatchObject({ ok: false, reason: 'missing_header' });
  });

  it('fails on a malformed signature header', async () => {
    const body = payload();
    const hex = signedHeaders(body)['Linear-Signature'];
    for (const bad of [hex.slice(1), `sha256=${hex}`, Buffer.from(hex, 'hex').toString('base64'), 'z'.repeat(64)]) {
      const headers = { ...signedHeaders(body), 'Linear-Signature': bad };
      expect(await verify(config, { headers, body }, secret)).toMatchObject({ ok: false, reason: 'malformed_header' });
    }
  });

  it('fails on a stale or future webhookTimestamp beyond 60 s, as @linear/sdk does', async () => {
    const now = Date.now();
    for (const [offset, reason] of [
      [-61_000, 'timestamp_too_old'],
      [61_000, 'timestamp_in_future'],
    ] as const) {
      const body = payload(now + offset);
      const headers = signedHeaders(body);
      expect(linearAccepts(body, headers)).toBe(false);
      expect(await verify(config, { headers, body }, secret, new Date(now))).toMatchObject({ ok: false, reason });
    }
    const within = payload(now - 59_000);
    expect(linearAccepts(within, signedHeaders(within))).toBe(true);
    expect(await verify(config, { headers: signedHeaders(within), body: within }, secret, new Date(now))).toMatchObject(
      { ok: true },
    );
    const wide: VerifierConfig = { type: 'linear', toleranceSeconds: 120 };
    const old = payload(now - 90_000);
    expect(await verify(wide, { headers: signedHeaders(old), body: old }, secret, new Date(now))).toMatchObject({
      ok: true,
    });
  });

  it('fails if webhookTimestamp is missing or not a number of milliseconds', async () => {
    const missing = JSON.stringify({ action: 'create', type: 'Issue', data: {} });
    for (const body of [missing, payload(String(Date.now())), payload(null), '[1,2,3]', 'not json']) {
      expect(linearAccepts(body, signedHeaders(body))).toBe(false);
      expect(await verify(config, { headers: signedHeaders(body), body }, secret)).toMatchObject({
        ok: false,
        reason: 'malformed_body',
      });
    }
  });

  it('fails closed when no secret is set', async () => {
    const body = payload();
    expect(await verify(config, { headers: signedHeaders(body), body }, { default: { values: [] } })).toMatchObject({
      ok: false,
      reason: 'secret_not_set',
    });
  });
});
