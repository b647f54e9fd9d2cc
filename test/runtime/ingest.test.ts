import { createHash } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_ITEMS, HISTORY_ITEMS } from '../../lambdas/core/config/tables';
import { executionName, type WorkflowInput } from '../../lambdas/core/config/messages';
import { MAX_JSON_DEPTH } from '../../lambdas/core/http/json';
import type { RouteConfig, WebhookConfig } from '../../lambdas/core/config/webhook';
import { signedBytesKey } from '../../lambdas/core/verify/common';
import { HttpHeaders } from '../../lambdas/core/http/headers';
import { createIngestHandler } from '../../lambdas/ingest/request-handler';
import { processDelivery } from '../../lambdas/ingest/pipeline';
import { apiEvent } from '../support/api-event';
import { testGateway, type TestGateway } from '../support/gateway';
import { startLocalAws, type LocalAws } from '../support/local-aws';

let local: LocalAws;
beforeAll(async () => {
  local = await startLocalAws();
});
afterAll(() => local?.stop());

const SECRET = 'gh-webhook-secret';
const STANDARD = 'arn:aws:states:us-east-1:123456789012:stateMachine';

const github: WebhookConfig = {
  name: 'github',
  verifier: { type: 'github' },
  secrets: { default: { secretId: 'github-secret' } },
  expressions: {
    filter: "headers['x-github-event'] != 'ping'",
    eventKey: "'github:' + headers['x-github-event']",
    scope: 'input.repository.full_name',
  },
  staticPayload: { environment: 'test' },
  maxBodySize: 1_000_000,
};

const routes: RouteConfig[] = [
  { id: 'on-push', eventKeyPattern: 'github:push', target: { arn: `${STANDARD}:OnPush`, type: 'STANDARD' } },
  {
    id: 'opened-issues',
    eventKeyPattern: 'github:issues',
    filter: "input.action == 'opened'",
    target: { arn: `${STANDARD}:Triage`, type: 'STANDARD' },
  },
  {
    id: 'all-push',
    eventKeyPattern: 'github:push',
    webhook: 'github',
    target: { arn: `${STANDARD}:Audit`, type: 'EXPRESS' },
  },
];

async function githubRequest(
  event: string,
  body: object | string,
  delivery = `d-${Math.random().toString(36).slice(2)}`,
) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    webhook: 'github',
    body: text,
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': 'GitHub-Hookshot/abc',
      'X-GitHub-Event': event,
      'X-GitHub-Delivery': delivery,
      'X-Hub-Signature-256': await sign(SECRET, text),
    },
  };
}

const push = { ref: 'refs/heads/main', repository: { full_name: 'octo/repo' } };

/** GitHub's dedup key: a hash of the signed body (X-GitHub-Delivery is not signed). */
const keyOf = (body: string) => signedBytesKey('', Buffer.from(body));

function gateway(
  extra: Partial<{ webhooks: WebhookConfig[]; routes: RouteConfig[] }> = {},
  options = {},
): Promise<TestGateway> {
  return testGateway(
    local,
    { webhooks: [github, ...(extra.webhooks ?? [])], routes: [...routes, ...(extra.routes ?? [])] },
    { secrets: { 'github-secret': JSON.stringify({ values: [{ value: SECRET }] }) }, ...options },
  );
}

