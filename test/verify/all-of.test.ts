import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { HmacVerifierConfig, VerifierConfig } from '../../lambdas/core/config/verifier';
import { sensitiveHeaders } from '../../lambdas/core/verify';
import { accepted, tampered, verify } from '../helpers/verify';

const now = new Date('2026-03-01T12:00:00Z');
const nowSeconds = now.getTime() / 1000;
const signingSecret = 'hmac-signing-secret';
const apiKey = 'ak_9c1e7f';
const secrets = { default: signingSecret, apiKey };
const body = '{"type":"shipment.delivered","id":"shp_1"}';

const signed: HmacVerifierConfig = {
  type: 'hmac',
  header: 'x-signature',
  algorithm: 'sha256',
  encoding: 'hex',
  signedContent: '{timestamp}.{body}',
  timestampHeader: 'x-timestamp',
};
const withId: HmacVerifierConfig = { ...signed, signedContent: '{id}.{timestamp}.{body}', idHeader: 'x-delivery-id' };
const key: VerifierConfig = { type: 'apiKey', secret: 'apiKey' };
const both: VerifierConfig = { type: 'allOf', sources: [key, signed] };

function headers(payload: string, options: { key?: string; signingKey?: string; id?: string } = {}) {
  const id = options.id ?? 'dlv_0001';
  const timestamp = String(nowSeconds);
  const content = `${id}.${timestamp}.${payload}`;
  return {
    'x-api-key': options.key ?? apiKey,
    'x-timestamp': timestamp,
    'x-delivery-id': id,
    // Valid for both `signed` ({timestamp}.{body}) and `withId` ({id}.{timestamp}.{body}).
    'x-signature': [
      createHmac('sha256', options.signingKey ?? signingSecret)
        .update(`${timestamp}.${payload}`)
        .digest('hex'),
      createHmac('sha256', options.signingKey ?? signingSecret)
        .update(content)
        .digest('hex'),
    ].join(' '),
  };
}

describe('allOf', () => {
  it('accepts a request that passes an API key and an HMAC, each with its own secret', async () => {
    expect(await verify(both, { headers: headers(body), body }, secrets, now)).toMatchObject({
      ok: true,
      scheme: 'allOf(apiKey,hmac)',
      deliveryIdSource: 'fallback',
      timestamp: now,
    });
  });

  it('fails if the API key is wrong, naming the member that failed', async () => {
    expect(await verify(both, { headers: headers(body, { key: 'ak_wrong' }), body }, secrets, now)).toMatchObject({
      ok: false,
      scheme: 'allOf(apiKey,hmac)/apiKey',
      reason: 'credentials_mismatch',
    });
  });

  it('fails if the signature is wrong or the body changed, although the API key is right', async () => {
    const wrongKey = { headers: headers(body, { signingKey: 'other' }), body };
    expect(await verify(both, wrongKey, secrets, now)).toMatchObject({
      ok: false,
      scheme: 'allOf(apiKey,hmac)/hmac',
      reason: 'signature_mismatch',
    });
    expect(await verify(both, { headers: headers(body), body: tampered(body) }, secrets, now)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if a member is missing its header', async () => {
    const { 'x-api-key': _dropped, ...withoutKey } = headers(body);
    expect(await verify(both, { headers: withoutKey, body }, secrets, now)).toMatchObject({
      ok: false,
      reason: 'missing_credentials',
    });
  });

  it('fails if the two secrets are swapped: each member reads only its own', async () => {
    const swapped = { default: apiKey, apiKey: signingSecret };
    expect(await verify(both, { headers: headers(body), body }, swapped, now)).toMatchObject({
      ok: false,
      reason: 'credentials_mismatch',
    });
    expect(await verify(both, { headers: headers(body), body }, { default: signingSecret }, now)).toMatchObject({
      ok: false,
      scheme: 'allOf(apiKey,hmac)/apiKey',
      reason: 'secret_not_set',
    });
  });

  it("takes the strongest member's dedup key: a signed id over an earlier member's body hash", async () => {
    const preferring: VerifierConfig = { type: 'allOf', sources: [key, withId] };
    expect(await verify(preferring, { headers: headers(body, { id: 'dlv_42' }), body }, secrets, now)).toMatchObject({
      ok: true,
      deliveryId: 'dlv_42',
      deliveryIdSource: 'provider',
      dedupKey: 'dlv_42',
      dedupKeySource: 'signed-id',
      timestamp: now,
    });
  });

  it('takes a hash a signature covers over a body hash, and never an unsigned id', async () => {
    const alone = await accepted(signed, { headers: headers(body), body }, secrets, now);
    const combined = await accepted(both, { headers: headers(body), body }, secrets, now);
    expect(combined).toMatchObject({
      dedupKey: alone.dedupKey,
      dedupKeySource: 'signed-hash',
      deliveryId: alone.dedupKey,
    });
    // An unsigned label (hmac idHeaderIsLabel) is shown, the key stays the signed one.
    const labelled: VerifierConfig = {
      type: 'allOf',
      sources: [key, { ...signed, idHeader: 'x-delivery-id', idHeaderIsLabel: true }],
    };
    for (const id of ['dlv_1', 'dlv_2']) {
      expect(await accepted(labelled, { headers: headers(body, { id }), body }, secrets, now)).toMatchObject({
        deliveryId: id,
        dedupKey: alone.dedupKey,
      });
    }
  });

  it('works nested, and fails closed when empty', async () => {
    const nested: VerifierConfig = { type: 'allOf', sources: [{ type: 'allOf', sources: [key] }, signed] };
    expect(await verify(nested, { headers: headers(body), body }, secrets, now)).toMatchObject({ ok: true });
    expect(await verify({ type: 'allOf', sources: [] }, { body }, secrets, now)).toMatchObject({
      ok: false,
      reason: 'secret_not_set',
    });
  });

  it("redacts every member's credential headers", () => {
    expect(sensitiveHeaders(both)).toEqual(expect.arrayContaining(['x-api-key', 'x-signature', 'authorization']));
  });
});
