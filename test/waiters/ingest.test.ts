import { sign } from '@octokit/webhooks-methods';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbWaiterStore } from '../../lambdas/adapters/dynamodb-waiters';
import { SfnTaskTokens } from '../../lambdas/adapters/sfn-tasks';
import { S3PayloadStore } from '../../lambdas/adapters/s3-payloads';
import { DynamoDbHistoryStore } from '../../lambdas/adapters/dynamodb-history';
import { SfnWorkflowStarter } from '../../lambdas/adapters/sfn-starter';
import { queueDeduplicationId, WAITERS_QUEUE_ID, type QueueMessage } from '../../lambdas/core/config/messages';
import type { RouteConfig, WebhookConfig } from '../../lambdas/core/config/webhook';
import { createDispatcher } from '../../lambdas/dispatcher/handler';
import { registerWaiter } from '../../lambdas/adapters/waiter-resume';
import { drain, toRecord } from '../support/event-source';
import { PAYLOAD_BUCKET, testGateway, type TestGateway } from '../support/gateway';
import { startLocalAws, type LocalAws } from '../support/local-aws';
import { RecordingTelemetry } from '../support/telemetry';
import { createWaiterTable, fakeTaskTokens, MACHINE, registration } from './support';

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
  expressions: {
    filter: "headers['x-github-event'] != 'ping'",
    eventKey: "'github:' + headers['x-github-event']",
    scope: 'input.repository.full_name',
  },
  maxBodySize: 4 * 1024 * 1024,
  hasWaiters: true,
};
const notify: RouteConfig = {
  id: 'notify',
  eventKeyPattern: 'github:pull_request*',
  filter: "input.action != 'edited'",
  target: { arn: `${MACHINE}Notify`, type: 'STANDARD' },
};

async function review(delivery: string, pr: number, extra: object = {}, event = 'pull_request_review') {
  const body = JSON.stringify({
    action: 'submitted',
    review: { state: 'approved', user: { login: 'octocat' } },
    pull_request: { number: pr },
    repository: { full_name: 'octo/repo' },
    ...extra,
  });
  return {
    webhook: 'github',
    body,
    headers: {
      'Content-Type': 'application/json',
      'X-GitHub-Event': event,
      'X-GitHub-Delivery': delivery,
      'X-Hub-Signature-256': await sign(SECRET, body),
    },
  };
}

interface Setup {
  readonly gw: TestGateway;
  readonly sfn: ReturnType<typeof fakeTaskTokens>;
  readonly store: DynamoDbWaiterStore;
  readonly dispatch: () => Promise<number>;
  readonly register: (pr: number) => Promise<ReturnType<typeof registration>>;
}

async function setup(webhook: WebhookConfig = github, routes: RouteConfig[] = [notify]): Promise<Setup> {
  const gw = await testGateway(
    local,
    { webhooks: [webhook], routes },
    { secrets: { 'github-secret': JSON.stringify({ values: [{ value: SECRET }] }) } },
  );
  const sfn = fakeTaskTokens();
  const store = new DynamoDbWaiterStore(local.dynamodb, await createWaiterTable(local));
  const history = new DynamoDbHistoryStore(local.dynamodb, gw.resources.historyTable);
  const waiters = {
    store,
    tasks: new SfnTaskTokens(sfn.client),
    payloads: new S3PayloadStore(gw.s3.client, PAYLOAD_BUCKET),
    clock: gw.clock,
  };
  const dispatcher = createDispatcher({
    starter: new SfnWorkflowStarter(gw.sfn.client),
    history,
    telemetry: new RecordingTelemetry(),
    waiters,
  });
  return {
    gw,
    sfn,
    store,
    dispatch: () => drain(local.sqs, gw.resources.queueUrl, dispatcher),
    register: async (pr) => {
      const r = registration({ values: { pr } });
      await registerWaiter({ ...waiters, history, telemetry: new RecordingTelemetry() }, r);
      return r;
    },
  };
}

async function queued(gw: TestGateway) {
  const got = await local.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: gw.resources.queueUrl,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 600,
      AttributeNames: ['All'],
    }),
  );
  return (got.Messages ?? []).map((m) => ({
    message: JSON.parse(m.Body!) as QueueMessage,
    groupId: m.Attributes!.MessageGroupId,
    deduplicationId: m.Attributes!.MessageDeduplicationId,
  }));
}

