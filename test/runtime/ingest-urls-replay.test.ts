import { createHmac } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbConfigStore } from '../../lambdas/adapters/dynamodb-config';
import { replayDelivery, ReplayError } from '../../lambdas/ingest/replay';
import { executionName } from '../../lambdas/core/config/messages';
import type { RouteConfig, WebhookConfig } from '../../lambdas/core/config/webhook';
import { API_HOST } from '../support/api-event';
import { testGateway, writeConfig } from '../support/gateway';
import { startLocalAws, type LocalAws } from '../support/local-aws';

let local: LocalAws;
beforeAll(async () => {
  local = await startLocalAws();
});
afterAll(() => local?.stop());

const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine';
const AUTH_TOKEN = '12345678901234567890123456789012';
const TWIML = {
  statusCode: 200,
  contentType: 'text/xml',
  body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
};

function twilioHook(name: string, publicUrl?: string): WebhookConfig {
  return {
    name,
    verifier: { type: 'twilio' },
    secrets: { default: { secretId: 'twilio-token' } },
    expressions: { eventKey: "'twilio:' + (has(input.SmsStatus) ? input.SmsStatus : 'json')" },
    successResponse: TWIML,
    maxBodySize: 100_000,
    ...(publicUrl && { publicUrl }),
  };
}

const sms = {
  MessageSid: 'SM1',
  From: '+14158675309',
  To: '+18005551212',
  Body: 'Grüße & more = ok?',
  SmsStatus: 'received',
};
const route: RouteConfig = {
  id: 'sms',
  eventKeyPattern: 'twilio:*',
  target: { arn: `${MACHINE}:Sms`, type: 'STANDARD' },
};

describe('the URL the sender signed', () => {
  const secrets = { 'twilio-token': AUTH_TOKEN };

  it('is https://{Host}{stage path} with the query, for a form POST signed by the twilio library', async () => {
    const gw = await testGateway(local, { webhooks: [twilioHook('twilio')], routes: [route] }, { secrets });
    const url = `https://${API_HOST}/v1/webhooks/twilio?account=main`;
    const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, sms);
    expect(twilio.validateRequest(AUTH_TOKEN, signature, url, sms)).toBe(true);
    const response = await gw.post({
      webhook: 'twilio',
      query: { account: 'main' },
      body: new URLSearchParams(sms).toString(),
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-Twilio-Signature': signature,
        'I-Twilio-Idempotency-Token': 'tok-1',
      },
    });
    expect(response).toMatchObject({ statusCode: 200, body: TWIML.body, headers: { 'content-type': 'text/xml' } });
    const [message] = await gw.takeMessages();
    expect(message!.input).toMatchObject({ deliveryId: 'tok-1', eventKey: 'twilio:received', payload: sms });
    expect(message!.input.headers['x-twilio-signature']).toBe('[redacted]');
  });

  it('carries bodySHA256 for a JSON body, rebuilt from the query parameters', async () => {
    const gw = await testGateway(local, { webhooks: [twilioHook('twilio')], routes: [route] }, { secrets });
    const body = JSON.stringify({ event: 'status' });
    const hash = twilio.getExpectedBodyHash(body);
    const url = `https://${API_HOST}/v1/webhooks/twilio?bodySHA256=${hash}`;
    const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, {});
    expect(twilio.validateRequestWithBody(AUTH_TOKEN, signature, url, body)).toBe(true);
    const response = await gw.post({
      webhook: 'twilio',
      query: { bodySHA256: hash },
      body,
      headers: { 'Content-Type': 'application/json', 'X-Twilio-Signature': signature },
    });
    expect(response.statusCode).toBe(200);
  });

  it('is publicUrl when the webhook sets one (a custom domain fronts the API)', async () => {
    const gw = await testGateway(
      local,
      { webhooks: [twilioHook('twilio', 'https://hooks.example.com/sms')], routes: [route] },
      { secrets },
    );
    const post = (url: string) =>
      gw.post({
        webhook: 'twilio',
        query: { account: 'main' },
        body: new URLSearchParams(sms).toString(),
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          'X-Twilio-Signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, sms),
        },
      });
    expect((await post('https://hooks.example.com/sms?account=main')).statusCode).toBe(200);
    expect((await post(`https://${API_HOST}/v1/webhooks/twilio?account=main`)).statusCode).toBe(401);
  });
});