describe('accepting a delivery', () => {
  it('verifies, records, enqueues one message per matching route and answers 202 accepted', async () => {
    const gw = await gateway();
    const request = await githubRequest('push', push, 'delivery-1');
    const response = await gw.post(request);
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ id: 'delivery-1', status: 'accepted' });

    const messages = await gw.takeMessages();
    expect(messages.map((m) => m.routeId)).toEqual(['on-push', 'all-push']);
    const input = messages[0]!.input;
    expect(input).toEqual({
      webhook: 'github',
      deliveryId: 'delivery-1',
      eventKey: 'github:push',
      scope: 'octo/repo',
      receivedAt: gw.clock.now().toISOString(),
      headers: expect.objectContaining({
        'x-github-event': 'push',
        'x-hub-signature-256': '[redacted]',
        'user-agent': 'GitHub-Hookshot/abc',
      }),
      payload: { ...push, environment: 'test' },
    });
    expect(messages[1]).toMatchObject({ kind: 'start', target: { arn: `${STANDARD}:Audit`, type: 'EXPRESS' }, input });

    const record = await gw.delivery('github', 'delivery-1');
    expect(record).toMatchObject({
      deliveryId: 'delivery-1',
      status: 'pending',
      eventKey: 'github:push',
      scope: 'octo/repo',
      routes: ['on-push', 'all-push'],
      sourceIp: '192.0.2.10',
      userAgent: 'GitHub-Hookshot/abc',
      bodySize: request.body.length,
    });
    expect(record!.headers!['x-hub-signature-256']).toBe('[redacted]');
    expect(Buffer.from(record!.body!).toString()).toBe(request.body);
    // An inline body is stored without its hash; the history store derives it when read.
    expect(record!.bodySha256).toBe(createHash('sha256').update(request.body).digest('hex'));
    const stored = await local.dynamodb.send(
      new GetItemCommand({
        TableName: gw.resources.historyTable,
        Key: marshall(HISTORY_ITEMS.delivery('github', record!.idempotencyKey!)),
      }),
    );
    expect(stored.Item?.body).toBeDefined();
    expect(stored.Item?.bodySha256).toBeUndefined();
    expect(record!.expiresAt).toBe(Math.floor(gw.clock.now().getTime() / 1000) + 30 * 86400);
    expect(gw.telemetry.total('Enqueued')).toBe(2);
    expect(gw.secretsManager.mock.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: 'github-secret' },
    ]);
  });

  it('hashes a delivery id too long to be a DynamoDB index key, so the delivery is still accepted under a stable id', async () => {
    const gw = await gateway();
    const long = 'd'.repeat(3000);
    const first = await gw.post(await githubRequest('push', push, long));
    expect(first.statusCode).toBe(202);
    const { id } = first.json() as { id: string };
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The same id again: one dedup record (still pending here, so the retry is enqueued once more).
    expect((await gw.post(await githubRequest('push', push, long))).json()).toMatchObject({ id });
    expect(await gw.delivery('github', id)).toMatchObject({ deliveryId: id, status: 'pending' });
  });

  it('takes at most two sequential AWS round trips on the warm path: the claim, then the queue', async () => {
    const gw = await gateway();
    expect((await gw.post(await githubRequest('push', push))).statusCode).toBe(202);
    gw.recorder.reset();
    expect((await gw.post(await githubRequest('push', { ...push, after: 'b' }))).statusCode).toBe(202);
    // The history item and the dedup marker in parallel; then the send, with the marker marked queued alongside.
    expect(gw.recorder.commands()).toEqual([
      'dynamodb.PutItemCommand',
      'dynamodb.PutItemCommand',
      'dynamodb.UpdateItemCommand',
      'sqs.SendMessageBatchCommand',
    ]);
    expect(gw.recorder.sequentialStages()).toBe(2);
  });

  it('runs the first-verification write alongside the dedup write, once', async () => {
    const gw = await gateway();
    gw.recorder.reset();
    await gw.post(await githubRequest('push', push));
    const send = gw.recorder.calls.find((c) => c.command === 'SendMessageBatchCommand')!;
    const first = gw.recorder.calls.filter(
      (c) =>
        c.service === 'dynamodb' &&
        c.end <= send.start &&
        c.command !== 'GetItemCommand' &&
        c.command !== 'QueryCommand',
    );
    expect(first.map((c) => c.command).sort()).toEqual(['PutItemCommand', 'PutItemCommand', 'UpdateItemCommand']);
    for (const a of first) for (const b of first) expect(a.start < b.end && b.start < a.end).toBe(true); // they overlap
    const item = await local.dynamodb.send(
      new GetItemCommand({ TableName: gw.resources.configTable, Key: marshall(CONFIG_ITEMS.webhook('github')) }),
    );
    expect(item.Item?.verifiedAt?.S).toBe(gw.clock.now().toISOString());
    gw.recorder.reset();
    await gw.post(await githubRequest('push', { ...push, after: 'b' }));
    expect(gw.recorder.commands().filter((c) => c === 'dynamodb.UpdateItemCommand')).toHaveLength(1); // the queued mark
  });

  it('accepts a body that API Gateway did not base64-encode', async () => {
    const gw = await gateway();
    const response = await gw.post({ ...(await githubRequest('push', push)), base64: false });
    expect(response.json()).toMatchObject({ status: 'accepted' });
  });

  it("answers the webhook's own success response instead of the JSON body", async () => {
    const gw = await gateway({
      webhooks: [
        {
          ...github,
          name: 'quiet',
          successResponse: { statusCode: 200, contentType: 'text/xml', body: '<Response/>' },
        },
      ],
    });
    const request = { ...(await githubRequest('push', push)), webhook: 'quiet' };
    const response = await gw.post(request);
    expect(response).toMatchObject({ statusCode: 200, headers: { 'content-type': 'text/xml' }, body: '<Response/>' });
  });
});

