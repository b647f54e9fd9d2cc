import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import type { VerifierConfig } from '../../lambdas/core/config/verifier';
import { accepted, prettyPrinted, tampered, verify } from '../helpers/verify';

const stripe = new Stripe('sk_test_unused');
const config: VerifierConfig = { type: 'stripe' };
const secret = 'whsec_test_3f6b8c0e2d4a';
const now = new Date('2026-03-01T12:00:00Z');
const nowSeconds = now.getTime() / 1000;
const event = JSON.stringify({
  id: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
  object: 'event',
  type: 'payment_intent.succeeded',
  data: { object: { id: 'pi_1', object: 'payment_intent', amount: 2000, customer: 'cus_1' } },
});

function signature(payload: string, options: { key?: string; timestamp?: number } = {}): string {
  return stripe.webhooks.generateTestHeaderString({
    payload,
    secret: options.key ?? secret,
    timestamp: options.timestamp ?? nowSeconds,
  });
}

function v1Of(header: string): string {
  return /v1=([0-9a-f]+)/.exec(header)![1]!;
}

function request(body: string, header = signature(body)) {
  return { headers: { 'Stripe-Signature': header, 'Content-Type': 'application/json' }, body };
}

function stripeAccepts(body: string, header: string): boolean {
  try {
    stripe.webhooks.constructEvent(body, header, secret, 300, undefined, now.getTime());
    return true;
  } catch {
    return false;
  }
}

