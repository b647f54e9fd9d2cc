import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { verifyKey } from 'discord-interactions';
import { describe, expect, it } from 'vitest';
import type { VerifierConfig } from '../../lambdas/core/config/verifier';
import { prettyPrinted, tampered, verify, verifyAndShake } from '../helpers/verify';

const config: VerifierConfig = { type: 'discord' };
const now = new Date('2026-03-01T12:00:00Z');
const nowSeconds = now.getTime() / 1000;

function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  // Discord shows the application's public key as the raw 32 bytes in hex.
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('hex');
  return { privateKey, publicKey: raw, spki: publicKey };
}

const app = keyPair();
const secrets = { default: { publicKey: app.publicKey } };
const command = JSON.stringify({
  id: '1180000000000000001',
  application_id: '1170000000000000000',
  type: 2,
  token: 'interaction-token',
  version: 1,
  data: { id: '1', name: 'deploy', type: 1 },
});
const ping = JSON.stringify({ id: '1180000000000000002', application_id: '1170000000000000000', type: 1, version: 1 });

function signedHeaders(body: string, privateKey: KeyObject = app.privateKey, timestamp = nowSeconds) {
  const ts = String(timestamp);
  return {
    'X-Signature-Ed25519': sign(null, Buffer.from(ts + body), privateKey).toString('hex'),
    'X-Signature-Timestamp': ts,
    'Content-Type': 'application/json',
  };
}