describe('deduplication', () => {
  it('answers duplicate for a delivery already enqueued, without enqueueing it again', async () => {
    const gw = await gateway();
    const request = await githubRequest('push', push, 'dup-1');
    await gw.post(request);
    await gw.dispatch();
    expect(gw.sfn.started).toHaveLength(2);
    expect(await gw.delivery('github', 'dup-1')).toMatchObject({ status: 'enqueued' });

    const again = await gw.post(request);
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual({ id: 'dup-1', status: 'duplicate' });
    expect(await gw.takeMessages()).toEqual([]);
    expect(await gw.delivery('github', 'dup-1')).toMatchObject({ status: 'enqueued', duplicates: 1 });
    expect(gw.telemetry.total('Duplicate')).toBe(1);
  });

  it('answers duplicate for copies sent right after the original, while it is still pending, and starts nothing for them', async () => {
    const gw = await gateway();
    const request = await githubRequest('push', push, 'pending-1');
    expect((await gw.post(request)).json()).toEqual({ id: 'pending-1', status: 'accepted' });
    const copies = await Promise.all(Array.from({ length: 16 }, () => gw.post(request)));
    expect(copies.map((c) => c.json())).toEqual(Array(16).fill({ id: 'pending-1', status: 'duplicate' }));
    expect(gw.telemetry.total('Duplicate')).toBe(16);
    expect(gw.telemetry.total('Enqueued')).toBe(2);
    await gw.dispatch();
    const key = keyOf(request.body);
    expect(gw.sfn.started.map((s) => s.name).sort()).toEqual(
      [executionName('github', key, 'all-push'), executionName('github', key, 'on-push')].sort(),
    );
    expect(await gw.delivery('github', 'pending-1')).toMatchObject({ status: 'enqueued', duplicates: 16 });
  });

  it('answers exactly one of concurrent copies accepted', async () => {
    const gw = await gateway();
    await gw.post(await githubRequest('push', push)); // warm
    const request = await githubRequest('push', { ...push, after: 'c' }, 'race-1');
    const answers = await Promise.all(Array.from({ length: 8 }, () => gw.post(request)));
    // A copy that finds the first attempt still under way is told to retry; one that finds it queued, duplicate.
    const outcomes = answers.map((a) => (a.statusCode === 503 ? 'retry' : a.json().status));
    expect(outcomes.filter((o) => o === 'accepted')).toHaveLength(1);
    expect(outcomes.filter((o) => o !== 'accepted').every((o) => o === 'retry' || o === 'duplicate')).toBe(true);
    for (const answer of answers.filter((a) => a.statusCode === 503)) {
      expect(answer.headers?.['retry-after']).toBe('5');
      expect(answer.json()).toEqual({ message: 'Service Unavailable' });
    }
    const retries = await Promise.all(answers.filter((a) => a.statusCode === 503).map(() => gw.post(request)));
    expect(retries.map((a) => a.json().status)).toEqual(retries.map(() => 'duplicate'));
    expect(await gw.takeMessages()).toHaveLength(2 + 2); // the warm-up's two routes and this one's
  });

  it('hands a delivery whose first attempt died before queuing it to the retry once the lease is over', async () => {
    const gw = await gateway({}, { maxAttempts: 1 });
    await gw.post(await githubRequest('push', push)); // warm
    await gw.dispatch();
    const request = await githubRequest('push', { ...push, after: 'd' }, 'died-1');
    // The queue and every later DynamoDB update fail: the attempt ends with its claim still pending.
    local.sqsServer.fail('down');
    local.dynamodbServer.fail('down', /UpdateItem$/);
    try {
      expect((await gw.post(request)).statusCode).toBe(503);
    } finally {
      local.sqsServer.heal();
      local.dynamodbServer.heal();
    }
    expect(await gw.delivery('github', 'died-1')).toMatchObject({ status: 'pending' });
    gw.clock.advance(5_000);
    // Within the lease the first attempt might still queue it: the copy is told to retry, not that it is a duplicate.
    const early = await gw.post(request);
    expect(early.statusCode).toBe(503);
    expect(early.headers?.['retry-after']).toBe('5');
    expect(gw.telemetry.logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'rejected',
        fields: expect.objectContaining({ reason: 'delivery_in_progress' }),
      }),
    );
    gw.clock.advance(12_000); // the lease: the ingest timeout (15 s), in whole seconds
    expect((await gw.post(request)).json()).toMatchObject({ status: 'accepted' });
    await gw.dispatch();
    expect(gw.sfn.started.filter((s) => (s.input as WorkflowInput).deliveryId === 'died-1')).toHaveLength(2);
  });

  it('tells a copy that lost the claim to an attempt that then failed to retry, not that it is a duplicate', async () => {
    // Regression (fault tests): the marker a copy lost to had turned `failed` by the time the copy
    // read it, and the copy was answered `duplicate` although nothing was queued.
    const gw = await gateway();
    const ingest = createIngestHandler({
      ...gw.deps,
      history: { ...gw.deps.history, claim: async () => ({ claimed: false, previousStatus: 'failed' }) },
    });
    const response = await ingest(apiEvent(await githubRequest('push', push, 'raced-1')));
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'retry-after': '5' });
    expect(gw.telemetry.logs).toContainEqual(
      expect.objectContaining({ fields: expect.objectContaining({ reason: 'delivery_in_progress' }) }),
    );
    expect(gw.telemetry.total('Duplicate')).toBe(0);
  });

  it('dedups on the signed body, not on the unsigned X-GitHub-Delivery', async () => {
    const gw = await gateway();
    const original = await githubRequest('push', { ...push, after: 'e' }, 'gh-1');
    expect((await gw.post(original)).json()).toEqual({ id: 'gh-1', status: 'accepted' });
    // A captured signed body sent again with a fresh id, and with the id of a future delivery.
    const fresh = { ...original, headers: { ...original.headers, 'X-GitHub-Delivery': 'gh-fresh' } };
    const future = { ...original, headers: { ...original.headers, 'X-GitHub-Delivery': 'gh-2' } };
    expect((await gw.post(fresh)).json()).toEqual({ id: 'gh-fresh', status: 'duplicate' });
    expect((await gw.post(future)).json()).toEqual({ id: 'gh-2', status: 'duplicate' });
    // The real delivery gh-2 is new.
    const real = await githubRequest('push', { ...push, after: 'f' }, 'gh-2');
    expect((await gw.post(real)).json()).toEqual({ id: 'gh-2', status: 'accepted' });
    await gw.dispatch();
    expect(gw.sfn.started.map((s) => (s.input as WorkflowInput).deliveryId).sort()).toEqual([
      'gh-1',
      'gh-1',
      'gh-2',
      'gh-2',
    ]);
  });

  it('keeps the same delivery id of two webhooks apart', async () => {
    const gw = await gateway({ webhooks: [{ ...github, name: 'github2' }] });
    const request = await githubRequest('push', push, 'shared');
    expect((await gw.post(request)).json()).toMatchObject({ status: 'accepted' });
    expect((await gw.post({ ...request, webhook: 'github2' })).json()).toMatchObject({ status: 'accepted' });
  });

  it('uses the CEL idempotency key when the webhook sets one', async () => {
    const gw = await gateway({
      webhooks: [{ ...github, name: 'keyed', expressions: { ...github.expressions, idempotencyKey: 'input.ref' } }],
    });
    const first = await githubRequest('push', push, 'a');
    const second = await githubRequest('push', push, 'b');
    expect((await gw.post({ ...first, webhook: 'keyed' })).json()).toMatchObject({ status: 'accepted' });
    await gw.dispatch();
    expect((await gw.post({ ...second, webhook: 'keyed' })).json()).toEqual({ id: 'b', status: 'duplicate' });
  });
});