describe('stripe preset', () => {
  it('accepts a header from stripe.webhooks.generateTestHeaderString, as constructEvent does', async () => {
    const header = signature(event);
    expect(stripeAccepts(event, header)).toBe(true);
    expect(await verify(config, request(event, header), secret, now)).toEqual({
      ok: true,
      scheme: 'stripe',
      deliveryId: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
      deliveryIdSource: 'provider',
      dedupKey: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
      dedupKeySource: 'signed-id',
      eventType: 'payment_intent.succeeded',
      timestamp: now,
    });
  });

  it('dedups on the signed event id: a retry signed again is the same, another id is not', async () => {
    const first = await accepted(config, request(event), secret, now);
    const retry = await accepted(config, request(event, signature(event, { timestamp: nowSeconds - 60 })), secret, now);
    expect(retry.dedupKey).toBe(first.dedupKey);
    const other = event.replace('evt_1NG8Du2eZvKYlo2CUI79vXWy', 'evt_other');
    expect(stripeAccepts(other, signature(other))).toBe(true);
    expect((await accepted(config, request(other), secret, now)).dedupKey).toBe('evt_other');
  });

  it('accepts a header with two v1 signatures where only the second matches', async () => {
    const wrong = v1Of(signature(event, { key: 'whsec_previous' }));
    const header = `t=${nowSeconds},v1=${wrong},v1=${v1Of(signature(event))}`;
    expect(stripeAccepts(event, header)).toBe(true);
    expect(await verify(config, request(event, header), secret, now)).toMatchObject({ ok: true });
  });

  it('reads items with spaces around keys and values, in any order', async () => {
    const v1 = v1Of(signature(event));
    expect(await verify(config, request(event, ` v1 = ${v1} , t = ${nowSeconds} `), secret, now)).toMatchObject({
      ok: true,
    });
  });

  it('ignores v0 signatures next to v1', async () => {
    const header = `t=${nowSeconds},v1=${v1Of(signature(event))},v0=${'0'.repeat(64)}`;
    expect(await verify(config, request(event, header), secret, now)).toMatchObject({ ok: true });
  });

  it('accepts any active secret while rotating, and not an expired one', async () => {
    const header = signature(event, { key: 'whsec_old' });
    const rotating = { values: [{ value: secret }, { value: 'whsec_old', expiresAt: '2026-03-02T00:00:00Z' }] };
    expect(await verify(config, request(event, header), { default: rotating }, now)).toMatchObject({ ok: true });
    const expired = { values: [{ value: secret }, { value: 'whsec_old', expiresAt: '2026-03-01T11:00:00Z' }] };
    expect(await verify(config, request(event, header), { default: expired }, now)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('falls back to a hash for the delivery id when the body has no id', async () => {
    const body = '{"type":"ping"}';
    const first = await verify(config, request(body), secret, now);
    expect(first).toMatchObject({
      ok: true,
      deliveryIdSource: 'fallback',
      dedupKeySource: 'signed-hash',
      eventType: 'ping',
    });
    expect(first.ok && first.deliveryId).toMatch(/^[0-9a-f]{64}$/);
    expect(first.ok && first.dedupKey).toBe(first.ok && first.deliveryId);
    expect(await verify(config, request(body), secret, now)).toEqual(first);
    // The same signed bytes with a second, different v1 next to the good one: still the same key.
    const respelled = `${signature(body)},v1=${'0'.repeat(64)}`;
    expect(await verify(config, request(body, respelled), secret, now)).toEqual(first);
  });

  it('honours a configured tolerance', async () => {
    const header = signature(event, { timestamp: nowSeconds - 500 });
    expect(await verify({ type: 'stripe', toleranceSeconds: 600 }, request(event, header), secret, now)).toMatchObject({
      ok: true,
    });
  });

  it('fails if one byte of the body changed', async () => {
    const verdict = await verify(config, request(tampered(event), signature(event)), secret, now);
    expect(verdict).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('fails if the JSON is pretty-printed with the original signature', async () => {
    const verdict = await verify(config, request(prettyPrinted(event), signature(event)), secret, now);
    expect(verdict).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('fails with the wrong secret', async () => {
    const verdict = await verify(config, request(event, signature(event, { key: 'whsec_other' })), secret, now);
    expect(verdict).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('fails if the signed timestamp was changed', async () => {
    const header = `t=${nowSeconds + 1},v1=${v1Of(signature(event))}`;
    expect(await verify(config, request(event, header), secret, now)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if the Stripe-Signature header is missing', async () => {
    const verdict = await verify(config, { headers: { 'Content-Type': 'application/json' }, body: event }, secret, now);
    expect(verdict).toMatchObject({ ok: false, reason: 'missing_header' });
  });

  it('fails on a malformed Stripe-Signature header', async () => {
    const v1 = v1Of(signature(event));
    for (const bad of [
      `t=${nowSeconds}`,
      `t=${nowSeconds},v0=${v1}`,
      `v1=${v1}`,
      `t=soon,v1=${v1}`,
      `t=${nowSeconds},t=${nowSeconds - 1},v1=${v1}`,
      `t=${nowSeconds},v1=${v1.slice(2)}`,
      `t=${nowSeconds},v1=zz${v1.slice(2)}`,
      `t=${nowSeconds},${v1}`,
      `t=${nowSeconds},v1=${v1},`,
      `,t=${nowSeconds},v1=${v1}`,
      `t${nowSeconds},v1=${v1}`,
      `t=${nowSeconds},,v1=${v1}`,
    ]) {
      expect(await verify(config, request(event, bad), secret, now), bad).toMatchObject({
        ok: false,
        reason: 'malformed_header',
      });
    }
  });

  it('fails if the timestamp is older than 300 s', async () => {
    expect(
      await verify(config, request(event, signature(event, { timestamp: nowSeconds - 300 })), secret, now),
    ).toMatchObject({ ok: true });
    const header = signature(event, { timestamp: nowSeconds - 301 });
    expect(stripeAccepts(event, header)).toBe(false);
    expect(await verify(config, request(event, header), secret, now)).toMatchObject({
      ok: false,
      reason: 'timestamp_too_old',
    });
  });

  it('fails if the timestamp is more than 300 s in the future', async () => {
    const header = signature(event, { timestamp: nowSeconds + 301 });
    expect(await verify(config, request(event, header), secret, now)).toMatchObject({
      ok: false,
      reason: 'timestamp_in_future',
    });
  });

  it('fails closed when no secret is set', async () => {
    for (const empty of ['', { values: [] }, { values: [{ value: '' }] }]) {
      expect(await verify(config, request(event), { default: empty }, now)).toMatchObject({
        ok: false,
        reason: 'secret_not_set',
      });
    }
  });
});
