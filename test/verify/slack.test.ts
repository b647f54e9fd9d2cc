import { createHmac } from 'node:crypto';
import { verifySlackRequest } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import type { VerifierConfig } from '../../lambdas/core/config/verifier';
import { prettyPrinted, tampered, verify, verifyAndShake } from '../helpers/verify';

const config: VerifierConfig = { type: 'slack' };
const secret = '8f742231b10e8888abcd99yyyzzz85a5';
const now = new Date('2026-03-01T12:00:00Z');
const nowSeconds = now.getTime() / 1000;
const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

const eventCallback = JSON.stringify({
  token: 'XXYYZZ',
  team_id: 'T123ABC456',
  api_app_id: 'A123ABC456',
  event: { type: 'app_mention', user: 'U123ABC456', text: '<@U0LAN0Z89> is it everything?', ts: '1515449522.000016' },
  type: 'event_callback',
  event_id: 'Ev123ABC456',
  event_time: 1515449522000016,
});
const slashCommand =
  'token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&team_domain=example&channel_id=C2147483705&channel_name=test' +
  '&user_id=U2147483697&user_name=Steve&command=%2Fweather&text=94070' +
  '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1234%2F5678&trigger_id=13345224609.738474920.8088930838d';
const urlVerification = JSON.stringify({
  token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl',
  challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
  type: 'url_verification',
});

/** Slack's documented algorithm; every signature is also checked with Bolt's verifySlackRequest. */
function sign(body: string, options: { key?: string; timestamp?: number } = {}): Record<string, string> {
  const timestamp = options.timestamp ?? nowSeconds;
  const signature =
    'v0=' +
    createHmac('sha256', options.key ?? secret)
      .update(`v0:${timestamp}:${body}`)
      .digest('hex');
  return { 'X-Slack-Signature': signature, 'X-Slack-Request-Timestamp': String(timestamp) };
}

function boltAccepts(body: string, headers: Record<string, string>): boolean {
  try {
    verifySlackRequest({
      signingSecret: secret,
      body,
      headers: {
        'x-slack-signature': headers['X-Slack-Signature']!,
        'x-slack-request-timestamp': Number(headers['X-Slack-Request-Timestamp']),
      },
      nowMilliseconds: now.getTime(),
    });
    return true;
  } catch {
    return false;
  }
}

function request(body: string, contentType: string, headers = sign(body)) {
  return { headers: { ...headers, 'Content-Type': contentType }, body };
}

