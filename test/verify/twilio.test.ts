import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import type { VerifierConfig } from '../../lambdas/core/config/verifier';
import { authenticatedInput } from '../../lambdas/core/verify';
import { accepted, context, prettyPrinted, tampered, verify } from '../helpers/verify';

const config: VerifierConfig = { type: 'twilio' };
const authToken = '12345678901234567890123456789012';
const url = 'https://abc123.execute-api.us-east-1.amazonaws.com/v1/webhooks/twilio?account=main';
const FORM_TYPE = 'application/x-www-form-urlencoded';
const params = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+14158675309',
  Digits: '1234',
  From: '+14158675309',
  To: '+18005551212',
  Body: 'Grüße & more = ok?',
};
const formBody = new URLSearchParams(params).toString();

function formRequest(body = formBody, signature = twilio.getExpectedTwilioSignature(authToken, url, params)) {
  return { url, headers: { 'X-Twilio-Signature': signature, 'Content-Type': FORM_TYPE }, body };
}

function jsonRequest(body: string, signedBody = body, token = authToken) {
  const signedUrl = `${url}&bodySHA256=${twilio.getExpectedBodyHash(signedBody)}`;
  const signature = twilio.getExpectedTwilioSignature(token, signedUrl, {});
  return {
    url: signedUrl,
    headers: { 'X-Twilio-Signature': signature, 'Content-Type': 'application/json' },
    body,
  };
}

