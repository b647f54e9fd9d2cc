import { createHmac } from 'node:crypto';
import { NodeRuntime, Webhooks } from '@paddle/paddle-node-sdk';
import { describe, expect, it } from 'vitest';
import type { VerifierConfig } from '../../lambdas/core/config/verifier';
import { prettyPrinted, tampered, verify } from '../helpers/verify';

// @paddle/paddle-node-sdk only verifies, so requests are signed here and the SDK's Webhooks must
// accept them too. The SDK checks ts against the real clock, so the cross-checks use it.
NodeRuntime.initialize();
const webhooks = new Webhooks();
const config: VerifierConfig = { type: 'paddle' };
const secret = 'pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7_6h3qd3uFSi9YCD3OLYAShQI90XTI5vEI';

function notification(extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    event_id: 'evt_01h8bzakzx3hm2fmen703n5q45',
    event_type: 'transaction.completed',
    occurred_at: '2026-03-01T12:00:00.000000Z',
    notification_id: 'ntf_01h8bzam1z32agrxjwhjgqk8w6',
    data: { id: 'txn_01h8bz', status: 'completed' },
    ...extra,
  });
}

const h1 = (key: string, ts: string, body: string) => createHmac('sha256', key).update(`${ts}:${body}`).digest('hex');

function signature(body: string, keys: string[] = [secret], ts = Math.floor(Date.now() / 1000)) {
  return [`ts=${ts}`, ...keys.map((k) => `h1=${h1(k, String(ts), body)}`)].join(';');
}

const headers = (sig: string) => ({ 'Paddle-Signature': sig, 'Content-Type': 'application/json' });