describe('discord preset', () => {
  it('accepts an interaction signed with a generated Ed25519 key that discord-interactions verifyKey accepts', async () => {
    const headers = signedHeaders(command);
    expect(
      await verifyKey(command, headers['X-Signature-Ed25519'], headers['X-Signature-Timestamp'], app.publicKey),
    ).toBe(true);
    expect(await verify(config, { headers, body: command }, secrets, now)).toMatchObject({
      ok: true,
      scheme: 'discord',
      deliveryId: '1180000000000000001',
      deliveryIdSource: 'provider',
      dedupKey: '1180000000000000001',
      dedupKeySource: 'signed-id',
      eventType: '2',
      timestamp: now,
    });
  });

  it('accepts the public key as PEM or base64 DER too', async () => {
    const headers = signedHeaders(command);
    const pem = app.spki.export({ format: 'pem', type: 'spki' }).toString();
    const der = app.spki.export({ format: 'der', type: 'spki' }).toString('base64');
    for (const publicKey of [pem, der, app.publicKey.toUpperCase()]) {
      expect(await verify(config, { headers, body: command }, { default: { publicKey } }, now)).toMatchObject({
        ok: true,
      });
    }
  });

  it('answers a verified PING with a PONG', async () => {
    const { verdict, handshake } = await verifyAndShake(
      config,
      { headers: signedHeaders(ping), body: ping },
      secrets,
      now,
    );
    expect(verdict).toMatchObject({ ok: true, eventType: '1' });
    expect(handshake).toEqual({ statusCode: 200, contentType: 'application/json', body: '{"type":1}' });
  });

  it('answers no handshake for a PING that does not verify, nor for other interactions', async () => {
    const forged = await verifyAndShake(
      config,
      { headers: signedHeaders(ping, keyPair().privateKey), body: ping },
      secrets,
      now,
    );
    expect(forged.verdict).toMatchObject({ ok: false, reason: 'signature_mismatch' });
    expect(forged.handshake).toBeUndefined();
    const unsigned = await verifyAndShake(config, { body: ping }, secrets, now);
    expect(unsigned.verdict).toMatchObject({ ok: false, reason: 'missing_header' });
    expect(unsigned.handshake).toBeUndefined();
    const other = await verifyAndShake(config, { headers: signedHeaders(command), body: command }, secrets, now);
    expect(other.verdict.ok).toBe(true);
    expect(other.handshake).toBeUndefined();
  });

  it('accepts any active key while rotating, and not an expired one', async () => {
    const next = keyPair();
    const headers = signedHeaders(command);
    const rotating = {
      publicKey: next.publicKey,
      values: [{ value: app.publicKey, expiresAt: '2999-01-01T00:00:00Z' }],
    };
    expect(await verify(config, { headers, body: command }, { default: rotating }, now)).toMatchObject({ ok: true });
    const expired = {
      publicKey: next.publicKey,
      values: [{ value: app.publicKey, expiresAt: '2000-01-01T00:00:00Z' }],
    };
    expect(await verify(config, { headers, body: command }, { default: expired }, now)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if one byte of the body changed', async () => {
    const headers = signedHeaders(command);
    const body = tampered(command);
    expect(await verifyKey(body, headers['X-Signature-Ed25519'], headers['X-Signature-Timestamp'], app.publicKey)).toBe(
      false,
    );
    expect(await verify(config, { headers, body }, secrets, now)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if the JSON is pretty-printed with the original signature', async () => {
    const verdict = await verify(
      config,
      { headers: signedHeaders(command), body: prettyPrinted(command) },
      secrets,
      now,
    );
    expect(verdict).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('fails with the wrong key or a changed timestamp', async () => {
    const wrongKey = signedHeaders(command, keyPair().privateKey);
    expect(await verify(config, { headers: wrongKey, body: command }, secrets, now)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
    const moved = { ...signedHeaders(command), 'X-Signature-Timestamp': String(nowSeconds + 1) };
    expect(await verify(config, { headers: moved, body: command }, secrets, now)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if the signature or timestamp header is missing', async () => {
    for (const name of ['X-Signature-Ed25519', 'X-Signature-Timestamp']) {
      const headers: Record<string, string> = signedHeaders(command);
      delete headers[name];
      expect(await verify(config, { headers, body: command }, secrets, now)).toMatchObject({
        ok: false,
        reason: 'missing_header',
      });
    }
  });

  it('fails on a malformed signature or timestamp header', async () => {
    const good = signedHeaders(command);
    for (const [name, bad] of [
      ['X-Signature-Ed25519', good['X-Signature-Ed25519'].slice(0, 126)],
      ['X-Signature-Ed25519', 'zz' + good['X-Signature-Ed25519'].slice(2)],
      ['X-Signature-Ed25519', Buffer.from(good['X-Signature-Ed25519'], 'hex').toString('base64')],
      ['X-Signature-Timestamp', '2026-03-01T12:00:00Z'],
    ] as const) {
      const headers = { ...good, [name]: bad };
      expect(await verify(config, { headers, body: command }, secrets, now)).toMatchObject({
        ok: false,
        reason: 'malformed_header',
      });
    }
  });

  it('fails on a stale or future timestamp beyond 300 s, and honours toleranceSeconds', async () => {
    const at = (offset: number) => signedHeaders(command, app.privateKey, nowSeconds + offset);
    expect(await verify(config, { headers: at(-300), body: command }, secrets, now)).toMatchObject({ ok: true });
    expect(await verify(config, { headers: at(-301), body: command }, secrets, now)).toMatchObject({
      ok: false,
      reason: 'timestamp_too_old',
    });
    expect(await verify(config, { headers: at(301), body: command }, secrets, now)).toMatchObject({
      ok: false,
      reason: 'timestamp_in_future',
    });
    const narrow: VerifierConfig = { type: 'discord', toleranceSeconds: 30 };
    expect(await verify(narrow, { headers: at(-31), body: command }, secrets, now)).toMatchObject({
      ok: false,
      reason: 'timestamp_too_old',
    });
  });

  it('fails closed when no public key is set', async () => {
    for (const s of [{ default: { values: [] } }, {}]) {
      expect(await verify(config, { headers: signedHeaders(command), body: command }, s, now)).toMatchObject({
        ok: false,
        reason: 'secret_not_set',
      });
    }
  });

  it('fails if the public key is not an Ed25519 key', async () => {
    const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      .publicKey.export({ format: 'der', type: 'spki' })
      .toString('base64');
    for (const publicKey of [app.publicKey.slice(0, 62), 'application-secret', p256]) {
      expect(
        await verify(config, { headers: signedHeaders(command), body: command }, { default: { publicKey } }, now),
      ).toMatchObject({ ok: false, reason: 'invalid_secret' });
    }
  });
});