describe('events that start nothing', () => {
  it('records filtered, unrouted and transform_failed deliveries with their final status', async () => {
    const gw = await gateway();
    const cases = [
      { event: 'ping', body: { zen: 'hi', repository: { full_name: 'octo/repo' } }, status: 'filtered' },
      { event: 'issues', body: { action: 'closed', repository: { full_name: 'octo/repo' } }, status: 'unrouted' },
      { event: 'push', body: { ref: 'x' }, status: 'transform_failed' },
    ];
    for (const c of cases) {
      const request = await githubRequest(c.event, c.body, `id-${c.status}`);
      const response = await gw.post(request);
      expect(response.statusCode).toBe(202);
      expect(response.json()).toEqual({ id: `id-${c.status}`, status: c.status });
      const record = await gw.delivery('github', `id-${c.status}`);
      expect(record).toMatchObject({ status: c.status, routes: [] });
      expect(Buffer.from(record!.body!).toString()).toBe(request.body);
    }
    expect((await gw.delivery('github', 'id-transform_failed'))!.reason).toMatch(/^scope: /);
    expect((await gw.delivery('github', 'id-unrouted'))!.eventKey).toBe('github:issues');
    expect(await gw.takeMessages()).toEqual([]);
    expect([
      gw.telemetry.total('Filtered'),
      gw.telemetry.total('Unrouted'),
      gw.telemetry.total('TransformFailed'),
    ]).toEqual([1, 1, 1]);
  });

  it('routes only when the route filter matches', async () => {
    const gw = await gateway();
    const response = await gw.post(
      await githubRequest('issues', { action: 'opened', repository: { full_name: 'o/r' } }, 'i1'),
    );
    expect(response.json()).toMatchObject({ status: 'accepted' });
    expect((await gw.takeMessages()).map((m) => m.routeId)).toEqual(['opened-issues']);
  });
});

