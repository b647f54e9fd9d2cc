import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sign } from '@octokit/webhooks-methods';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
  CloudFormationCustomResourceEvent,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { App, Duration } from 'aws-cdk-lib';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import Stripe from 'stripe';
import { verifySlackRequest } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebhookGatewayExampleStack } from '../../bin/example-stack';
import { readAssembly, type AssemblyStack } from '../../cli/assembly';
import { TemplateResolver } from '../../cli/intrinsics';
import { ExecutionAlreadyExistsError, LocalWorkflows, type LocalExecution } from '../../cli/local-workflows';
import { signRequest } from '../../cli/sign';
import { ENV } from '../../lambdas/core/config/environment';
import type { DeliveryRecord } from '../../lambdas/core/config/messages';
import type { GatewayConfig } from '../../lambdas/core/config/webhook';
import { WebhookSource } from 'aws-webhook-gateway';
import { apiEvent, authorizerEvent, type ApiRequest } from '../support/api-event';
import { drain } from '../support/event-source';
import {
  createGatewayResources,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  readDelivery,
  startLocalAws,
  type GatewayResources,
  type LocalAws,
} from '../support/local-aws';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { fromItem } from '../../lambdas/adapters/dynamodb-history';
import { createWaiterTable } from '../waiters/support';

/**
 * The example app as deployed, on local servers: synthesized (no bundling), its config taken from
 * the Custom::WebhookGatewayConfig resource and written by the config writer, the handlers' own
 * entry modules wired by environment variables to dynalite and local-aws-sqs, Secrets Manager and
 * S3 stubbed, and the state machines' synthesized definitions run in aws-local-stepfunctions.
 */

type Handler<E, R> = (event: E) => Promise<R>;

let local: LocalAws;
let resources: GatewayResources;
let stacks: AssemblyStack[];
let config: GatewayConfig;
let workflows: LocalWorkflows;
let ingest: Handler<APIGatewayProxyEvent, APIGatewayProxyResult>;
let dispatcher: Handler<SQSEvent, SQSBatchResponse>;
let authorizer: Handler<APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult>;
let outdir: string;
const output: string[] = [];
const objects = new Map<string, Buffer>();
const savedEnv = { ...process.env };
const stubs: { restore(): void }[] = [];

