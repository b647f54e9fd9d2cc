import { sign } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCredentialHeader } from '../../lambdas/core/http/credentials';
import { HttpHeaders } from '../../lambdas/core/http/headers';
import type { RouteConfig, WebhookConfig } from '../../lambdas/core/config/webhook';
import { redactHeaders } from '../../lambdas/ingest/pipeline';
import { testGateway } from '../support/gateway';
import { startLocalAws, type LocalAws } from '../support/local-aws';

/** What a misdirected sender may post: credentials of other schemes than the webhook's. */
const FOREIGN_CREDENTIALS = {
  Authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig-of-another-service',
  'Proxy-Authorization': 'Basic dXNlcjpwYXNz',
  'X-Api-Key': 'key-of-another-service',
  'X-ApiKey': 'key-two',
  'Stripe-Signature': 't=1,v1=abcdef0123',
  'X-Hub-Signature-256': 'sha256=0123abcd',
  'X-Slack-Signature': 'v0=feedface',
  'X-Shopify-Hmac-Sha256': 'c2hvcGlmeQ==',
  'X-Gitlab-Token': 'gitlab-token-value',
  'X-Webhook-Secret': 'a-shared-secret',
  'X-Password': 'hunter2',
  Cookie: 'session=abc123',
  'X-Amz-Security-Token': 'FwoGZXIvYXdzE-token',
  'X-Client-Credential': 'cred-value',
} as const;

/** Labels that name a delivery or describe the request: they stay visible. */
const LABELS = {
  'X-GitHub-Delivery': 'delivery-label-1',
  'X-GitHub-Event': 'push',
  'webhook-id': 'msg_2Lw9',
  'svix-id': 'msg_svix',
  'X-Shopify-Webhook-Id': 'b54557e4',
  'Linear-Delivery': 'lin-1',
  'Idempotency-Key': 'gitlab-idem',
  'I-Twilio-Idempotency-Token': 'twilio-idem',
  'Content-Type': 'application/json',
  'User-Agent': 'sender/1.0',
} as const;

describe('isCredentialHeader', () => {
  it.each(Object.keys(FOREIGN_CREDENTIALS))('redacts %s whatever the scheme', (name) => {
    expect(isCredentialHeader(name)).toBe(true);
    expect(isCredentialHeader(name.toUpperCase())).toBe(true);
  });

  it.each(Object.keys(LABELS))('keeps the label %s', (name) => {
    expect(isCredentialHeader(name)).toBe(false);
  });

  it('answers the same for names seen before and after the remembered answers are full', () => {
    const invented = Array.from({ length: 2000 }, (_, i) => (i % 2 === 0 ? `x-token-${i}` : `x-trace-${i}`));
    for (let round = 0; round < 2; round++) {
      for (const [i, name] of invented.entries()) expect(isCredentialHeader(name)).toBe(i % 2 === 0);
      expect(isCredentialHeader('Stripe-Signature')).toBe(true);
      expect(isCredentialHeader('I-Twilio-Idempotency-Token')).toBe(false);
    }
  });

  it("keeps the scheme's own sensitive headers on top of the well-known ones", () => {
    const apiKey: WebhookConfig = {
      name: 'custom',
      verifier: { type: 'apiKey', header: 'x-partner' },
      secrets: {},
      expressions: { eventKey: "'e'" },
      maxBodySize: 1000,
    };
    const headers = HttpHeaders.from({ 'X-Partner': 'the-key', 'X-Request-Id': 'r-1', Authorization: 'Basic x' });
    expect(redactHeaders(headers, apiKey)).toEqual({
      'x-partner': '[redacted]',
      'x-request-id': 'r-1',
      authorization: '[redacted]',
    });
  });
});

describe('a sender posting credentials of another scheme', () => {
  let local: LocalAws;
  beforeAll(async () => {
    local = await startLocalAws();
  });
  afterAll(() => local?.stop());

  const SECRET = 'gh-secret';
  const github: WebhookConfig = {
    name: 'github',
    verifier: { type: 'github' },
    secrets: { default: { secretId: 'github-secret' } },
    expressions: { eventKey: "'github:' + headers['x-github-event']" },
    maxBodySize: 100_000,
  };
  const routes: RouteConfig[] = [
    {
      id: 'on-push',
      eventKeyPattern: 'github:push',
      target: { arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:OnPush', type: 'STANDARD' },
    },
  ];

  const expectRedacted = (headers: Record<string, string> | undefined) => {
    for (const name of Object.keys(FOREIGN_CREDENTIALS)) expect(headers?.[name.toLowerCase()]).toBe('[redacted]');
    for (const [name, value] of Object.entries(LABELS)) expect(headers?.[name.toLowerCase()]).toBe(value);
    for (const value of Object.values(FOREIGN_CREDENTIALS)) expect(JSON.stringify(headers)).not.toContain(value);
  };

  it('has them redacted in the delivery record, the workflow input and the rejection sample', async () => {
    const gw = await testGateway(
      local,
      { webhooks: [github], routes },
      { secrets: { 'github-secret': JSON.stringify({ values: [{ value: SECRET }] }) } },
    );
    const body = JSON.stringify({ ref: 'refs/heads/main' });
    const headers = { ...FOREIGN_CREDENTIALS, ...LABELS };
    // Accepted: X-Hub-Signature-256 is GitHub's own (and signs the body); the rest are foreign.
    const accepted = await gw.post({
      webhook: 'github',
      body,
      headers: { ...headers, 'X-Hub-Signature-256': await sign(SECRET, body) },
    });
    expect(accepted.json()).toEqual({ id: 'delivery-label-1', status: 'accepted' });
    expectRedacted((await gw.delivery('github', 'delivery-label-1'))?.headers);
    const [message] = await gw.takeMessages();
    expectRedacted(message?.input.headers);

    // Rejected (the signature does not match): the sampled rejection record.
    expect((await gw.post({ webhook: 'github', body: `${body} `, headers })).statusCode).toBe(401);
    const rejection = (await gw.history('github')).find((r) => r.sk.startsWith('r#'));
    expect(rejection).toMatchObject({ status: 'rejected', httpStatus: 401 });
    expectRedacted(rejection?.headers);
  });
});