describe('unexpected errors after verification', () => {
  it('records a payload that cannot become a workflow input (JSON.stringify RangeError) as transform_failed, body kept', async () => {
    const gw = await gateway();
    const body = '{"ref":"refs/heads/main","repository":{"full_name":"octo/repo"}}';
    let deep: Record<string, unknown> = { end: true };
    for (let i = 0; i < 20_000; i++) deep = { a: deep };
    const loaded = (await gw.deps.config.load('github'))!;
    const outcome = await processDelivery(gw.deps, {
      webhook: loaded,
      headers: HttpHeaders.from({ 'x-github-event': 'push', 'x-github-delivery': 'deep-1' }),
      query: {},
      body: Buffer.from(body),
      input: { ...push, deep },
      deliveryId: 'deep-1',
      dedupKey: keyOf(body),
      receivedAt: gw.clock.now(),
    });
    expect(outcome).toMatchObject({ deliveryId: 'deep-1', status: 'transform_failed' });
    const record = await gw.delivery('github', 'deep-1');
    expect(record).toMatchObject({
      status: 'transform_failed',
      reason: expect.stringMatching(/^internal_error: RangeError/),
    });
    expect(Buffer.from(record!.body!).toString()).toBe(body);
    expect(await gw.takeMessages()).toEqual([]);
    expect(gw.telemetry.total('TransformFailed')).toBe(1);
  });

  it('answers 202 transform_failed, never a 5xx, when anything throws after the request verified', async () => {
    const gw = await gateway();
    const broken = {
      get field(): string {
        throw new TypeError('a bug');
      },
    };
    const handler = createIngestHandler({
      ...gw.deps,
      config: {
        markVerified: (name, at) => gw.deps.config.markVerified(name, at),
        async load(name) {
          const loaded = (await gw.deps.config.load(name))!;
          return { ...loaded, config: { ...loaded.config, handshake: broken as never } };
        },
      },
    });
    const request = await githubRequest('push', { ...push, after: 'bug' }, 'bug-1');
    const response = await handler(apiEvent(request));
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toEqual({ id: 'bug-1', status: 'transform_failed' });
    const record = await gw.delivery('github', 'bug-1');
    expect(record).toMatchObject({ status: 'transform_failed', reason: 'internal_error: TypeError: a bug' });
    expect(Buffer.from(record!.body!).toString()).toBe(request.body);
    expect(gw.telemetry.logs.find((l) => l.message === 'unexpected error after verification')).toBeDefined();
  });
});