describe('slack preset', () => {
  it('accepts a signed Events API request, as Bolt does', async () => {
    const headers = sign(eventCallback);
    expect(boltAccepts(eventCallback, headers)).toBe(true);
    expect(await verify(config, request(eventCallback, JSON_TYPE, headers), secret, now)).toEqual({
      ok: true,
      scheme: 'slack',
      deliveryId: 'Ev123ABC456',
      deliveryIdSource: 'provider',
      dedupKey: 'Ev123ABC456',
      dedupKeySource: 'signed-id',
      eventType: 'app_mention',
      timestamp: now,
    });
  });

  it('dedups on the signed event_id, whatever timestamp a retry is signed with', async () => {
    const first = await verify(config, request(eventCallback, JSON_TYPE), secret, now);
    const retry = await verify(
      config,
      request(eventCallback, JSON_TYPE, sign(eventCallback, { timestamp: nowSeconds - 30 })),
      secret,
      now,
    );
    const other = eventCallback.replace('Ev123ABC456', 'Ev999');
    const another = await verify(config, request(other, JSON_TYPE), secret, now);
    expect([first, retry, another].map((v) => v.ok && v.dedupKey)).toEqual(['Ev123ABC456', 'Ev123ABC456', 'Ev999']);
  });

  it('accepts a form-encoded slash command', async () => {
    const headers = sign(slashCommand);
    expect(boltAccepts(slashCommand, headers)).toBe(true);
    const verdict = await verify(config, request(slashCommand, FORM_TYPE, headers), secret, now);
    expect(verdict).toMatchObject({
      ok: true,
      deliveryIdSource: 'fallback',
      dedupKeySource: 'signed-hash',
      eventType: '/weather',
    });
    expect(verdict.ok && verdict.deliveryId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts an interactivity payload and reads its type', async () => {
    const payload = JSON.stringify({ type: 'block_actions', user: { id: 'U1' }, actions: [{ action_id: 'approve' }] });
    const body = new URLSearchParams({ payload }).toString();
    expect(await verify(config, request(body, FORM_TYPE), secret, now)).toMatchObject({
      ok: true,
      deliveryIdSource: 'fallback',
      eventType: 'block_actions',
    });
  });

  it('answers a signed url_verification with its challenge, as Bolt does', async () => {
    const { verdict, handshake } = await verifyAndShake(config, request(urlVerification, JSON_TYPE), secret, now);
    expect(verdict).toMatchObject({ ok: true, eventType: 'url_verification' });
    expect(handshake).toEqual({
      statusCode: 200,
      contentType: 'application/json',
      body: JSON.stringify({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' }),
    });
  });

  it('answers no handshake for an ordinary event', async () => {
    const { handshake } = await verifyAndShake(config, request(eventCallback, JSON_TYPE), secret, now);
    expect(handshake).toBeUndefined();
  });

  it('fails if a url_verification is unsigned, wrongly signed or stale, and answers no challenge', async () => {
    const unsigned = { headers: { 'Content-Type': JSON_TYPE }, body: urlVerification };
    const wrong = request(urlVerification, JSON_TYPE, sign(urlVerification, { key: 'not-the-secret' }));
    const stale = request(urlVerification, JSON_TYPE, sign(urlVerification, { timestamp: nowSeconds - 600 }));
    for (const [init, reason] of [
      [unsigned, 'missing_header'],
      [wrong, 'signature_mismatch'],
      [stale, 'timestamp_too_old'],
    ] as const) {
      const { verdict, handshake } = await verifyAndShake(config, init, secret, now);
      expect(verdict).toMatchObject({ ok: false, reason });
      expect(handshake).toBeUndefined();
    }
  });

  it('accepts any active secret while rotating, and not an expired one', async () => {
    const init = request(eventCallback, JSON_TYPE, sign(eventCallback, { key: 'old-signing-secret' }));
    const rotating = {
      values: [{ value: secret }, { value: 'old-signing-secret', expiresAt: '2026-03-02T00:00:00Z' }],
    };
    expect(await verify(config, init, { default: rotating }, now)).toMatchObject({ ok: true });
    const expired = { values: [{ value: secret }, { value: 'old-signing-secret', expiresAt: '2026-02-01T00:00:00Z' }] };
    expect(await verify(config, init, { default: expired }, now)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if one byte of the body changed', async () => {
    for (const [body, type] of [
      [eventCallback, JSON_TYPE],
      [slashCommand, FORM_TYPE],
    ] as const) {
      const verdict = await verify(config, request(tampered(body), type, sign(body)), secret, now);
      expect(verdict).toMatchObject({ ok: false, reason: 'signature_mismatch' });
    }
  });

  it('fails if the JSON is pretty-printed with the original signature', async () => {
    const init = request(prettyPrinted(eventCallback), JSON_TYPE, sign(eventCallback));
    expect(await verify(config, init, secret, now)).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('fails with the wrong secret', async () => {
    const headers = sign(eventCallback, { key: 'another-secret' });
    expect(boltAccepts(eventCallback, headers)).toBe(false);
    expect(await verify(config, request(eventCallback, JSON_TYPE, headers), secret, now)).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if the signature or timestamp header is missing', async () => {
    for (const name of ['X-Slack-Signature', 'X-Slack-Request-Timestamp']) {
      const headers = sign(eventCallback);
      delete headers[name];
      expect(await verify(config, request(eventCallback, JSON_TYPE, headers), secret, now)).toMatchObject({
        ok: false,
        reason: 'missing_header',
      });
    }
  });

  it('fails on a malformed signature or timestamp header', async () => {
    const good = sign(eventCallback);
    const hex = good['X-Slack-Signature']!.slice(3);
    for (const bad of [`v1=${hex}`, hex, `v0=${hex.slice(1)}`, `v0=${hex}00`, 'v0=']) {
      const init = request(eventCallback, JSON_TYPE, { ...good, 'X-Slack-Signature': bad });
      expect(await verify(config, init, secret, now)).toMatchObject({ ok: false, reason: 'malformed_header' });
    }
    const init = request(eventCallback, JSON_TYPE, { ...good, 'X-Slack-Request-Timestamp': '1.5e9' });
    expect(await verify(config, init, secret, now)).toMatchObject({ ok: false, reason: 'malformed_header' });
  });

  it('fails if the timestamp is older than 300 s', async () => {
    expect(
      await verify(
        config,
        request(eventCallback, JSON_TYPE, sign(eventCallback, { timestamp: nowSeconds - 300 })),
        secret,
        now,
      ),
    ).toMatchObject({ ok: true });
    const headers = sign(eventCallback, { timestamp: nowSeconds - 301 });
    expect(boltAccepts(eventCallback, headers)).toBe(false);
    expect(await verify(config, request(eventCallback, JSON_TYPE, headers), secret, now)).toMatchObject({
      ok: false,
      reason: 'timestamp_too_old',
    });
  });

  it('fails if the timestamp is more than 300 s in the future', async () => {
    const headers = sign(eventCallback, { timestamp: nowSeconds + 301 });
    expect(await verify(config, request(eventCallback, JSON_TYPE, headers), secret, now)).toMatchObject({
      ok: false,
      reason: 'timestamp_in_future',
    });
  });

  it('fails closed when no secret is set', async () => {
    for (const empty of ['', { values: [] }]) {
      expect(await verify(config, request(eventCallback, JSON_TYPE), { default: empty }, now)).toMatchObject({
        ok: false,
        reason: 'secret_not_set',
      });
    }
  });
});
