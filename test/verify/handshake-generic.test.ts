import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { GenericHandshakeConfig, VerifierConfig } from '../../lambdas/core/config/verifier';
import { answerHandshake, verifyRequest } from '../../lambdas/core/verify';
import { context, type RequestInit } from '../helpers/verify';

const secret = 'handshake-secret';
const config: VerifierConfig = {
  type: 'hmac',
  header: 'x-signature',
  algorithm: 'sha256',
  encoding: 'hex',
  signedContent: '{body}',
};
const handshake: GenericHandshakeConfig = { field: 'type', equals: 'url_verification', respondWith: 'challenge' };

function signedRequest(body: string, key = secret): RequestInit {
  return { headers: { 'x-signature': createHmac('sha256', key).update(body).digest('hex') }, body };
}

/** As the ingest handler does: verify first, answer the handshake only for an authentic request. */
async function verifyThenShake(generic: GenericHandshakeConfig, init: RequestInit) {
  const ctx = context(init, secret);
  const verdict = await verifyRequest(config, ctx);
  return { verdict, handshake: verdict.ok ? answerHandshake(config, generic, ctx) : undefined };
}

const challenge = JSON.stringify({ type: 'url_verification', challenge: 'c_3f9a1d' });

describe('generic handshake', () => {
  it('answers a verified handshake with JSON by default', async () => {
    const { verdict, handshake: answer } = await verifyThenShake(handshake, signedRequest(challenge));
    expect(verdict.ok).toBe(true);
    expect(answer).toEqual({ statusCode: 200, contentType: 'application/json', body: '{"challenge":"c_3f9a1d"}' });
  });

  it('answers as plain text when configured, numbers included', async () => {
    const text = await verifyThenShake({ ...handshake, as: 'text' }, signedRequest(challenge));
    expect(text.handshake).toEqual({ statusCode: 200, contentType: 'text/plain', body: 'c_3f9a1d' });
    const numeric = JSON.stringify({ type: 'url_verification', challenge: 12345 });
    const number = await verifyThenShake({ ...handshake, as: 'text' }, signedRequest(numeric));
    expect(number.handshake).toMatchObject({ body: '12345' });
  });

  it('fails to answer a handshake that is not authentic', async () => {
    const forged = await verifyThenShake(handshake, signedRequest(challenge, 'attacker-secret'));
    expect(forged).toEqual({
      verdict: expect.objectContaining({ ok: false, reason: 'signature_mismatch' }),
      handshake: undefined,
    });
    const unsigned = await verifyThenShake(handshake, { body: challenge });
    expect(unsigned).toEqual({
      verdict: expect.objectContaining({ ok: false, reason: 'missing_header' }),
      handshake: undefined,
    });
  });

  it('does not answer an ordinary verified delivery', async () => {
    for (const body of [
      JSON.stringify({ type: 'order.created', challenge: 'c_1' }),
      JSON.stringify({ type: 'url_verification', challenge: { nested: true } }),
      JSON.stringify({ type: 'url_verification' }),
      JSON.stringify([{ type: 'url_verification', challenge: 'c_1' }]),
      'type=url_verification&challenge=c_1',
    ]) {
      const { verdict, handshake: answer } = await verifyThenShake(handshake, signedRequest(body));
      expect(verdict.ok, body).toBe(true);
      expect(answer, body).toBeUndefined();
    }
  });

  it('does not answer without a generic handshake config', async () => {
    const ctx = context(signedRequest(challenge), secret);
    expect((await verifyRequest(config, ctx)).ok).toBe(true);
    expect(answerHandshake(config, undefined, ctx)).toBeUndefined();
  });
});