describe('the ingest, for a webhook with waiters', () => {
  it('sends a waiters message with the route messages, in one batch and group, within two round trips', async () => {
    const { gw } = await setup();
    await gw.post(await review('warm-up', 1));
    await queued(gw);
    gw.recorder.reset();
    const response = await gw.post(await review('r-1', 42));
    expect(response.json()).toEqual({ id: 'r-1', status: 'accepted' });
    expect(gw.recorder.commands()).toEqual([
      'dynamodb.PutItemCommand',
      'dynamodb.PutItemCommand',
      'dynamodb.UpdateItemCommand',
      'sqs.SendMessageBatchCommand',
    ]);
    expect(gw.recorder.sequentialStages()).toBe(2);

    const messages = await queued(gw);
    expect(messages.map((m) => m.message.kind)).toEqual(['start', 'waiters']);
    const [start, waiters] = messages;
    const key = (start!.message as { idempotencyKey: string }).idempotencyKey; // the signed body's hash
    expect(waiters!.message).toEqual({
      kind: 'waiters',
      webhook: 'github',
      idempotencyKey: key,
      historyKey: { pk: 'github', sk: `d#${key}` },
      input: start!.message.input,
    });
    expect(waiters!.message.input.deliveryId).toBe('r-1');
    expect(waiters!.groupId).toBe(start!.groupId);
    expect(waiters!.deduplicationId).toBe(queueDeduplicationId('github', key, WAITERS_QUEUE_ID));
  });

  it('offers an event no route matches to waiters, answering unrouted', async () => {
    const { gw } = await setup();
    const response = await gw.post(await review('r-edit', 42, { action: 'edited' }));
    expect(response.json()).toEqual({ id: 'r-edit', status: 'unrouted' });
    expect((await queued(gw)).map((m) => m.message.kind)).toEqual(['waiters']);
    expect(await gw.delivery('github', 'r-edit')).toMatchObject({ status: 'unrouted', routes: [] });
  });

  it('offers nothing for filtered, failed or duplicate deliveries, nor for webhooks without waiters', async () => {
    const { gw, dispatch } = await setup();
    const ping = await review('ping-1', 1, {}, 'ping');
    expect((await gw.post(ping)).json()).toMatchObject({ status: 'filtered' });
    const broken = await review('broken-1', 1, { repository: 'not-an-object' });
    expect((await gw.post(broken)).json()).toMatchObject({ status: 'transform_failed' });
    const once = await review('once-1', 1);
    await gw.post(once);
    await dispatch();
    expect((await gw.post(once)).json()).toMatchObject({ status: 'duplicate' });
    expect(await queued(gw)).toEqual([]);

    const plain = await setup({ ...github, hasWaiters: false });
    await plain.gw.post(await review('plain-1', 1));
    expect((await queued(plain.gw)).map((m) => m.message.kind)).toEqual(['start']);
    await plain.gw.post(await review('plain-2', 1, { action: 'edited' }));
    expect(await queued(plain.gw)).toEqual([]);
  });

  it('resumes the waiting workflow through the dispatcher with the event it would start a workflow with', async () => {
    const { gw, sfn, store, dispatch, register } = await setup();
    const waiting = await register(42);
    const other = await register(7);
    await gw.post(await review('approve-42', 42));
    await dispatch();

    const [started] = gw.sfn.started;
    expect(sfn.successes()).toEqual([{ taskToken: waiting.taskToken, output: JSON.stringify(started!.input) }]);
    expect(await store.waitersFor('github', 'github:pull_request_review')).toEqual([
      expect.objectContaining({ taskToken: other.taskToken }),
    ]);
    expect((await gw.delivery('github', 'approve-42'))!.executions).toEqual(
      [started!.executionArn, waiting.executionArn].sort(),
    );
  });

  it('marks an unrouted delivery enqueued with the execution it resumed', async () => {
    const { gw, sfn, dispatch, register } = await setup(github, []);
    const waiting = await register(42);
    await gw.post(await review('only-waiter', 42));
    await dispatch();
    expect(sfn.successes().map((s) => s.taskToken)).toEqual([waiting.taskToken]);
    expect(await gw.delivery('github', 'only-waiter')).toMatchObject({
      status: 'enqueued',
      executions: [waiting.executionArn],
    });
  });

  it('resumes with a payloadRef when the event is too large to travel inline', async () => {
    const { gw, sfn, dispatch, register } = await setup(github, []);
    const waiting = await register(42);
    await gw.post(await review('large-1', 42, { diff: 'x'.repeat(300 * 1024) }));
    await dispatch();
    const [success] = sfn.successes();
    expect(success!.taskToken).toBe(waiting.taskToken);
    const output = JSON.parse(success!.output!);
    expect(output).not.toHaveProperty('payload');
    expect(output.payloadRef).toEqual({ bucket: PAYLOAD_BUCKET, key: expect.stringMatching(/^payloads\/github\//) });
    expect(Buffer.byteLength(success!.output!)).toBeLessThan(256 * 1024);
  });

  it('fails a waiters message, reporting it as a batch item failure, if the dispatcher has no waiter table', async () => {
    const { gw } = await setup(github, []);
    await gw.post(await review('no-table', 42));
    const received = await local.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: gw.resources.queueUrl, AttributeNames: ['All'], VisibilityTimeout: 600 }),
    );
    const [record] = received.Messages!.map(toRecord);
    const result = await gw.dispatcher({ Records: [record!] }); // the harness's dispatcher has no waiter ports
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: record!.messageId }]);
    expect(gw.dispatcherTelemetry.logs.find((l) => l.message === 'message failed')?.fields.error).toMatch(
      /^WaitersNotConfiguredError/,
    );
  });
});