describe('rejections', () => {
  it('answers one generic 401 for every verification failure, logs and counts the reason', async () => {
    const gw = await gateway();
    const good = await githubRequest('push', push);
    const forged = { ...good, headers: { ...good.headers, 'X-Hub-Signature-256': await sign('wrong', good.body) } };
    const unsigned = { ...good, headers: { ...good.headers, 'X-Hub-Signature-256': '' } };
    const a = await gw.post(forged);
    const b = await gw.post(unsigned);
    expect([a.statusCode, b.statusCode]).toEqual([401, 401]);
    expect(a.body).toBe(b.body);
    expect(a.json()).toEqual({ message: 'Unauthorized' });
    expect(gw.telemetry.logs.filter((l) => l.message === 'rejected').map((l) => l.fields.reason)).toEqual([
      'signature_mismatch',
      'missing_header',
    ]);
    expect(gw.telemetry.total('Rejected', 'signature_mismatch')).toBe(1);
    expect(await gw.takeMessages()).toEqual([]);
  });

  it('keeps at most one rejection record per webhook per minute', async () => {
    const gw = await gateway();
    const good = await githubRequest('push', push);
    const forged = { ...good, headers: { ...good.headers, 'X-Hub-Signature-256': await sign('wrong', good.body) } };
    for (let i = 0; i < 5; i++) expect((await gw.post(forged)).statusCode).toBe(401);
    let rejections = (await gw.history('github')).filter((r) => r.sk.startsWith('r#'));
    expect(rejections).toHaveLength(1);
    expect(rejections[0]).toMatchObject({
      status: 'rejected',
      httpStatus: 401,
      reason: expect.stringMatching(/^signature_mismatch: /),
      sourceIp: '192.0.2.10',
      bodySize: good.body.length,
    });
    expect(rejections[0]!.headers!['x-hub-signature-256']).toBe('[redacted]');
    expect(rejections[0]!.body).toBeUndefined();
    gw.clock.advance(61_000);
    await gw.post(forged);
    rejections = (await gw.history('github')).filter((r) => r.sk.startsWith('r#'));
    expect(rejections).toHaveLength(2);
  });

  it('does not mark the webhook verified for a forged request', async () => {
    const gw = await gateway();
    const good = await githubRequest('push', push);
    await gw.post({ ...good, headers: { ...good.headers, 'X-Hub-Signature-256': await sign('wrong', good.body) } });
    const item = await local.dynamodb.send(
      new GetItemCommand({ TableName: gw.resources.configTable, Key: marshall(CONFIG_ITEMS.webhook('github')) }),
    );
    expect(item.Item?.verifiedAt).toBeUndefined();
  });

  it('answers 401 secret_not_set while the secret has no value', async () => {
    const gw = await gateway({ webhooks: [{ ...github, name: 'unset', secrets: { default: { secretId: 'empty' } } }] });
    gw.secretsManager.values.empty = '{"values":[]}';
    const response = await gw.post({ ...(await githubRequest('push', push)), webhook: 'unset' });
    expect(response.statusCode).toBe(401);
    expect(gw.telemetry.logs.find((l) => l.message === 'rejected')!.fields.reason).toBe('secret_not_set');
  });

  it('answers 404 for an unknown webhook, 405 for other methods', async () => {
    const gw = await gateway();
    const unknown = await gw.post({ ...(await githubRequest('push', push)), webhook: 'nope' });
    expect(unknown).toMatchObject({ statusCode: 404, body: '{"message":"Not Found"}' });
    const get = await gw.post({ webhook: 'github', method: 'GET' });
    expect(get).toMatchObject({ statusCode: 405, headers: { allow: 'POST' } });
  });

  it('answers 413 above maxBodySize, declared or actual, before reading any secret', async () => {
    const gw = await gateway({ webhooks: [{ ...github, name: 'small', maxBodySize: 100 }] });
    const big = await githubRequest('push', { ...push, pad: 'x'.repeat(200) });
    expect((await gw.post({ ...big, webhook: 'small' })).statusCode).toBe(413);
    const lying = await githubRequest('push', push);
    const declared = await gw.post({ ...lying, headers: { ...lying.headers, 'Content-Length': String(50_000_000) } });
    expect(declared.statusCode).toBe(413);
    expect(gw.secretsManager.mock.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect(gw.telemetry.logs.filter((l) => l.message === 'rejected').map((l) => l.fields.reason)).toEqual([
      'body_too_large',
      'body_too_large',
    ]);
  });

  it('answers 415 for an unsupported content type and 400 for malformed JSON, both authentic', async () => {
    const gw = await gateway();
    const text = await githubRequest('push', 'plain text');
    const response = await gw.post({ ...text, headers: { ...text.headers, 'Content-Type': 'text/plain' } });
    expect(response).toMatchObject({ statusCode: 415, body: '{"message":"Unsupported Media Type"}' });
    const malformed = await gw.post(await githubRequest('push', '{"ref":'));
    expect(malformed).toMatchObject({ statusCode: 400, body: '{"message":"Bad Request"}' });
    expect(gw.telemetry.logs.filter((l) => l.message === 'rejected').map((l) => l.fields.reason)).toEqual([
      'unsupported_media_type',
      'malformed_json',
    ]);
  });

  it('answers 400 body_too_deep for an authentic body nested 10,000 levels deep, instead of crashing', async () => {
    const gw = await gateway();
    // 20 KB that JSON.parse reads, but JSON.stringify (the queue message) overflows its stack on.
    const deep = `{"ref":"refs/heads/main","repository":{"full_name":"octo/repo"},"x":${'['.repeat(9_999)}${']'.repeat(9_999)}}`;
    const response = await gw.post(await githubRequest('push', deep, 'deep-1'));
    expect(response).toMatchObject({ statusCode: 400, body: '{"message":"Bad Request"}' });
    expect(gw.telemetry.logs.find((l) => l.message === 'rejected')!.fields).toMatchObject({
      status: 400,
      reason: 'body_too_deep',
      detail: `body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`,
    });
    expect(gw.telemetry.total('Rejected', 'body_too_deep')).toBe(1);
    expect(await gw.delivery('github', 'deep-1')).toBeUndefined();
    expect(await gw.takeMessages()).toEqual([]);
  });

  it(`accepts a body nested exactly ${MAX_JSON_DEPTH} levels deep end to end, and refuses one level more`, async () => {
    const gw = await gateway();
    const body = (depth: number) =>
      `{"ref":"refs/heads/main","repository":{"full_name":"octo/repo"},"x":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
    const accepted = await gw.post(await githubRequest('push', body(MAX_JSON_DEPTH), 'deep-256'));
    expect(accepted.json()).toEqual({ id: 'deep-256', status: 'accepted' });
    const [message] = await gw.takeMessages();
    expect((message!.input as WorkflowInput).payload).toEqual({
      ...(JSON.parse(body(MAX_JSON_DEPTH)) as object),
      environment: 'test',
    });
    const refused = await gw.post(await githubRequest('push', body(MAX_JSON_DEPTH + 1), 'deep-257'));
    expect(refused.statusCode).toBe(400);
  });

  it('answers 429 with Retry-After once a rate window is full, counting only what it let through', async () => {
    const limited: WebhookConfig = { ...github, name: 'limited', rateWindows: [{ periodSeconds: 3600, limit: 2 }] };
    const gw = await gateway({ webhooks: [limited] });
    gw.clock.set('2026-03-01T10:59:00Z');
    const send = async () => gw.post({ ...(await githubRequest('push', push)), webhook: 'limited' });
    expect((await send()).statusCode).toBe(202);
    expect((await send()).statusCode).toBe(202);
    const refused = await send();
    expect(refused).toMatchObject({ statusCode: 429, headers: { 'retry-after': '60' } });
    expect(gw.telemetry.total('RateWindowExceeded')).toBe(1);
    gw.clock.set('2026-03-01T11:00:00Z');
    expect((await send()).statusCode).toBe(202);
  });
});

describe('large payloads', () => {
  it('keeps a large raw body and a large payload in the bucket, written alongside the dedup write', async () => {
    const gw = await gateway();
    await gw.post(await githubRequest('push', push));
    await gw.takeMessages();
    gw.recorder.reset();
    const large = { ...push, commits: Array.from({ length: 3000 }, (_, i) => ({ id: i, message: 'm'.repeat(90) })) };
    const request = await githubRequest('push', large, 'large-1');
    expect(request.body.length).toBeGreaterThan(256 * 1024);
    const response = await gw.post(request);
    expect(response.json()).toMatchObject({ status: 'accepted' });
    expect(gw.recorder.sequentialStages()).toBe(2);
    expect(gw.recorder.commands()).toEqual([
      'dynamodb.PutItemCommand',
      'dynamodb.PutItemCommand',
      'dynamodb.UpdateItemCommand',
      's3.PutObjectCommand',
      's3.PutObjectCommand',
      'sqs.SendMessageBatchCommand',
    ]);

    const record = await gw.delivery('github', 'large-1');
    expect(record!.body).toBeUndefined();
    expect(record!.bodyRef).toEqual({
      bucket: 'payload-bucket',
      key: expect.stringMatching(/^bodies\/github\/[0-9a-f]{64}$/),
    });
    expect(gw.s3.objects.get(`payload-bucket/${record!.bodyRef!.key}`)?.body.toString()).toBe(request.body);
    const sha = createHash('sha256').update(request.body).digest('hex');
    const item = await local.dynamodb.send(
      new GetItemCommand({
        TableName: gw.resources.historyTable,
        Key: marshall(HISTORY_ITEMS.delivery('github', record!.idempotencyKey!)),
      }),
    );
    expect(item.Item?.bodySha256?.S).toBe(sha);

    const [message] = await gw.takeMessages();
    expect(message!.input.payload).toBeUndefined();
    const ref = message!.input.payloadRef!;
    expect(ref).toEqual({
      bucket: 'payload-bucket',
      key: expect.stringMatching(/^payloads\/github\/[0-9a-f]{64}\.json$/),
    });
    const stored = gw.s3.objects.get(`payload-bucket/${ref.key}`)!;
    expect(stored.contentType).toBe('application/json');
    expect(JSON.parse(stored.body.toString())).toEqual({ ...large, environment: 'test' });
  });

  it("keeps the original's large body and payload when a duplicate by idempotency key carries another body", async () => {
    const keyed = { ...github, name: 'keyed', expressions: { ...github.expressions, idempotencyKey: 'input.ref' } };
    const gw = await gateway({ webhooks: [keyed] });
    const large = (text: string) => ({
      ...push,
      commits: Array.from({ length: 3000 }, (_, i) => ({ id: i, message: text.repeat(90) })),
    });
    const original = { ...(await githubRequest('push', large('a'), 'k-1')), webhook: 'keyed' };
    const duplicate = { ...(await githubRequest('push', large('b'), 'k-2')), webhook: 'keyed' };
    expect((await gw.post(original)).json()).toMatchObject({ status: 'accepted' });
    await gw.dispatch();
    expect((await gw.post(duplicate)).json()).toMatchObject({ status: 'duplicate' });

    // The started workflow reads its payload later: it must still be the original's.
    const record = await gw.deliveryByKey('keyed', push.ref);
    expect(gw.s3.objects.get(`payload-bucket/${record!.bodyRef!.key}`)?.body.toString()).toBe(original.body);
    const input = gw.sfn.started[0]!.input as WorkflowInput;
    const payload = gw.s3.objects.get(`payload-bucket/${input.payloadRef!.key}`)!.body.toString();
    expect(JSON.parse(payload)).toEqual({ ...large('a'), environment: 'test' });
  });
});

describe('dependency failures', () => {
  it('answers 503 when the dedup write fails, records and enqueues nothing; the retry starts once', async () => {
    const gw = await gateway({}, { maxAttempts: 1 });
    await gw.post(await githubRequest('push', push)); // warm
    await gw.dispatch();
    const request = await githubRequest('push', { ...push, after: 'r1' }, 'retry-1');
    local.dynamodbServer.fail('down', /PutItem$/);
    let response;
    try {
      response = await gw.post(request);
    } finally {
      local.dynamodbServer.heal();
    }
    expect(response).toMatchObject({ statusCode: 503, headers: { 'retry-after': '5' } });
    expect(await gw.delivery('github', 'retry-1')).toBeUndefined();
    expect(await gw.takeMessages()).toEqual([]);
    expect(gw.telemetry.logs.find((l) => l.message === 'dependency failed')!.fields).toMatchObject({
      reason: 'history_unavailable',
    });

    expect((await gw.post(request)).json()).toMatchObject({ status: 'accepted' });
    await gw.dispatch();
    const started = gw.sfn.started.filter((s) => (s.input as WorkflowInput).deliveryId === 'retry-1');
    expect(started).toHaveLength(2); // one per route
  });

  it('answers 503 when the queue refuses, marks the record failed, and accepts the retry', async () => {
    const gw = await gateway({}, { maxAttempts: 2 });
    const request = await githubRequest('push', push, 'retry-2');
    local.sqsServer.fail('throttle');
    let response;
    try {
      response = await gw.post(request);
    } finally {
      local.sqsServer.heal();
    }
    expect(response!.statusCode).toBe(503);
    expect(await gw.delivery('github', 'retry-2')).toMatchObject({ status: 'failed', reason: 'enqueue_failed' });
    expect((await gw.post(request)).json()).toMatchObject({ status: 'accepted' });
    await gw.dispatch();
    expect(gw.sfn.started.map((s) => s.input)).toHaveLength(2);
    expect(await gw.delivery('github', 'retry-2')).toMatchObject({ status: 'enqueued' });
  });

  it('answers 503 when DynamoDB throttles the config read', async () => {
    const gw = await gateway({}, { maxAttempts: 2 });
    local.dynamodbServer.fail('throttle');
    try {
      const response = await gw.post(await githubRequest('push', push));
      expect(response.statusCode).toBe(503);
    } finally {
      local.dynamodbServer.heal();
    }
    expect(gw.telemetry.total('DependencyFailed', 'config')).toBe(1);
  });

  it('answers 503 when Secrets Manager fails', async () => {
    const gw = await gateway();
    gw.secretsManager.mock.on(GetSecretValueCommand).rejects(new Error('InternalServiceError'));
    const response = await gw.post(await githubRequest('push', push));
    expect(response.statusCode).toBe(503);
    expect(gw.telemetry.total('DependencyFailed', 'secrets')).toBe(1);
  });

  it('answers 503 when the bucket write fails and leaves the delivery retryable', async () => {
    const gw = await gateway();
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    gw.s3.mock.on(PutObjectCommand).rejects(new Error('SlowDown'));
    const request = await githubRequest('push', { ...push, pad: 'x'.repeat(100_000) }, 'big-fail');
    expect((await gw.post(request)).statusCode).toBe(503);
    expect(await gw.delivery('github', 'big-fail')).toMatchObject({ status: 'failed', reason: 'payload_store_failed' });
    expect(await gw.takeMessages()).toEqual([]);
  });
});