describe('paddle preset', () => {
  it('accepts a notification that @paddle/paddle-node-sdk Webhooks accepts', async () => {
    const body = notification();
    const sig = signature(body);
    expect(await webhooks.isSignatureValid(body, secret, sig)).toBe(true);
    expect(await verify(config, { headers: headers(sig), body }, secret)).toMatchObject({
      ok: true,
      scheme: 'paddle',
      deliveryId: 'ntf_01h8bzam1z32agrxjwhjgqk8w6',
      deliveryIdSource: 'provider',
      dedupKey: 'ntf_01h8bzam1z32agrxjwhjgqk8w6',
      dedupKeySource: 'signed-id',
      eventType: 'transaction.completed',
    });
  });

  it('dedups on the signed notification_id: another id is another delivery', async () => {
    const a = notification();
    const b = notification({ notification_id: 'ntf_other' });
    const keys = [];
    for (const body of [a, b]) {
      expect(await webhooks.isSignatureValid(body, secret, signature(body))).toBe(true);
      const verdict = await verify(config, { headers: headers(signature(body)), body }, secret);
      keys.push(verdict.ok && verdict.dedupKey);
    }
    expect(keys).toEqual(['ntf_01h8bzam1z32agrxjwhjgqk8w6', 'ntf_other']);
  });

  it('accepts a signature header with several h1 values (Paddle rotating its secret)', async () => {
    const body = notification();
    const oldFirst = signature(body, ['previous-secret', secret]);
    // The SDK keeps only the last h1, so it accepts this order; we accept either h1.
    expect(await webhooks.isSignatureValid(body, secret, oldFirst)).toBe(true);
    expect(await verify(config, { headers: headers(oldFirst), body }, secret)).toMatchObject({ ok: true });
    const newFirst = signature(body, [secret, 'next-secret']);
    expect(await verify(config, { headers: headers(newFirst), body }, secret)).toMatchObject({ ok: true });
    expect(await verify(config, { headers: headers(signature(body, ['a', 'b'])), body }, secret)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('accepts any active secret while rotating, and not an expired one', async () => {
    const body = notification();
    const sig = signature(body, ['old-secret']);
    const rotating = { values: [{ value: 'new-secret' }, { value: 'old-secret', expiresAt: '2999-01-01T00:00:00Z' }] };
    expect(await verify(config, { headers: headers(sig), body }, { default: rotating })).toMatchObject({ ok: true });
    const expired = { values: [{ value: 'new-secret' }, { value: 'old-secret', expiresAt: '2000-01-01T00:00:00Z' }] };
    expect(await verify(config, { headers: headers(sig), body }, { default: expired })).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if one byte of the body changed', async () => {
    const body = notification();
    const sig = signature(body);
    expect(await webhooks.isSignatureValid(tampered(body), secret, sig)).toBe(false);
    expect(await verify(config, { headers: headers(sig), body: tampered(body) }, secret)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if the JSON is pretty-printed with the original signature', async () => {
    const body = notification();
    expect(
      await verify(config, { headers: headers(signature(body)), body: prettyPrinted(body) }, secret),
    ).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('fails with the wrong secret or a changed ts', async () => {
    const body = notification();
    expect(await verify(config, { headers: headers(signature(body)), body }, 'another')).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
    const ts = Math.floor(Date.now() / 1000);
    const moved = `ts=${ts - 1};h1=${h1(secret, String(ts), body)}`;
    expect(await verify(config, { headers: headers(moved), body }, secret)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if the signature header is missing', async () => {
    expect(await verify(config, { headers: {}, body: notification() }, secret)).toMatchObject({
      ok: false,
      reason: 'missing_header',
    });
  });

  it('fails on a malformed signature header', async () => {
    const body = notification();
    const ts = Math.floor(Date.now() / 1000);
    const hex = h1(secret, String(ts), body);
    for (const bad of [
      `h1=${hex}`,
      `ts=${ts}`,
      `ts=${ts};h1=${hex.slice(2)}`,
      `ts=${ts};h1=${Buffer.from(hex, 'hex').toString('base64')}`,
      `ts=soon;h1=${hex}`,
      `ts=${ts};ts=${ts};h1=${hex}`,
      `ts=${ts},h1=${hex}`,
      `${ts};${hex}`,
    ]) {
      expect(await verify(config, { headers: headers(bad), body }, secret)).toMatchObject({
        ok: false,
        reason: 'malformed_header',
      });
    }
  });

  it('fails on a ts older or further ahead than 5 s (the SDK window), and honours toleranceSeconds', async () => {
    const body = notification();
    const nowSeconds = Math.floor(Date.now() / 1000);
    const now = new Date(nowSeconds * 1000);
    const stale = signature(body, [secret], nowSeconds - 6);
    expect(await webhooks.isSignatureValid(body, secret, stale)).toBe(false);
    expect(await verify(config, { headers: headers(stale), body }, secret, now)).toMatchObject({
      ok: false,
      reason: 'timestamp_too_old',
    });
    // The SDK bounds ts only in the past; we bound it both ways.
    const ahead = signature(body, [secret], nowSeconds + 6);
    expect(await verify(config, { headers: headers(ahead), body }, secret, now)).toMatchObject({
      ok: false,
      reason: 'timestamp_in_future',
    });
    const edge = signature(body, [secret], nowSeconds - 5);
    expect(await verify(config, { headers: headers(edge), body }, secret, now)).toMatchObject({ ok: true });
    const relaxed: VerifierConfig = { type: 'paddle', toleranceSeconds: 60 };
    expect(await verify(relaxed, { headers: headers(stale), body }, secret, now)).toMatchObject({ ok: true });
  });

  it('falls back to a hash id when the body has no notification_id', async () => {
    const body = JSON.stringify({ event_type: 'subscription.updated', data: {} });
    expect(await verify(config, { headers: headers(signature(body)), body }, secret)).toMatchObject({
      ok: true,
      deliveryIdSource: 'fallback',
      dedupKeySource: 'signed-hash',
      eventType: 'subscription.updated',
    });
  });

  it('fails closed when no secret is set', async () => {
    const body = notification();
    expect(
      await verify(config, { headers: headers(signature(body)), body }, { default: { values: [] } }),
    ).toMatchObject({ ok: false, reason: 'secret_not_set' });
  });
});
