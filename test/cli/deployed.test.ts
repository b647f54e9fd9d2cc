import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { verify } from '@octokit/webhooks-methods';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbHistoryStore } from '../../lambdas/adapters/dynamodb-history';
import type { GatewayConfig } from '../../lambdas/core/config/webhook';
import type { Backends } from '../../cli/local/backends';
import { synthesizeFixture } from './fixtures/app';
import { cli, deployFixture, secretsManagerOver, type DeployedFixture, type StackOutput } from './support';

/**
 * `--stack`: the commands find a deployed gateway through its stack outputs. CloudFormation and
 * Secrets Manager are mocked (aws-sdk-client-mock); DynamoDB and SQS are the embedded servers, with
 * the fixture's tables and queues (deployFixture).
 */

const STACK = ['--stack', 'Deployed', '--region', 'us-east-1'];
const cloudformation = mockClient(CloudFormationClient);
const secretsManager = mockClient(SecretsManagerClient);
const secretValues = new Map<string, string>();
const received: { path: string; headers: IncomingMessage['headers']; body: string }[] = [];

let root: string;
let deployed: DeployedFixture;
let backends: Backends;
let api: Server;
let config: GatewayConfig;
let resources: DeployedFixture['resources'];
let outputs: StackOutput[];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'wg-deployed-'));
  deployed = await deployFixture(synthesizeFixture(join(root, 'cdk.out')));
  ({ backends, config, resources } = deployed);

  api = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"id":"deployed-1","status":"accepted"}');
    });
  });
  await new Promise<void>((done) => api.listen(0, '127.0.0.1', done));
  outputs = deployed.outputs(`http://127.0.0.1:${(api.address() as AddressInfo).port}/v1/`);
}, 120_000);

afterAll(async () => {
  cloudformation.restore();
  secretsManager.restore();
  api?.close();
  await deployed?.stop();
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  cloudformation.reset();
  cloudformation.on(DescribeStacksCommand, { StackName: 'Deployed' }).resolves({
    Stacks: [{ StackName: 'Deployed', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: outputs }],
  });
  secretsManagerOver(secretsManager, secretValues);
  secretValues.clear();
  secretValues.set('CliFixture/Hooks/deploys', JSON.stringify({ value: 'generated-at-deploy' }));
});