describe('handshakes', () => {
  const hook: WebhookConfig = {
    name: 'hooks',
    verifier: { type: 'hmac', header: 'x-signature', algorithm: 'sha256', encoding: 'hex', signedContent: '{body}' },
    secrets: { default: { secretId: 'hooks' } },
    handshake: { field: 'type', equals: 'url_verification', respondWith: 'challenge' },
    expressions: { eventKey: "'hooks:' + input.type" },
    maxBodySize: 10_000,
  };
  const signed = (body: string, key = 'hook-secret') => ({
    webhook: 'hooks',
    body,
    headers: {
      'Content-Type': 'application/json',
      'X-Signature': createHmac('sha256', key).update(body).digest('hex'),
    },
  });

  it('answers an authentic handshake, enqueues nothing and marks the URL verified', async () => {
    const gw = await testGateway(local, { webhooks: [hook], routes: [] }, { secrets: { hooks: 'hook-secret' } });
    const response = await gw.post(signed('{"type":"url_verification","challenge":"c-123"}'));
    expect(response).toMatchObject({ statusCode: 200, body: '{"challenge":"c-123"}' });
    expect(await gw.takeMessages()).toEqual([]);
    expect((await gw.deps.config.load('hooks'))?.verifiedAt).toBe(gw.clock.now().toISOString());
  });

  it('fails if the handshake is not signed: 401, no answer', async () => {
    const gw = await testGateway(local, { webhooks: [hook], routes: [] }, { secrets: { hooks: 'hook-secret' } });
    const response = await gw.post(signed('{"type":"url_verification","challenge":"c-123"}', 'forged'));
    expect(response.statusCode).toBe(401);
    expect(response.body).not.toContain('c-123');
  });
});

describe('replayDelivery', () => {
  const SECRET = 'gh-secret';
  const github: WebhookConfig = {
    name: 'github',
    verifier: { type: 'github' },
    secrets: { default: { secretId: 'gh' } },
    expressions: { eventKey: "'github:' + headers['x-github-event']", scope: 'input.repository.full_name' },
    maxBodySize: 1_000_000,
  };
  const routes: RouteConfig[] = [
    { id: 'push', eventKeyPattern: 'github:push', target: { arn: `${MACHINE}:Push`, type: 'STANDARD' } },
  ];
  const request = async (body: object, delivery: string) => {
    const text = JSON.stringify(body);
    return {
      webhook: 'github',
      body: text,
      headers: {
        'Content-Type': 'application/json',
        'X-GitHub-Event': 'push',
        'X-GitHub-Delivery': delivery,
        'X-Hub-Signature-256': await sign(SECRET, text),
      },
    };
  };
  const gateway = () => testGateway(local, { webhooks: [github], routes }, { secrets: { gh: SECRET } });

  it('runs the recorded delivery again as a new one, numbered, with replayOf', async () => {
    const gw = await gateway();
    await gw.post(await request({ repository: { full_name: 'o/r' } }, 'orig'));
    await gw.dispatch();
    const first = await replayDelivery(gw.deps, 'github', 'orig');
    const second = await replayDelivery(gw.deps, 'github', 'orig');
    expect([first.deliveryId, first.status, second.deliveryId]).toEqual(['orig#replay-1', 'accepted', 'orig#replay-2']);
    await gw.dispatch();
    // Keyed by the signed body (X-GitHub-Delivery is only the label); a replay's key is the original's + #replay-n.
    const key = (await gw.delivery('github', 'orig'))!.idempotencyKey!;
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(gw.sfn.started.map((s) => s.name)).toEqual([
      executionName('github', key, 'push'),
      executionName('github', `${key}#replay-1`, 'push'),
      executionName('github', `${key}#replay-2`, 'push'),
    ]);
    expect(gw.sfn.started[1]!.input).toMatchObject({
      deliveryId: 'orig#replay-1',
      replayOf: 'orig',
      eventKey: 'github:push',
      payload: { repository: { full_name: 'o/r' } },
    });
    expect(await gw.delivery('github', 'orig')).toMatchObject({ status: 'enqueued', replays: 2 });
    expect(await gw.delivery('github', 'orig#replay-1')).toMatchObject({ status: 'enqueued', replayOf: 'orig' });
  });

  it('replays a transform_failed delivery under the fixed config', async () => {
    const gw = await gateway();
    const response = await gw.post(await request({ ref: 'main' }, 'broken'));
    expect(response.json()).toMatchObject({ status: 'transform_failed' });
    const fixed = {
      ...github,
      expressions: { ...github.expressions, scope: 'has(input.repository) ? input.repository.full_name : null' },
    };
    await writeConfig(local, gw.resources, { webhooks: [fixed], routes });
    const deps = { ...gw.deps, config: new DynamoDbConfigStore(local.dynamodb, gw.resources.configTable) };
    expect(await replayDelivery(deps, 'github', 'broken')).toMatchObject({
      deliveryId: 'broken#replay-1',
      status: 'accepted',
    });
  });

  it('reads a large recorded body back from the bucket', async () => {
    const gw = await gateway();
    const body = { repository: { full_name: 'o/r' }, pad: 'x'.repeat(100_000) };
    await gw.post(await request(body, 'large'));
    expect((await gw.delivery('github', 'large'))!.bodyRef).toBeDefined();
    await gw.takeMessages();
    await replayDelivery(gw.deps, 'github', 'large');
    const [message] = await gw.takeMessages();
    expect(message!.input).toMatchObject({ deliveryId: 'large#replay-1', payload: body });
    expect((await gw.delivery('github', 'large#replay-1'))!.bodyRef).toEqual(
      (await gw.delivery('github', 'large'))!.bodyRef,
    );
  });

  it('fails if the delivery was never recorded', async () => {
    const gw = await gateway();
    await expect(replayDelivery(gw.deps, 'github', 'nope')).rejects.toBeInstanceOf(ReplayError);
  });
});
