import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { verifySlackRequest } from '@slack/bolt';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../cli/local/backends';
import type { ReplayAnswer } from '../../cli/commands/replay';
import type { SendAnswer } from '../../cli/commands/send';
import type { DeliveryLine } from '../../cli/output';
import { cli, post, postGitHub, runBin, startGateway, type GatewayProcess } from './support';

/**
 * `npm start` as a newcomer runs it: the example app from cdk.json, synthesized by its own command,
 * served by `webhook-gateway local --json --dev-secrets` as a child process; requests signed by
 * the providers' libraries with the development secrets the gateway generated; every command run
 * against it.
 */

let gateway: GatewayProcess;
let stateDir: string;
const secrets: Record<string, string> = {};
const stripe = new Stripe('sk_test_unused');

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'wg-example-'));
  gateway = await startGateway(['--json', '--dev-secrets', '--port', '0'], { stateDir });
  for (const [key, entry] of Object.entries(gateway.devSecrets())) secrets[key] = String(entry.secret);
}, 180_000);

afterAll(async () => {
  await gateway?.stop('SIGKILL');
  rmSync(stateDir, { recursive: true, force: true });
});

const url = (webhook: string) => `${gateway.url}/webhooks/${webhook}`;

const github = (webhook: string, event: string, body: object, delivery: string, secret = secrets[webhook]!) =>
  postGitHub(url(webhook), event, body, delivery, secret);

async function stripePayment(id: string, amount: number) {
  const payload = JSON.stringify({
    id,
    object: 'event',
    type: 'payment_intent.succeeded',
    data: { object: { id: `pi_${id}`, amount, customer: 'cus_7' } },
  });
  const header = stripe.webhooks.generateTestHeaderString({ payload, secret: secrets.stripe! });
  return post(url('stripe'), payload, { 'content-type': 'application/json', 'stripe-signature': header });
}

/** A stripe delivery's history item, through `history --json`. */
async function stripeRecord(deliveryId: string) {
  const history = await cli('history', 'stripe', '--json', '--state-dir', stateDir);
  return history.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { deliveryId: string; receivedAt: string; eventKey: string; executions: string[] })
    .find((r) => r.deliveryId === deliveryId);
}

const byDelivery = (id: string, status?: string) => (l: DeliveryLine) =>
  l.deliveryId === id && (status === undefined || l.status === status);