const SECRETS = {
  github: 'github-secret-value',
  stripe: 'whsec_example_0123456789',
  slack: 'slack-signing-secret',
  orders: 'orders-hmac-key',
  deploys: 'deploys-secret',
  limited: 'limited-secret',
};

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'e2e-synth-'));
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  const example = new WebhookGatewayExampleStack(app, 'WebhookGatewayExample');
  // Two more webhooks on the example's gateway, for the filter and rate-window paths.
  const notify = example.node.findChild('NotifyTeam') as sfn.StateMachine;
  example.gateway.addWebhook('deploys', {
    source: WebhookSource.github(),
    eventKey: "'deploys:' + headers['x-github-event']",
    filter: "headers['x-github-event'] == 'deployment'",
  });
  example.gateway.addWebhook('limited', {
    source: WebhookSource.github(),
    eventKey: "'limited:' + headers['x-github-event']",
    rateLimit: { windows: [{ period: Duration.hours(1), limit: 2 }] },
  });
  example.gateway.route('deploys:*', notify, { webhook: 'deploys' });
  example.gateway.route('limited:*', notify, { webhook: 'limited' });
  stacks = readAssembly(app.synth().directory);

  const stack = stacks.find((s) => s.stackName === 'WebhookGatewayExample')!;
  const [, resource] = Object.entries(stack.template.Resources ?? {}).find(
    ([, r]) => r.Type === 'Custom::WebhookGatewayConfig',
  )!;
  const props = new TemplateResolver(stack.template).resolve(resource.Properties) as { Config: string };
  config = JSON.parse(props.Config) as GatewayConfig;
  workflows = new LocalWorkflows(stacks);

  local = await startLocalAws();
  resources = await createGatewayResources(local);
  const waiterTable = await createWaiterTable(local);
  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: local.dynamodbServer.endpoint,
    AWS_ENDPOINT_URL_SQS: local.sqsServer.endpoint,
    [ENV.configTable]: resources.configTable,
    [ENV.historyTable]: resources.historyTable,
    [ENV.queueUrl]: resources.queueUrl,
    [ENV.payloadBucket]: 'example-payloads',
    [ENV.gatewayId]: 'example',
    [ENV.waiterTable]: waiterTable,
  });
  // No local Secrets Manager, S3 or Step Functions API: every client of the handlers' modules is stubbed.
  const secretIds = new Map(config.webhooks.map((w) => [w.secrets.default!.secretId, w.name as keyof typeof SECRETS]));
  const secretsManager = mockClient(SecretsManagerClient);
  stubs.push(secretsManager);
  secretsManager
    .on(GetSecretValueCommand)
    .callsFake((input: { SecretId: string }) => ({ SecretString: SECRETS[secretIds.get(input.SecretId)!] }));
  const s3 = mockClient(S3Client);
  stubs.push(s3);
  s3.on(PutObjectCommand).callsFake((input: { Bucket: string; Key: string; Body: Uint8Array | string }) => {
    objects.set(`${input.Bucket}/${input.Key}`, Buffer.from(input.Body));
    return {};
  });
  s3.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) => ({
    Body: { transformToByteArray: async () => new Uint8Array(objects.get(`${input.Bucket}/${input.Key}`)!) },
  }));
  const stepFunctions = mockClient(SFNClient);
  stubs.push(stepFunctions);
  stepFunctions
    .on(StartExecutionCommand)
    .callsFake((input: { stateMachineArn: string; name: string; input: string }) => {
      try {
        return { executionArn: workflows.start(input).executionArn, startDate: new Date() };
      } catch (error) {
        if (error instanceof ExecutionAlreadyExistsError) {
          throw new ExecutionAlreadyExists({
            message: `Execution Already Exists: '${error.executionArn}'`,
            $metadata: {},
          });
        }
        throw error;
      }
    });
  // Powertools writes JSON lines to stdout (info) and stderr (warn, error): keep them for assertions.
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk) => {
      output.push(String(chunk));
      return true;
    });
  }

  ({ handler: ingest } = await import('../../lambdas/ingest/index'));
  ({ handler: dispatcher } = await import('../../lambdas/dispatcher/index'));
  ({ handler: authorizer } = await import('../../lambdas/authorizer/index'));
  const { handler: configWriter } = await import('../../lambdas/config-writer/index');
  await configWriter({
    RequestType: 'Create',
    ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:framework-onEvent',
    ResponseURL: '...',
    StackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/WebhookGatewayExample/1',
    RequestId: 'create',
    LogicalResourceId: 'WebhooksConfig',
    ResourceType: 'Custom::WebhookGatewayConfig',
    ResourceProperties: { ServiceToken: 'x', ConfigTableName: resources.configTable, Config: props.Config },
  } as CloudFormationCustomResourceEvent);
}, 120_000);