describe('twilio preset', () => {
  it('accepts a form POST signed by twilio.getExpectedTwilioSignature, as validateRequest does', async () => {
    const init = formRequest();
    expect(twilio.validateRequest(authToken, init.headers['X-Twilio-Signature'], url, params)).toBe(true);
    const verdict = await verify(config, init, authToken);
    expect(verdict).toMatchObject({ ok: true, scheme: 'twilio', deliveryIdSource: 'fallback' });
    expect(verdict.ok && verdict.deliveryId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('shows I-Twilio-Idempotency-Token as the delivery id, but dedups on the signed URL and parameters', async () => {
    const init = formRequest();
    const first = await accepted(config, init, authToken);
    expect(first).toMatchObject({ deliveryIdSource: 'fallback', dedupKeySource: 'signed-hash' });
    for (const token of ['a5b2c7d1-0f0e-4b3a-9c8d-7e6f5a4b3c2d', 'another-token']) {
      const headers = { ...init.headers, 'I-Twilio-Idempotency-Token': token };
      expect(await accepted(config, { ...init, headers }, authToken)).toMatchObject({
        deliveryId: token,
        deliveryIdSource: 'provider',
        dedupKey: first.dedupKey,
      });
    }
  });

  it('gives every validly signed spelling of one parameter set the same key and the same input', async () => {
    const signature = twilio.getExpectedTwilioSignature(authToken, url, params);
    const spellings = [
      formBody,
      // Reordered.
      new URLSearchParams(Object.entries(params).reverse()).toString(),
      // Re-encoded: %20 for spaces, a letter escaped.
      formBody.replaceAll('+', '%20').replace('CallSid=CA', 'CallSid=%43A'),
      // A parameter repeated with the same value: Twilio signs each distinct value once.
      `${formBody}&Digits=1234`,
    ];
    const first = await accepted(config, formRequest(spellings[0]), authToken);
    for (const body of spellings) {
      const parsed = Object.fromEntries(new URLSearchParams(body));
      expect(twilio.validateRequest(authToken, signature, url, parsed), body).toBe(true);
      const init = formRequest(body, signature);
      expect((await accepted(config, init, authToken)).dedupKey, body).toBe(first.dedupKey);
      expect(authenticatedInput(config, context(init, authToken)), body).toEqual(params);
    }
    const other = formRequest(
      new URLSearchParams({ ...params, Digits: '9' }).toString(),
      twilio.getExpectedTwilioSignature(authToken, url, { ...params, Digits: '9' }),
    );
    expect((await accepted(config, other, authToken)).dedupKey).not.toBe(first.dedupKey);
  });

  it('gives CEL a repeated parameter as the sorted list of its distinct values, one value as a string', async () => {
    const signed = { To: '+18005551212', MediaUrl: ['https://m.example/2', 'https://m.example/1'] };
    const signature = twilio.getExpectedTwilioSignature(authToken, url, signed);
    const body =
      'MediaUrl=https%3A%2F%2Fm.example%2F2&To=%2B18005551212&MediaUrl=https%3A%2F%2Fm.example%2F1&To=%2B18005551212';
    const init = formRequest(body, signature);
    expect(await verify(config, init, authToken)).toMatchObject({ ok: true });
    expect(authenticatedInput(config, context(init, authToken))).toEqual({
      MediaUrl: ['https://m.example/1', 'https://m.example/2'],
      To: '+18005551212',
    });
    // A JSON body is signed through bodySHA256: the generic parse applies.
    const json = jsonRequest(JSON.stringify({ Status: 'sent' }));
    expect(authenticatedInput(config, context(json, authToken))).toBeUndefined();
  });

  it('dedups a JSON body on the signed URL, which carries the body hash', async () => {
    const body = JSON.stringify({ AccountSid: 'AC123', Status: 'delivered' });
    const first = await accepted(config, jsonRequest(body), authToken);
    expect((await accepted(config, jsonRequest(body), authToken)).dedupKey).toBe(first.dedupKey);
    const other = JSON.stringify({ AccountSid: 'AC123', Status: 'failed' });
    expect((await accepted(config, jsonRequest(other), authToken)).dedupKey).not.toBe(first.dedupKey);
  });

  it('accepts repeated parameters, signed as the twilio library signs them', async () => {
    const repeated = { To: '+18005551212', MediaUrl: ['https://m.example/2', 'https://m.example/1'] };
    const body = 'MediaUrl=https%3A%2F%2Fm.example%2F2&To=%2B18005551212&MediaUrl=https%3A%2F%2Fm.example%2F1';
    const signature = twilio.getExpectedTwilioSignature(authToken, url, repeated);
    expect(twilio.validateRequest(authToken, signature, url, repeated)).toBe(true);
    expect(await verify(config, formRequest(body, signature), authToken)).toMatchObject({ ok: true });
  });

  it('accepts a JSON body signed through bodySHA256, as validateRequestWithBody does', async () => {
    const body = JSON.stringify({ AccountSid: 'AC123', Status: 'delivered', Note: 'Grüße' });
    const init = jsonRequest(body);
    expect(twilio.validateRequestWithBody(authToken, init.headers['X-Twilio-Signature'], init.url, body)).toBe(true);
    expect(await verify(config, init, authToken)).toMatchObject({ ok: true });
  });

  it('accepts a signature over the URL with or without the default port', async () => {
    const withPort = url.replace('.com/', '.com:443/');
    const signedWithPort = twilio.getExpectedTwilioSignature(authToken, withPort, params);
    expect(twilio.validateRequest(authToken, signedWithPort, url, params)).toBe(true);
    expect(await verify(config, formRequest(formBody, signedWithPort), authToken)).toMatchObject({ ok: true });

    const signedWithout = twilio.getExpectedTwilioSignature(authToken, url, params);
    const init = { ...formRequest(formBody, signedWithout), url: withPort };
    expect(twilio.validateRequest(authToken, signedWithout, withPort, params)).toBe(true);
    expect(await verify(config, init, authToken)).toMatchObject({ ok: true });
  });

  it('accepts a signature over the normalized URL, as validateRequest does', async () => {
    const raw = `${url}&name=O'Brien`;
    const signed = twilio.getExpectedTwilioSignature(authToken, new URL(raw).toString(), params);
    expect(new URL(raw).toString()).not.toBe(raw);
    expect(twilio.validateRequest(authToken, signed, raw, params)).toBe(true);
    expect(await verify(config, { ...formRequest(formBody, signed), url: raw }, authToken)).toMatchObject({ ok: true });
  });

  it('accepts the primary or the secondary auth token while rotating, and not an expired one', async () => {
    const signature = twilio.getExpectedTwilioSignature('secondary-token', url, params);
    const rotating = {
      values: [{ value: authToken }, { value: 'secondary-token', expiresAt: '2999-01-01T00:00:00Z' }],
    };
    expect(await verify(config, formRequest(formBody, signature), { default: rotating })).toMatchObject({ ok: true });
    const expired = { values: [{ value: authToken }, { value: 'secondary-token', expiresAt: '2000-01-01T00:00:00Z' }] };
    expect(await verify(config, formRequest(formBody, signature), { default: expired })).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if one byte of the body changed', async () => {
    expect(await verify(config, formRequest(tampered(formBody)), authToken)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
    const json = JSON.stringify({ AccountSid: 'AC123', Status: 'delivered' });
    const init = jsonRequest(tampered(json), json);
    expect(twilio.validateRequestWithBody(authToken, init.headers['X-Twilio-Signature'], init.url, init.body)).toBe(
      false,
    );
    expect(await verify(config, init, authToken)).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('fails if the JSON is pretty-printed with the original signature', async () => {
    const json = JSON.stringify({ AccountSid: 'AC123', Status: 'delivered' });
    expect(await verify(config, jsonRequest(prettyPrinted(json), json), authToken)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if the URL differs from the signed one', async () => {
    const init = { ...formRequest(), url: url.replace('account=main', 'account=other') };
    expect(await verify(config, init, authToken)).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('fails with the wrong auth token', async () => {
    const signature = twilio.getExpectedTwilioSignature('another-token', url, params);
    expect(await verify(config, formRequest(formBody, signature), authToken)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
    expect(await verify(config, jsonRequest('{}', '{}', 'another-token'), authToken)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if X-Twilio-Signature is missing', async () => {
    const init = { url, headers: { 'Content-Type': FORM_TYPE }, body: formBody };
    expect(await verify(config, init, authToken)).toMatchObject({ ok: false, reason: 'missing_header' });
  });

  it('fails on a malformed X-Twilio-Signature', async () => {
    const good = twilio.getExpectedTwilioSignature(authToken, url, params);
    for (const bad of [Buffer.from(good, 'base64').toString('hex'), good.slice(0, -4), 'not base64!', good + good]) {
      expect(await verify(config, formRequest(formBody, bad), authToken), bad).toMatchObject({
        ok: false,
        reason: 'malformed_header',
      });
    }
  });

  it('fails on a JSON body whose URL carries no bodySHA256', async () => {
    const init = {
      url,
      headers: {
        'X-Twilio-Signature': twilio.getExpectedTwilioSignature(authToken, url, {}),
        'Content-Type': 'application/json',
      },
      body: '{}',
    };
    expect(await verify(config, init, authToken)).toMatchObject({ ok: false, reason: 'malformed_body' });
  });

  it('fails closed when no auth token is set', async () => {
    for (const empty of ['', { values: [] }]) {
      expect(await verify(config, formRequest(), { default: empty })).toMatchObject({
        ok: false,
        reason: 'secret_not_set',
      });
    }
  });
});