describe('webhook-gateway local on the example app', () => {
  it('prints a banner on stderr: each webhook with its URL, scheme, development secret and a send line', () => {
    const banner = gateway.stderr();
    for (const webhook of ['github', 'stripe', 'slack', 'orders']) {
      expect(banner).toContain(`${gateway.url}/webhooks/${webhook}`);
      expect(banner).toContain(`npx webhook-gateway send ${webhook} --state-dir ${stateDir}`);
      expect(banner).toContain(secrets[webhook]);
    }
    expect(banner).toMatch(/stripe:payment_intent\.succeeded → ProcessPayment/);
    expect(secrets.stripe).toMatch(/^whsec_/);
    expect(gateway.lines).toEqual([]);
  });

  it('accepts a GitHub push signed by @octokit/webhooks-methods and prints its line once NotifyTeam started', async () => {
    const response = await github('github', 'push', { repository: { full_name: 'octo/repo' } }, 'gh-accepted-1');
    expect(response.status).toBe(202);
    expect(response.json()).toEqual({ id: 'gh-accepted-1', status: 'accepted' });
    const line = await gateway.line(byDelivery('gh-accepted-1'));
    expect(line).toEqual({
      time: expect.stringMatching(/Z$/),
      webhook: 'github',
      deliveryId: 'gh-accepted-1',
      status: 'accepted',
      eventKey: 'github:push',
      scope: 'octo/repo',
      routes: [expect.stringMatching(/^r[0-9a-f]+$/)],
      executions: [expect.stringMatching(/^arn:aws:states:us-east-1:000000000000:execution:NotifyTeam[^:]*:github-/)],
    });
    expect(Object.keys(line)).toEqual([
      'time',
      'webhook',
      'deliveryId',
      'status',
      'eventKey',
      'scope',
      'routes',
      'executions',
    ]);
  });

  it("answers GitHub's redelivery duplicate, printed once, starting nothing", async () => {
    const request = () => github('github', 'push', { repository: { full_name: 'octo/dup' } }, 'gh-dup-1');
    expect((await request()).status).toBe(202);
    await gateway.line(byDelivery('gh-dup-1', 'accepted'));
    const from = gateway.lines.length;
    const again = await request();
    expect(again.json()).toEqual({ id: 'gh-dup-1', status: 'duplicate' });
    const line = await gateway.line(byDelivery('gh-dup-1', 'duplicate'), from);
    expect(line).toMatchObject({ status: 'duplicate', eventKey: 'github:push', executions: [] });
    expect(gateway.lines.filter((l) => l.deliveryId === 'gh-dup-1')).toHaveLength(2);
  });

  it('answers copies sent with the original duplicate (or retry, while it is under way), one --json line each, and starts one workflow', async () => {
    const from = gateway.lines.length;
    const request = () => github('github', 'push', { repository: { full_name: 'octo/inflight' } }, 'gh-inflight-1');
    const answers = await Promise.all([request(), request(), request(), request()]);
    const retried = answers.filter((a) => a.status === 503);
    // A copy that finds the original still being queued is told to retry (503, Retry-After); its retry is a duplicate.
    for (const answer of retried) expect(answer.headers.get('retry-after')).toBe('5');
    const again = await Promise.all(retried.map(() => request()));
    expect(
      [...answers, ...again]
        .filter((a) => a.status !== 503)
        .map((a) => a.json().status)
        .sort(),
    ).toEqual(['accepted', 'duplicate', 'duplicate', 'duplicate']);
    const accepted = await gateway.line(byDelivery('gh-inflight-1', 'accepted'), from);
    expect(accepted.executions).toHaveLength(1);
    const duplicates = () => gateway.lines.slice(from).filter(byDelivery('gh-inflight-1', 'duplicate'));
    await gateway.line(() => duplicates().length === 3, from);
    expect(duplicates()).toEqual(
      Array(3).fill({
        time: expect.any(String),
        webhook: 'github',
        deliveryId: 'gh-inflight-1',
        status: 'duplicate',
        eventKey: 'github:push',
        scope: 'octo/inflight',
        routes: [expect.stringMatching(/^r[0-9a-f]+$/)],
        executions: [],
      }),
    );
    const inProgress = gateway.lines
      .slice(from)
      .filter((l) => l.status === 'rejected' && l.reason === 'delivery_in_progress');
    expect(inProgress).toHaveLength(retried.length);
  });

  it('starts ProcessPayment for a Stripe payment signed by the stripe library, and leaves a small one unrouted', async () => {
    expect((await stripePayment('evt_big_1', 5000)).json()).toEqual({ id: 'evt_big_1', status: 'accepted' });
    expect((await stripePayment('evt_small_1', 500)).json()).toEqual({ id: 'evt_small_1', status: 'unrouted' });
    expect(await gateway.line(byDelivery('evt_big_1'))).toMatchObject({
      status: 'accepted',
      eventKey: 'stripe:payment_intent.succeeded',
      scope: 'cus_7',
      executions: [expect.stringContaining(':execution:ProcessPayment')],
    });
    expect(await gateway.line(byDelivery('evt_small_1'))).toMatchObject({
      status: 'unrouted',
      eventKey: 'stripe:payment_intent.succeeded',
      routes: [],
      executions: [],
    });
  });

  it('resumes a workflow waiting in waitForWebhook (DeployPullRequest) when the approving review arrives', async () => {
    const repository = { full_name: 'octo/deploy' };
    const opened = await github('github', 'pull_request', { action: 'opened', number: 7, repository }, 'gh-pr-7');
    expect(opened.json()).toEqual({ id: 'gh-pr-7', status: 'accepted' });
    const started = await gateway.line(byDelivery('gh-pr-7'));
    expect(started.executions).toEqual(
      expect.arrayContaining([expect.stringContaining(':DeployPullRequest'), expect.stringContaining(':NotifyTeam')]),
    );
    const review = {
      action: 'submitted',
      review: { state: 'approved', user: { login: 'reviewer' } },
      pull_request: { number: 7 },
      repository,
    };
    expect((await github('github', 'pull_request_review', review, 'gh-review-7')).status).toBe(202);
    await gateway.line(byDelivery('gh-review-7', 'accepted'));
    const deploy = started.executions.find((e) => e.includes(':DeployPullRequest'))!;
    for (let i = 0; i < 50 && !gateway.stderr().includes('resumed DeployPullRequest'); i++) {
      await new Promise((done) => setTimeout(done, 200));
    }
    expect(gateway.stderr()).toMatch(/↳ github gh-review-7 resumed DeployPullRequest[^\n]*\(waitForWebhook\)/);
    const history = await cli('history', 'github', '--json', '--state-dir', stateDir);
    const reviewed = history.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { deliveryId: string; executions?: string[] })
      .find((r) => r.deliveryId === 'gh-review-7');
    expect(reviewed?.executions).toContain(deploy);
  });

  it('rejects a forged signature with 401 and prints the reason', async () => {
    const from = gateway.lines.length;
    const forged = await github('github', 'push', {}, 'gh-forged', 'not-the-secret');
    expect(forged.status).toBe(401);
    expect(forged.json()).toEqual({ message: 'Unauthorized' });
    expect(await gateway.line((l) => l.status === 'rejected', from)).toEqual({
      time: expect.any(String),
      webhook: 'github',
      deliveryId: null,
      status: 'rejected',
      reason: 'signature_mismatch',
      routes: [],
      executions: [],
    });
  });

  it('answers 404 for an unknown webhook, 405 for GET, each with a line', async () => {
    const from = gateway.lines.length;
    expect((await post(url('nope'), '{}', { 'content-type': 'application/json' })).status).toBe(404);
    expect((await fetch(url('github'))).status).toBe(405);
    await gateway.line((l) => l.webhook === 'nope' && l.reason === 'unknown_webhook', from);
    await gateway.line((l) => l.webhook === 'github' && l.reason === 'method_not_allowed', from);
  });

  it("answers Slack's url_verification handshake when it is signed (Bolt's verifier accepts the signature)", async () => {
    const body = JSON.stringify({ type: 'url_verification', challenge: 'ch-42', token: 't' });
    const ts = Math.floor(Date.now() / 1000);
    const signature = `v0=${createHmac('sha256', secrets.slack!).update(`v0:${ts}:${body}`).digest('hex')}`;
    verifySlackRequest({
      signingSecret: secrets.slack!,
      body,
      headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': ts },
    });
    const from = gateway.lines.length;
    const answer = await post(url('slack'), body, {
      'content-type': 'application/json',
      'x-slack-signature': signature,
      'x-slack-request-timestamp': String(ts),
    });
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('ch-42');
    expect(await gateway.line((l) => l.webhook === 'slack', from)).toMatchObject({ status: 'handshake' });
  });
});