afterAll(async () => {
  vi.restoreAllMocks();
  for (const stub of stubs) stub.restore();
  process.env = savedEnv;
  await local?.stop();
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

async function post(request: ApiRequest) {
  const response = await ingest(apiEvent(request));
  return { ...response, json: () => JSON.parse(response.body) as Record<string, unknown> };
}

/** Dispatches everything on the queue and waits for the workflows it started. */
async function dispatchAll(): Promise<LocalExecution[]> {
  const before = new Set(workflows.list().map((e) => e.executionArn));
  await drain(local.sqs, resources.queueUrl, dispatcher);
  const started = workflows.list().filter((e) => !before.has(e.executionArn));
  await Promise.all(started.map((e) => e.done));
  return started;
}

function record(webhook: string, key: string): Promise<DeliveryRecord | undefined> {
  return readDelivery(local.dynamodb, resources.historyTable, webhook, key);
}

function arnOf(name: 'ProcessPayment' | 'NotifyTeam'): string {
  const arn = workflows.stateMachineArns.find((a) => a.split(':').pop()!.startsWith(name));
  if (!arn) throw new Error(`no state machine ${name}`);
  return arn;
}

async function github(webhook: string, event: string, body: object, delivery: string) {
  const text = JSON.stringify(body);
  return {
    webhook,
    body: text,
    headers: {
      'Content-Type': 'application/json',
      'X-GitHub-Event': event,
      'X-GitHub-Delivery': delivery,
      'X-Hub-Signature-256': await sign(SECRETS[webhook as keyof typeof SECRETS], text),
    },
  };
}

const stripe = new Stripe('sk_test_unused');
function stripeRequest(event: object) {
  const payload = JSON.stringify(event);
  return {
    webhook: 'stripe',
    body: payload,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Stripe-Signature': stripe.webhooks.generateTestHeaderString({ payload, secret: SECRETS.stripe }),
    },
  };
}

function paymentSucceeded(id: string, amount: number) {
  return {
    id,
    object: 'event',
    type: 'payment_intent.succeeded',
    data: { object: { id: `pi_${id}`, object: 'payment_intent', amount, customer: 'cus_42' } },
  };
}

describe('the example app, end to end', () => {
  it('takes its webhooks from the synthesized Custom::WebhookGatewayConfig resource', () => {
    expect(config.webhooks.map((w) => w.name).sort()).toEqual([
      'deploys',
      'github',
      'limited',
      'orders',
      'slack',
      'stripe',
    ]);
    expect(config.routes.map((r) => r.target.arn)).toContain(arnOf('ProcessPayment'));
  });

  it('authorizes a known webhook with its usage-plan key, and denies an unknown one', async () => {
    const event = (name: string) => authorizerEvent(name, undefined, '000000000000');
    const allowed = await authorizer(event('stripe'));
    expect(allowed.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow' });
    expect(allowed.usageIdentifierKey).toBe(config.webhooks.find((w) => w.name === 'stripe')!.usageIdentifierKey);
    expect((await authorizer(event('nope'))).policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
  });

  it('starts ProcessPayment for a Stripe payment signed by the stripe library, with the workflow input of the contract', async () => {
    const event = paymentSucceeded('evt_e2e_1', 5000);
    const response = await post(stripeRequest(event));
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ id: 'evt_e2e_1', status: 'accepted' });

    const [execution, ...others] = await dispatchAll();
    expect(others).toEqual([]);
    expect(execution!.stateMachineArn).toBe(arnOf('ProcessPayment'));
    expect(execution!.status).toBe('SUCCEEDED');
    expect(execution!.input).toEqual({
      webhook: 'stripe',
      deliveryId: 'evt_e2e_1',
      eventKey: 'stripe:payment_intent.succeeded',
      scope: 'cus_42',
      receivedAt: expect.stringMatching(/Z$/),
      headers: expect.objectContaining({ 'stripe-signature': '[redacted]' }),
      payload: { ...event, environment: 'example' },
    });
    expect(execution!.output).toEqual({
      webhook: 'stripe',
      eventKey: 'stripe:payment_intent.succeeded',
      deliveryId: 'evt_e2e_1',
    });
    expect(await record('stripe', 'evt_e2e_1')).toMatchObject({
      status: 'enqueued',
      routes: [config.routes.find((r) => r.eventKeyPattern === 'stripe:payment_intent.succeeded')!.id],
      executions: [execution!.executionArn],
    });
  });

  it("answers duplicate for Stripe's retry and starts nothing more", async () => {
    const request = stripeRequest(paymentSucceeded('evt_e2e_dup', 5000));
    expect((await post(request)).json()).toMatchObject({ status: 'accepted' });
    expect(await dispatchAll()).toHaveLength(1);
    expect((await post(request)).json()).toEqual({ id: 'evt_e2e_dup', status: 'duplicate' });
    expect(await dispatchAll()).toEqual([]);
  });

  it('answers duplicate for copies sent while the original is still on the queue, and starts one workflow', async () => {
    const stripeCopy = stripeRequest(paymentSucceeded('evt_e2e_inflight', 5000));
    const githubCopy = await github(
      'github',
      'push',
      { ref: 'refs/heads/inflight', repository: { full_name: 'o/r' } },
      'gh-inflight',
    );
    for (const request of [stripeCopy, githubCopy]) {
      expect((await post(request)).json()).toMatchObject({ status: 'accepted' });
      const copies = await Promise.all(Array.from({ length: 16 }, () => post(request)));
      expect(copies.map((c) => c.json().status)).toEqual(Array(16).fill('duplicate'));
    }
    expect(await dispatchAll()).toHaveLength(2);
    expect(await dispatchAll()).toEqual([]);
  });

  it('records a payment the route filter leaves out as unrouted', async () => {
    const response = await post(stripeRequest(paymentSucceeded('evt_small', 500)));
    expect(response.json()).toEqual({ id: 'evt_small', status: 'unrouted' });
    expect(await dispatchAll()).toEqual([]);
    expect(await record('stripe', 'evt_small')).toMatchObject({
      status: 'unrouted',
      eventKey: 'stripe:payment_intent.succeeded',
    });
  });

  it('records an event the webhook filter drops as filtered', async () => {
    const response = await post(await github('deploys', 'push', { ref: 'x' }, 'deploy-push'));
    expect(response.json()).toEqual({ id: 'deploy-push', status: 'filtered' });
    const deployment = await post(await github('deploys', 'deployment', { id: 1 }, 'deploy-1'));
    expect(deployment.json()).toMatchObject({ status: 'accepted' });
    const [execution] = await dispatchAll();
    expect(execution!.stateMachineArn).toBe(arnOf('NotifyTeam'));
  });

  it('records an event whose eventKey cannot be computed as transform_failed', async () => {
    const response = await post(stripeRequest({ id: 'evt_no_type', object: 'event', data: {} }));
    expect(response.json()).toEqual({ id: 'evt_no_type', status: 'transform_failed' });
    expect((await record('stripe', 'evt_no_type'))!.reason).toMatch(/^eventKey: /);
  });

  it('starts NotifyTeam (Express) for GitHub, Slack and a generic HMAC sender signed as each provider signs', async () => {
    const gh = await post(await github('github', 'push', { repository: { full_name: 'octo/repo' } }, 'gh-1'));
    expect(gh.json()).toMatchObject({ status: 'accepted' });

    const slackBody = JSON.stringify({
      type: 'event_callback',
      team_id: 'T1',
      event_id: 'Ev1',
      event: { type: 'app_mention' },
    });
    const ts = Math.floor(Date.now() / 1000);
    const slackSignature = `v0=${createHmac('sha256', SECRETS.slack).update(`v0:${ts}:${slackBody}`).digest('hex')}`;
    // Bolt's own verifier accepts the signature (it throws otherwise).
    verifySlackRequest({
      signingSecret: SECRETS.slack,
      body: slackBody,
      headers: { 'x-slack-signature': slackSignature, 'x-slack-request-timestamp': ts },
    });
    const slack = await post({
      webhook: 'slack',
      body: slackBody,
      headers: {
        'Content-Type': 'application/json',
        'X-Slack-Signature': slackSignature,
        'X-Slack-Request-Timestamp': String(ts),
      },
    });
    expect(slack.json()).toEqual({ id: 'Ev1', status: 'accepted' });

    const orders = config.webhooks.find((w) => w.name === 'orders')!;
    const body = Buffer.from(JSON.stringify({ id: 'ord-1', event: 'created', customerId: 'c-9' }));
    const signed = await signRequest(
      orders.verifier,
      { url: `https://example/webhooks/orders`, body, contentType: 'application/json' },
      { secret: () => SECRETS.orders, privateKey: () => undefined },
    );
    const order = await post({ webhook: 'orders', body: signed.body, headers: signed.headers });
    expect(order.json()).toMatchObject({ status: 'accepted' });

    const started = await dispatchAll();
    const summary = (e: LocalExecution) =>
      `${e.stateMachineArn.split(':').pop()} ${(e.input as { deliveryId: string }).deliveryId}`;
    expect(started.map(summary).sort()).toEqual(
      [
        `${arnOf('NotifyTeam').split(':').pop()} Ev1`,
        `${arnOf('NotifyTeam').split(':').pop()} gh-1`,
        `${arnOf('ProcessPayment').split(':').pop()} ${String(order.json().id)}`,
      ].sort(),
    );
    expect(started.every((e) => e.status === 'SUCCEEDED')).toBe(true);
    expect(await record('orders', 'ord-1')).toMatchObject({ status: 'enqueued', scope: 'c-9' });
  });

  it('answers a Slack url_verification handshake only when it is signed', async () => {
    const body = JSON.stringify({ type: 'url_verification', challenge: 'ch-1', token: 't' });
    const ts = String(Math.floor(Date.now() / 1000));
    const headers = (key: string) => ({
      'Content-Type': 'application/json',
      'X-Slack-Request-Timestamp': ts,
      'X-Slack-Signature': `v0=${createHmac('sha256', key).update(`v0:${ts}:${body}`).digest('hex')}`,
    });
    const answer = await post({ webhook: 'slack', body, headers: headers(SECRETS.slack) });
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toContain('ch-1');
    expect((await post({ webhook: 'slack', body, headers: headers('forged') })).statusCode).toBe(401);
  });

  it('rejects forged, unknown, oversized and rate-limited requests, each logged with its reason', async () => {
    const forged = await github('github', 'push', { repository: { full_name: 'o/r' } }, 'forged-1');
    forged.headers['X-Hub-Signature-256'] = await sign('not-the-secret', forged.body);
    expect((await post(forged)).statusCode).toBe(401);
    expect((await post({ ...forged, webhook: 'unknown' })).statusCode).toBe(404);
    const big = await github('github', 'push', { pad: 'x'.repeat(4 * 1024 * 1024) }, 'big-1');
    expect((await post(big)).statusCode).toBe(413);

    // 2 an hour: of five requests in a row, three share a window even if the top of the hour
    // falls between two of them, so at least one is refused.
    const statuses = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await post(await github('limited', 'push', { i }, `lim-${i}`))).statusCode);
    expect(statuses.slice(0, 2)).toEqual([202, 202]);
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s === 202).length).toBeLessThanOrEqual(4);

    const logs = output
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.includes('"rejected"'))
      .map((l) => JSON.parse(l));
    expect(logs.map((l) => l.reason)).toEqual(
      expect.arrayContaining(['signature_mismatch', 'unknown_webhook', 'body_too_large', 'rate_window_exceeded']),
    );
    const history = await local.dynamodb.send(
      new QueryCommand({
        TableName: resources.historyTable,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
        ExpressionAttributeValues: { ':pk': { S: 'github' }, ':r': { S: 'r#' } },
      }),
    );
    expect((history.Items ?? []).map((i) => fromItem(i).reason)).toEqual([
      expect.stringMatching(/^signature_mismatch/),
    ]);
    await dispatchAll();
  });

  it('answers 503 while DynamoDB is down, records nothing as accepted, and the retry starts exactly one workflow', async () => {
    const request = stripeRequest(paymentSucceeded('evt_fault_db', 7000));
    local.dynamodbServer.fail('down', /PutItem$/);
    let response;
    try {
      response = await post(request);
    } finally {
      local.dynamodbServer.heal();
    }
    expect(response).toMatchObject({ statusCode: 503, headers: { 'retry-after': '5' } });
    // No record but markFailed's tombstone (its claim writes might still land): failed, no body, no id.
    const tombstone = await record('stripe', 'evt_fault_db');
    expect(tombstone).toMatchObject({ status: 'failed', reason: 'history_write_failed' });
    expect(tombstone).not.toHaveProperty('body');
    expect(tombstone).not.toHaveProperty('deliveryId');
    expect(await dispatchAll()).toEqual([]);
    expect((await post(request)).json()).toMatchObject({ status: 'accepted' });
    expect(await dispatchAll()).toHaveLength(1);
  });

  it('answers 503 while SQS throttles, and the retry starts exactly one workflow', async () => {
    const request = stripeRequest(paymentSucceeded('evt_fault_sqs', 7000));
    local.sqsServer.fail('throttle', /SendMessageBatch$/);
    let response;
    try {
      response = await post(request);
    } finally {
      local.sqsServer.heal();
    }
    expect(response!.statusCode).toBe(503);
    expect(await record('stripe', 'evt_fault_sqs')).toMatchObject({ status: 'failed', reason: 'enqueue_failed' });
    expect((await post(request)).json()).toMatchObject({ status: 'accepted' });
    expect((await post(request)).json()).toMatchObject({ status: 'duplicate' }); // still on the queue
    const started = await dispatchAll();
    expect(started).toHaveLength(1);
    expect(await record('stripe', 'evt_fault_sqs')).toMatchObject({
      status: 'enqueued',
      executions: [started[0]!.executionArn],
    });
  });
});
