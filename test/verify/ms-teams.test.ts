import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { VerifierConfig } from '../../lambdas/core/config/verifier';
import { prettyPrinted, tampered, verify } from '../helpers/verify';

// Microsoft ships no npm library for outgoing-webhook verification: requests are signed as its docs
// show (HMAC-SHA256 keyed with the base64-decoded security token, base64 in `Authorization: HMAC`).
const config: VerifierConfig = { type: 'msTeams' };
const token = randomBytes(32).toString('base64');
const activity = JSON.stringify({
  type: 'message',
  id: '1485983408511',
  timestamp: '2026-03-01T12:00:00.000Z',
  text: '<at>Bot</at> deploy',
  from: { id: '29:1', name: 'Ada' },
  conversation: { id: '19:abc@thread.skype' },
});

function teamsSign(body: string, securityToken = token) {
  return createHmac('sha256', Buffer.from(securityToken, 'base64')).update(body).digest('base64');
}

const headers = (body: string, securityToken = token) => ({
  Authorization: `HMAC ${teamsSign(body, securityToken)}`,
  'Content-Type': 'application/json',
});

describe('msTeams preset', () => {
  it('accepts an activity signed with the security token', async () => {
    expect(await verify(config, { headers: headers(activity), body: activity }, token)).toMatchObject({
      ok: true,
      scheme: 'msTeams',
      deliveryId: '1485983408511',
      deliveryIdSource: 'provider',
      dedupKey: '1485983408511',
      dedupKeySource: 'signed-id',
      eventType: 'message',
    });
  });

  it('fails if the signature was keyed with the token text instead of its decoded bytes', async () => {
    const wrongKey = createHmac('sha256', token).update(activity).digest('base64');
    expect(
      await verify(config, { headers: { Authorization: `HMAC ${wrongKey}` }, body: activity }, token),
    ).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('accepts any active token while rotating, and not an expired one', async () => {
    const old = randomBytes(32).toString('base64');
    const next = randomBytes(32).toString('base64');
    const h = headers(activity, old);
    const rotating = { values: [{ value: next }, { value: old, expiresAt: '2999-01-01T00:00:00Z' }] };
    expect(await verify(config, { headers: h, body: activity }, { default: rotating })).toMatchObject({ ok: true });
    const expired = { values: [{ value: next }, { value: old, expiresAt: '2000-01-01T00:00:00Z' }] };
    expect(await verify(config, { headers: h, body: activity }, { default: expired })).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if one byte of the body changed', async () => {
    expect(await verify(config, { headers: headers(activity), body: tampered(activity) }, token)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if the JSON is pretty-printed with the original signature', async () => {
    expect(await verify(config, { headers: headers(activity), body: prettyPrinted(activity) }, token)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails with the wrong token', async () => {
    const other = randomBytes(32).toString('base64');
    expect(await verify(config, { headers: headers(activity), body: activity }, other)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if the Authorization header is missing', async () => {
    expect(await verify(config, { body: activity }, token)).toMatchObject({ ok: false, reason: 'missing_header' });
  });

  it('fails on a malformed Authorization header', async () => {
    const sig = teamsSign(activity);
    for (const bad of [
      sig,
      `Bearer ${sig}`,
      `HMAC ${Buffer.from(sig, 'base64').toString('hex')}`,
      `HMAC ${sig.slice(4)}`,
      `HMAC ${sig} extra`,
      'HMAC',
    ]) {
      expect(await verify(config, { headers: { Authorization: bad }, body: activity }, token)).toMatchObject({
        ok: false,
        reason: 'malformed_header',
      });
    }
  });

  it('fails if a stored security token is not base64', async () => {
    expect(await verify(config, { headers: headers(activity), body: activity }, [token, 'not base64!'])).toMatchObject({
      ok: false,
      reason: 'invalid_secret',
    });
  });

  it('fails closed when no token is set', async () => {
    expect(
      await verify(config, { headers: headers(activity), body: activity }, { default: { values: [] } }),
    ).toMatchObject({ ok: false, reason: 'secret_not_set' });
  });
});