describe('the webhook-gateway commands against the running local gateway', () => {
  it('send signs a sample event as each provider does, with the development secret', async () => {
    for (const webhook of ['github', 'stripe', 'slack', 'orders']) {
      const from = gateway.lines.length;
      const sent = await cli('send', webhook, '--state-dir', stateDir);
      expect(sent.code).toBe(0);
      const answer = JSON.parse(sent.stdout.replace(/^202 /, '')) as { id: string; status: string };
      expect(sent.stdout).toMatch(/^202 /);
      expect(answer.status).toBe('accepted');
      const line = await gateway.line((l) => l.deliveryId === answer.id, from);
      expect(line.executions).toHaveLength(1);
    }
  });

  it('send --event pull_request, then the approving review (--set review.state=approved), runs the deployment flow', async () => {
    const send = async (...args: string[]) => {
      const sent = await cli('send', 'github', ...args, '--json', '--state-dir', stateDir);
      expect(sent.code).toBe(0);
      return JSON.parse(sent.stdout) as SendAnswer & { body: { id: string; status: string } };
    };
    const opened = await send('--event', 'pull_request');
    expect(opened).toMatchObject({ status: 202, body: { status: 'accepted' }, eventType: 'pull_request' });
    const started = await gateway.line(byDelivery(opened.body.id));
    expect(started).toMatchObject({ eventKey: 'github:pull_request', scope: 'Codertocat/Hello-World' });
    expect(started.executions).toEqual(expect.arrayContaining([expect.stringContaining(':DeployPullRequest')]));
    const review = await send('--event', 'pull_request_review', '--set', 'review.state=approved');
    expect(review).toMatchObject({ status: 202, body: { status: 'accepted' }, eventType: 'pull_request_review' });
    const resumed = new RegExp(`↳ github ${review.body.id} resumed DeployPullRequest`);
    for (let i = 0; i < 50 && !resumed.test(gateway.stderr()); i++) await new Promise((done) => setTimeout(done, 200));
    expect(gateway.stderr()).toMatch(resumed);
  });

  it('send and test --event: the sample of that type (a regression: the push sample went with any header)', async () => {
    const dry = await cli('test', 'github', '--event', 'issues', '--json', '--state-dir', stateDir);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      status: 'accepted',
      eventKey: 'github:issues',
      payload: { action: 'opened' },
    });
    const failed = await cli('test', 'stripe', '--event', 'charge.failed', '--json', '--state-dir', stateDir);
    expect(JSON.parse(failed.stdout)).toMatchObject({
      eventKey: 'stripe:charge.failed',
      payload: { data: { object: { status: 'failed' } } },
    });
    const list = await cli('send', 'stripe', '--list-events', '--state-dir', stateDir);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')).toEqual(
      expect.arrayContaining(['payment_intent.succeeded', 'charge.failed', 'invoice.paid']),
    );
    const unknown = await cli('send', 'stripe', '--event', 'charge.faild', '--state-dir', stateDir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /^webhook-gateway send: no sample event "charge.faild" for stripe \(did you mean "charge.failed"\?\): it has payment_intent.succeeded, .*invoice.paid/,
    );
  });

  it('send --file posts that body, and the bin runs it as a process too', async () => {
    const file = join(stateDir, 'payment.json');
    writeFileSync(
      file,
      JSON.stringify({
        id: 'evt_file_1',
        object: 'event',
        type: 'payment_intent.succeeded',
        data: { object: { amount: 4000, customer: 'cus_f' } },
      }),
    );
    const sent = await runBin(['send', 'stripe', '--file', file, '--state-dir', stateDir]);
    expect(sent).toMatchObject({ code: 0, stdout: '202 {"id":"evt_file_1","status":"accepted"}\n' });
    await gateway.line(byDelivery('evt_file_1', 'accepted'));
  });

  it('test is a dry run: event key, scope, filter, merged payload and matched routes, nothing recorded', async () => {
    const file = join(stateDir, 'dry.json');
    writeFileSync(
      file,
      JSON.stringify({
        id: 'evt_dry',
        type: 'payment_intent.succeeded',
        data: { object: { amount: 9000, customer: 'cus_d' } },
      }),
    );
    const issue = join(stateDir, 'issue.json');
    writeFileSync(issue, JSON.stringify({ action: 'opened', repository: { full_name: 'octo/dry' } }));
    const dry = await cli('test', 'stripe', '--file', file, '--json', '--state-dir', stateDir);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      webhook: 'stripe',
      configFrom: 'local',
      status: 'accepted',
      filterResult: true,
      eventKey: 'stripe:payment_intent.succeeded',
      scope: 'cus_d',
      payload: { id: 'evt_dry', environment: 'example' },
      matchedRoutes: [{ eventKeyPattern: 'stripe:payment_intent.succeeded' }],
    });
    const table = await cli('test', 'github', '--file', issue, '--event', 'issues', '--state-dir', stateDir);
    expect(table.stdout).toMatch(/eventKey\s+github:issues/);
    expect(table.stdout).toMatch(/routes\s+r[0-9a-f]+\s+github:\* → NotifyTeam/);
    const history = await cli('history', 'stripe', '--json', '--state-dir', stateDir);
    expect(history.stdout).not.toContain('evt_dry');
  });

  it('fails if test cannot compute the event key: exit 1 and the expression named', async () => {
    const file = join(stateDir, 'no-type.json');
    writeFileSync(file, '{"id":"x"}');
    const dry = await cli('test', 'stripe', '--file', file, '--state-dir', stateDir);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toMatch(/status\s+transform_failed/);
    expect(dry.stdout).toMatch(/error\s+eventKey: /);
  });

  it('test reads a --file as send sends it: a body neither JSON nor a form is refused by both (415)', async () => {
    const file = join(stateDir, 'note.txt');
    writeFileSync(file, 'neither JSON nor a form');
    const dry = await cli('test', 'orders', '--file', file, '--json', '--state-dir', stateDir);
    expect(dry.code).toBe(1);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      status: 'rejected',
      httpStatus: 415,
      reason: 'unsupported_media_type',
    });
    const sent = await cli('send', 'orders', '--file', file, '--state-dir', stateDir);
    expect(sent.code).toBe(1);
    expect(sent.stdout).toMatch(/^415 /);
  });

  it('history lists deliveries newest first, as a table or JSON, filtered by status and time', async () => {
    const json = await cli('history', 'stripe', '--json', '--state-dir', stateDir);
    const records = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => r.deliveryId)).toEqual(expect.arrayContaining(['evt_big_1', 'evt_small_1']));
    expect(records.find((r) => r.deliveryId === 'evt_big_1')).toMatchObject({
      status: 'enqueued',
      executions: [expect.stringContaining('ProcessPayment')],
    });
    const times = records.map((r) => String(r.receivedAt));
    expect(times).toEqual([...times].sort().reverse());

    const unrouted = await cli('history', 'stripe', '--status', 'unrouted', '--json', '--state-dir', stateDir);
    expect(
      unrouted.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).deliveryId),
    ).toEqual(['evt_small_1']);
    const table = await cli('history', 'github', '--since', '1h', '--limit', '2', '--state-dir', stateDir);
    const rows = table.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^RECEIVED\s+STATUS\s+DELIVERY ID\s+EVENT KEY\s+SCOPE\s+EXECUTIONS/);
    expect(rows).toHaveLength(3);
    const rejected = await cli('history', 'github', '--status', 'rejected', '--json', '--state-dir', stateDir);
    expect(JSON.parse(rejected.stdout.split('\n')[0]!)).toMatchObject({
      status: 'rejected',
      reason: expect.stringMatching(/^signature_mismatch/),
    });
  });

  it('replay re-enqueues a delivery as <id>#replay-1 and the gateway prints its line with the new execution', async () => {
    const from = gateway.lines.length;
    const replayed = await cli('replay', 'stripe', 'evt_big_1', '--state-dir', stateDir);
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toContain('replayed stripe evt_big_1 as evt_big_1#replay-1: accepted');
    const line = await gateway.line(byDelivery('evt_big_1#replay-1'), from);
    expect(line).toMatchObject({ status: 'accepted', executions: [expect.stringContaining('ProcessPayment')] });
    const original = await gateway.line(byDelivery('evt_big_1'));
    expect(line.executions[0]).not.toBe(original.executions[0]);
    expect(replayed.stdout).toContain(line.executions[0]);
  });

  it('replay --json prints one object with the new delivery and the executions it started', async () => {
    const replayed = await cli('replay', 'stripe', 'evt_big_1', '--json', '--state-dir', stateDir);
    expect(replayed.code).toBe(0);
    const answer = JSON.parse(replayed.stdout) as ReplayAnswer;
    expect(answer).toEqual({
      webhook: 'stripe',
      replayOf: 'evt_big_1',
      deliveryId: 'evt_big_1#replay-2',
      status: 'accepted',
      eventKey: 'stripe:payment_intent.succeeded',
      routes: [expect.any(String)],
      executions: [expect.stringContaining(':ProcessPayment')],
    });
    const line = await gateway.line(byDelivery('evt_big_1#replay-2'));
    expect(line.executions).toEqual(answer.executions);
  });

  it('fails if replay names a delivery that was never recorded: one line, exit 1', async () => {
    const replayed = await cli('replay', 'stripe', 'evt_never', '--state-dir', stateDir);
    expect(replayed.code).toBe(1);
    expect(replayed.stderr).toBe(
      `webhook-gateway replay: webhook "stripe" has no recorded delivery "evt_never" in the local gateway (${gateway.url}): list its deliveries with webhook-gateway history stripe\n`,
    );
  });

  it('secret get shows the development secret; rotate keeps the previous one valid until it expires', async () => {
    const got = await cli('secret', 'get', 'github', '--state-dir', stateDir);
    expect(got).toMatchObject({ code: 0, stdout: `${secrets.github}\n` });

    const rotated = await cli('secret', 'rotate', 'github', '--expire', '1h', '--state-dir', stateDir);
    expect(rotated.code).toBe(0);
    const next = rotated.stdout.trim();
    expect(next).toMatch(/^[A-Za-z0-9]{48}$/);
    expect((await cli('secret', 'get', 'github', '--state-dir', stateDir)).stdout).toBe(`${next}\n`);
    const stored = JSON.parse((await cli('secret', 'get', 'github', '--json', '--state-dir', stateDir)).stdout);
    expect(stored.values).toEqual([{ value: next }, { value: secrets.github, expiresAt: expect.any(String) }]);

    expect((await github('github', 'push', {}, 'gh-old-secret', secrets.github)).status).toBe(202);
    expect((await github('github', 'push', {}, 'gh-new-secret', next)).status).toBe(202);
    const sent = await cli('send', 'github', '--state-dir', stateDir);
    expect(sent.code).toBe(0);
    expect(JSON.parse(sent.stdout.replace(/^202 /, '')).status).toBe('accepted');
  });

  it('secret set writes a value the running gateway uses at once', async () => {
    expect((await cli('secret', 'set', 'stripe', 'whsec_set_by_test', '--state-dir', stateDir)).code).toBe(0);
    secrets.stripe = 'whsec_set_by_test';
    expect((await stripePayment('evt_after_set', 2000)).status).toBe(202);
  });

  it('redrive moves the dead-letter queue back to the queue, and the dispatcher starts the workflow', async () => {
    expect((await cli('redrive', '--state-dir', stateDir)).stdout).toBe('the dead-letter queue is empty\n');
    // A start message for evt_big_1 to a second route, parked in the dead-letter queue.
    const record = (await stripeRecord('evt_big_1'))!;
    const local = gateway.state;
    const sqs = new SQSClient({ endpoint: local.endpoints.sqs, region: local.region, credentials: LOCAL_CREDENTIALS });
    const target = local.gateways[0]!.config.routes.find(
      (r) => r.eventKeyPattern === 'stripe:payment_intent.succeeded',
    )!.target;
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: local.gateways[0]!.deadLetterQueueUrl,
        MessageGroupId: 'stripe:cus_7',
        MessageDeduplicationId: 'redrive-test',
        MessageBody: JSON.stringify({
          kind: 'start',
          routeId: 'rredrivetest',
          target,
          webhook: 'stripe',
          idempotencyKey: 'evt_big_1',
          historyKey: { pk: 'stripe', sk: 'd#evt_big_1' },
          input: {
            webhook: 'stripe',
            deliveryId: 'evt_big_1',
            eventKey: record.eventKey,
            receivedAt: record.receivedAt,
            headers: {},
            payload: {},
          },
        }),
      }),
    );
    sqs.destroy();
    const redriven = await cli('redrive', '--state-dir', stateDir);
    expect(redriven).toMatchObject({
      code: 0,
      stdout: 'moved 1 message(s) from the dead-letter queue back to the queue\n',
    });
    for (let i = 0; i < 50; i++) {
      const big = await stripeRecord('evt_big_1');
      if (big?.executions.some((e) => e.includes('rredrivetest'))) return;
      await new Promise((done) => setTimeout(done, 200));
    }
    throw new Error(`the redriven message started no execution:\n${gateway.stderr()}`);
  });

  it('fails with one line when the webhook is unknown', async () => {
    const result = await cli('history', 'nope', '--state-dir', stateDir);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `webhook-gateway history: unknown webhook "nope": the local gateway (${gateway.url}) has github, stripe, slack, orders\n`,
    );
  });

  it('fails with usage errors (exit 2) for a bad option or a missing argument', async () => {
    expect(await cli('history', 'github', '--status', 'weird', '--state-dir', stateDir)).toMatchObject({ code: 2 });
    expect(await cli('history', '--state-dir', stateDir)).toMatchObject({ code: 2 });
    expect(await cli('send', 'github', '--bogus')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("Unknown option '--bogus'"),
    });
    expect(await cli('history', 'github', '--app', 'x', '--stack', 'y')).toMatchObject({ code: 2 });
  });

  it('shuts down cleanly on SIGTERM: exit 0, state removed, then commands say the gateway is not running', async () => {
    const exit = await gateway.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(existsSync(join(stateDir, 'gateway.json'))).toBe(false);
    expect(gateway.stderr()).toContain('Stopped.');
    const history = await cli('history', 'github', '--state-dir', stateDir);
    expect(history.code).toBe(1);
    expect(history.stderr).toMatch(
      /^webhook-gateway history: the local gateway is not running: start it with `npm start`/,
    );
    expect(history.stderr.trim().split('\n')).toHaveLength(1);
  });
});