describe('the commands on a deployed stack (--stack, --region)', () => {
  it('send signs with the secret from Secrets Manager and posts to the stack URL', async () => {
    const sent = await cli('send', 'deploys', '--event', 'deployment', ...STACK);
    expect(sent).toMatchObject({ code: 0, stdout: '202 {"id":"deployed-1","status":"accepted"}\n' });
    const request = received.at(-1)!;
    expect(request.path).toBe('/v1/webhooks/deploys');
    expect(request.headers['x-github-event']).toBe('deployment');
    expect(await verify('generated-at-deploy', request.body, String(request.headers['x-hub-signature-256']))).toBe(
      true,
    );
  });

  it('test reads the deployed config table', async () => {
    const file = join(root, 'push.json');
    writeFileSync(file, '{"ref":"main"}');
    const dry = await cli('test', 'deploys', '--file', file, '--event', 'push', '--json', ...STACK);
    expect(JSON.parse(dry.stdout)).toMatchObject({ configFrom: 'deployed', status: 'filtered', filterResult: false });
  });

  it('history and replay work on the deployed history table and queue', async () => {
    const history = new DynamoDbHistoryStore(backends.dynamodb, resources.historyTable);
    const now = Math.floor(Date.now() / 1000);
    await history.claim({
      markerStatus: 'settled',
      markerExpiresAt: now + 3600,
      record: {
        webhook: 'deploys',
        deliveryId: 'dep-deployed-1',
        idempotencyKey: 'dep-deployed-1',
        receivedAt: new Date().toISOString(),
        status: 'enqueued',
        eventKey: 'deploys:deployment',
        routes: [config.routes.find((r) => r.webhook === 'deploys')!.id],
        headers: { 'x-github-event': 'deployment', 'content-type': 'application/json' },
        body: Buffer.from('{"deployment":{"id":1}}'),
        attempt: 'seed',
        leaseUntil: now,
        expiresAt: now + 3600,
      },
    });
    const listed = await cli('history', 'deploys', '--json', ...STACK);
    expect(JSON.parse(listed.stdout)).toMatchObject({ deliveryId: 'dep-deployed-1', status: 'enqueued' });

    const replayed = await cli('replay', 'deploys', 'dep-deployed-1', '--no-wait', ...STACK);
    expect(replayed).toMatchObject({
      code: 0,
      stdout: 'replayed deploys dep-deployed-1 as dep-deployed-1#replay-1: accepted (deploys:deployment), 1 route(s)\n',
    });
    const message = await backends.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: resources.queueUrl, MaxNumberOfMessages: 10 }),
    );
    expect(JSON.parse(message.Messages![0]!.Body!)).toMatchObject({
      kind: 'start',
      webhook: 'deploys',
      input: { deliveryId: 'dep-deployed-1#replay-1', replayOf: 'dep-deployed-1', payload: { deployment: { id: 1 } } },
    });
  });

  it('secret get shows the generated value; rotate writes the new value first, the old one expiring', async () => {
    expect((await cli('secret', 'get', 'deploys', ...STACK)).stdout).toBe('generated-at-deploy\n');
    const rotated = await cli('secret', 'rotate', 'deploys', '--expire', '2h', ...STACK);
    const next = rotated.stdout.trim();
    expect(next).toMatch(/^[A-Za-z0-9]{48}$/);
    const stored = JSON.parse(secretValues.get('CliFixture/Hooks/deploys')!) as { values: { expiresAt?: string }[] };
    expect(stored).toEqual({
      values: [{ value: next }, { value: 'generated-at-deploy', expiresAt: expect.any(String) }],
    });
    const expires = Date.parse(stored.values[1]!.expiresAt!) - Date.now();
    expect(expires).toBeGreaterThan(7_100_000);
    expect(expires).toBeLessThanOrEqual(7_200_000);
  });

  it('secret set writes a provider-issued value and a public key in the stored shape', async () => {
    expect((await cli('secret', 'set', 'sms', 'twilio-token', ...STACK)).code).toBe(0);
    expect(secretValues.get('CliFixture/Hooks/sms')).toBe('{"values":[{"value":"twilio-token"}]}');
    expect((await cli('secret', 'set', 'discord', '--public-key', 'ab'.repeat(32), ...STACK)).code).toBe(0);
    expect(secretValues.get('CliFixture/Hooks/discord')).toBe(JSON.stringify({ publicKey: 'ab'.repeat(32) }));
  });

  it('fails if rotate has no new value for a secret the provider issues (exit 2)', async () => {
    const rotated = await cli('secret', 'rotate', 'sms', ...STACK);
    expect(rotated).toMatchObject({ code: 2 });
    expect(rotated.stderr).toBe(
      "webhook-gateway secret: twilio issues its own secrets: roll it in the provider's settings and pass the new one with --value\n",
    );
  });

  it('fails if secret set has no value, offering --public-key only for a scheme with public keys (a regression)', async () => {
    expect(await cli('secret', 'set', 'deploys', ...STACK)).toEqual({
      code: 2,
      stdout: '',
      stderr: 'webhook-gateway secret: missing the value: webhook-gateway secret set deploys <value>\n',
    });
    expect((await cli('secret', 'set', 'discord', ...STACK)).stderr).toBe(
      'webhook-gateway secret: missing the value: webhook-gateway secret set discord <value> (or --public-key for discord)\n',
    );
  });

  it('fails if send has no secret value yet: one line', async () => {
    const sent = await cli('send', 'sms', ...STACK);
    expect(sent.code).toBe(1);
    expect(sent.stderr).toMatch(/^webhook-gateway send: cannot sign for webhook "sms": no secret value for "default"/);
  });

  it('redrive moves the dead-letter queue back to the queue', async () => {
    await backends.sqs.send(
      new SendMessageCommand({
        QueueUrl: resources.deadLetterQueueUrl,
        MessageBody: '{"kind":"start"}',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'parked',
      }),
    );
    expect(await cli('redrive', ...STACK)).toMatchObject({
      code: 0,
      stdout: 'moved 1 message(s) from the dead-letter queue back to the queue\n',
    });
    const dlq = await backends.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: resources.deadLetterQueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    expect(dlq.Attributes?.ApproximateNumberOfMessages).toBe('0');
  });

  it('fails if the stack does not exist: one line', async () => {
    cloudformation
      .on(DescribeStacksCommand, { StackName: 'Nope' })
      .rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));
    const result = await cli('history', 'deploys', '--stack', 'Nope', '--region', 'eu-west-1');
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: 'webhook-gateway history: stack "Nope" does not exist in eu-west-1: check --stack and --region\n',
    });
  });

  it('fails if the stack has no gateway outputs: one line', async () => {
    cloudformation.on(DescribeStacksCommand, { StackName: 'Other' }).resolves({
      Stacks: [{ StackName: 'Other', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: [] }],
    });
    const result = await cli('history', 'deploys', '--stack', 'Other');
    expect(result.stderr).toBe(
      'webhook-gateway history: stack "Other" has no webhook gateway outputs (…ApiUrl, …HistoryTable): is it the stack that holds the WebhookGateway, and was the gateway deployed with its outputs (not `outputs: false`)?\n',
    );
  });

  it('fails if there are no AWS credentials: one line saying how to configure them', async () => {
    cloudformation
      .on(DescribeStacksCommand)
      .rejects(
        Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      );
    const result = await cli('history', 'deploys', ...STACK);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'webhook-gateway history: no AWS credentials: run `aws configure` (or `aws sso login`), or set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY\n',
    });
  });

  it('fails without a region: the credentials message first when there are none either (the README promises it), else the region', async () => {
    // What the SDK throws before it looks for credentials when no region is configured.
    cloudformation.on(DescribeStacksCommand, { StackName: 'NoRegion' }).rejects(new Error('Region is missing'));
    const saved = { ...process.env };
    for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
    Object.assign(process.env, {
      AWS_CONFIG_FILE: join(root, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(root, 'no-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    try {
      expect(await cli('history', 'deploys', '--stack', 'NoRegion')).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'webhook-gateway history: no AWS credentials: run `aws configure` (or `aws sso login`), or set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY\n',
      });
      Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI' });
      expect((await cli('send', 'deploys', '--stack', 'NoRegion')).stderr).toBe(
        'webhook-gateway send: no AWS region: pass --region, or set AWS_REGION or AWS_PROFILE\n',
      );
    } finally {
      process.env = saved;
    }
  });

  it('fails if the webhook is not in the stack: one line listing its webhooks', async () => {
    const result = await cli('history', 'stripe', ...STACK);
    expect(result.stderr).toBe(
      `webhook-gateway history: unknown webhook "stripe": stack "Deployed" in us-east-1 has ${config.webhooks.map((w) => w.name).join(', ')}\n`,
    );
  });
});
