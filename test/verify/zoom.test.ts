import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { VerifierConfig } from '../../lambdas/core/config/verifier';
import { answerHandshake } from '../../lambdas/core/verify';
import { context, prettyPrinted, tampered, verify, verifyAndShake } from '../helpers/verify';

// No official Zoom signing library is installed: requests are signed as Zoom's docs and sample
// apps do (HMAC-SHA256 over "v0:{timestamp}:{body}" with the app's secret token).
const config: VerifierConfig = { type: 'zoom' };
const secret = 'zoom-secret-token-AbC123';
const now = new Date('2026-03-01T12:00:00Z');
const nowSeconds = now.getTime() / 1000;
const event = JSON.stringify({
  event: 'meeting.started',
  event_ts: now.getTime(),
  payload: { account_id: 'acct', object: { id: '123', uuid: 'abc==' } },
});

function zoomSign(key: string, timestamp: string, body: string) {
  return `v0=${createHmac('sha256', key).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

function signedHeaders(body: string, key = secret, timestamp = nowSeconds) {
  const ts = String(timestamp);
  return {
    'x-zm-signature': zoomSign(key, ts, body),
    'x-zm-request-timestamp': ts,
    'content-type': 'application/json',
  };
}

function validation(plainToken: unknown) {
  return JSON.stringify({ payload: { plainToken }, event_ts: now.getTime(), event: 'endpoint.url_validation' });
}

describe('zoom preset', () => {
  it('accepts a signed event', async () => {
    const verdict = await verify(config, { headers: signedHeaders(event), body: event }, secret, now);
    expect(verdict).toMatchObject({
      ok: true,
      scheme: 'zoom',
      deliveryIdSource: 'fallback',
      dedupKeySource: 'signed-hash',
      eventType: 'meeting.started',
      timestamp: now,
    });
    expect(verdict.ok && verdict.deliveryId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives a replay with the signature re-spelt in upper case the same id', async () => {
    const headers = signedHeaders(event);
    const respelt = { ...headers, 'x-zm-signature': 'v0=' + headers['x-zm-signature'].slice(3).toUpperCase() };
    const a = await verify(config, { headers, body: event }, secret, now);
    const b = await verify(config, { headers: respelt, body: event }, secret, now);
    expect(a.ok && b.ok && a.deliveryId === b.deliveryId).toBe(true);
    const later = signedHeaders(event, secret, nowSeconds + 1);
    const c = await verify(config, { headers: later, body: event }, secret, now);
    expect(a.ok && c.ok && a.deliveryId !== c.deliveryId).toBe(true);
  });

  it('answers a verified endpoint.url_validation with the plainToken and its HMAC', async () => {
    const body = validation('qgg8vlvZRS6UYooatFL8Aw');
    const { verdict, handshake } = await verifyAndShake(config, { headers: signedHeaders(body), body }, secret, now);
    expect(verdict).toMatchObject({ ok: true, eventType: 'endpoint.url_validation' });
    expect(handshake).toMatchObject({ statusCode: 200, contentType: 'application/json' });
    expect(JSON.parse(handshake!.body)).toEqual({
      plainToken: 'qgg8vlvZRS6UYooatFL8Aw',
      encryptedToken: createHmac('sha256', secret).update('qgg8vlvZRS6UYooatFL8Aw').digest('hex'),
    });
  });

  it('answers the url validation with the current (first active) secret while rotating', async () => {
    const body = validation('tok_123');
    const rotating = { values: [{ value: 'new-token' }, { value: secret, expiresAt: '2999-01-01T00:00:00Z' }] };
    const { verdict, handshake } = await verifyAndShake(
      config,
      { headers: signedHeaders(body), body },
      { default: rotating },
      now,
    );
    expect(verdict.ok).toBe(true);
    expect(JSON.parse(handshake!.body).encryptedToken).toBe(
      createHmac('sha256', 'new-token').update('tok_123').digest('hex'),
    );
  });

  it('answers no url validation that does not verify', async () => {
    const body = validation('qgg8vlvZRS6UYooatFL8Aw');
    const forged = await verifyAndShake(config, { headers: signedHeaders(body, 'guess'), body }, secret, now);
    expect(forged.verdict).toMatchObject({ ok: false, reason: 'signature_mismatch' });
    expect(forged.handshake).toBeUndefined();
    const unsigned = await verifyAndShake(config, { body }, secret, now);
    expect(unsigned.verdict).toMatchObject({ ok: false, reason: 'missing_header' });
    expect(unsigned.handshake).toBeUndefined();
  });

  it('fails if a url validation carries a plainToken that is not a short token (no signing oracle)', async () => {
    const longest = 'a'.repeat(64);
    const ok = await verifyAndShake(
      config,
      { headers: signedHeaders(validation(longest)), body: validation(longest) },
      secret,
      now,
    );
    expect(ok.handshake).toBeDefined();
    for (const plainToken of [
      'a'.repeat(65),
      `v0:${nowSeconds}:{"event":"meeting.started"}`,
      'has space',
      '',
      42,
      { nested: 'x' },
      undefined,
    ]) {
      const body = validation(plainToken);
      const { verdict, handshake } = await verifyAndShake(config, { headers: signedHeaders(body), body }, secret, now);
      expect(verdict).toMatchObject({ ok: false, reason: 'malformed_body' });
      expect(handshake).toBeUndefined();
      // Even asked directly (as if verification had been skipped), the preset signs no such token.
      expect(answerHandshake(config, undefined, context({ body }, secret, now))).toBeUndefined();
    }
  });

  it('accepts any active secret while rotating, and not an expired one', async () => {
    const headers = signedHeaders(event, 'old-token');
    const rotating = { values: [{ value: 'new-token' }, { value: 'old-token', expiresAt: '2999-01-01T00:00:00Z' }] };
    expect(await verify(config, { headers, body: event }, { default: rotating }, now)).toMatchObject({ ok: true });
    const expired = { values: [{ value: 'new-token' }, { value: 'old-token', expiresAt: '2000-01-01T00:00:00Z' }] };
    expect(await verify(config, { headers, body: event }, { default: expired }, now)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if one byte of the body changed', async () => {
    expect(await verify(config, { headers: signedHeaders(event), body: tampered(event) }, secret, now)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if the JSON is pretty-printed with the original signature', async () => {
    const verdict = await verify(config, { headers: signedHeaders(event), body: prettyPrinted(event) }, secret, now);
    expect(verdict).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('fails with the wrong secret or a changed timestamp', async () => {
    expect(await verify(config, { headers: signedHeaders(event), body: event }, 'another', now)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
    const moved = { ...signedHeaders(event), 'x-zm-request-timestamp': String(nowSeconds - 1) };
    expect(await verify(config, { headers: moved, body: event }, secret, now)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if the signature or timestamp header is missing', async () => {
    for (const name of ['x-zm-signature', 'x-zm-request-timestamp']) {
      const headers: Record<string, string> = signedHeaders(event);
      delete headers[name];
      expect(await verify(config, { headers, body: event }, secret, now)).toMatchObject({
        ok: false,
        reason: 'missing_header',
      });
    }
  });

  it('fails on a malformed signature or timestamp header', async () => {
    const good = signedHeaders(event);
    const hex = good['x-zm-signature'].slice(3);
    for (const [name, bad] of [
      ['x-zm-signature', hex],
      ['x-zm-signature', `v1=${hex}`],
      ['x-zm-signature', `v0=${hex.slice(1)}`],
      ['x-zm-signature', `v0=${Buffer.from(hex, 'hex').toString('base64')}`],
      ['x-zm-request-timestamp', 'now'],
    ] as const) {
      const headers = { ...good, [name]: bad };
      expect(await verify(config, { headers, body: event }, secret, now)).toMatchObject({
        ok: false,
        reason: 'malformed_header',
      });
    }
  });

  it('fails on a stale or future timestamp beyond 300 s, and honours toleranceSeconds', async () => {
    const at = (offset: number) => signedHeaders(event, secret, nowSeconds + offset);
    expect(await verify(config, { headers: at(300), body: event }, secret, now)).toMatchObject({ ok: true });
    expect(await verify(config, { headers: at(-301), body: event }, secret, now)).toMatchObject({
      ok: false,
      reason: 'timestamp_too_old',
    });
    expect(await verify(config, { headers: at(301), body: event }, secret, now)).toMatchObject({
      ok: false,
      reason: 'timestamp_in_future',
    });
    const wide: VerifierConfig = { type: 'zoom', toleranceSeconds: 900 };
    expect(await verify(wide, { headers: at(-600), body: event }, secret, now)).toMatchObject({ ok: true });
  });

  it('fails if a signed timestamp lies beyond the range of a date (no bound can pass it)', async () => {
    const headers = signedHeaders(event, secret, 9_000_000_000_000_000);
    expect(headers['x-zm-request-timestamp']).toMatch(/^\d{16}$/);
    expect(await verify(config, { headers, body: event }, secret, now)).toMatchObject({
      ok: false,
      reason: 'malformed_header',
    });
  });

  it('fails closed when no secret is set', async () => {
    expect(
      await verify(config, { headers: signedHeaders(event), body: event }, { default: { values: [] } }, now),
    ).toMatchObject({ ok: false, reason: 'secret_not_set' });
  });
});
