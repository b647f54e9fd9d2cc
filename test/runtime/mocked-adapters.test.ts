import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { FilesystemPayloadStore } from '../../lambdas/adapters/fs-payloads';
import { LocalSecretStore } from '../../lambdas/adapters/local-secrets';
import { S3PayloadStore } from '../../lambdas/adapters/s3-payloads';
import { SecretsManagerSecretStore } from '../../lambdas/adapters/secrets-manager';
import { executionArnOf, SfnWorkflowStarter } from '../../lambdas/adapters/sfn-starter';
import { QueueSendError, SqsQueue } from '../../lambdas/adapters/sqs-queue';
import { powertoolsTelemetry } from '../../lambdas/adapters/telemetry';
import { InvalidSecretFormatError } from '../../lambdas/core/config/secret';
import { ManualClock } from '../support/clock';

const STANDARD = { arn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:orders', type: 'STANDARD' } as const;

describe('SecretsManagerSecretStore', () => {
  const owner = { webhook: 'github', ref: 'default' };

  it('reads the secret by id, parses every value, and caches it per secret id', async () => {
    const client = new SecretsManagerClient({ region: 'us-east-1' });
    const mock = mockClient(client);
    mock.on(GetSecretValueCommand).resolves({ SecretString: '{"values":[{"value":"new"},{"value":"old"}]}' });
    const clock = new ManualClock();
    const store = new SecretsManagerSecretStore(client, 60, clock);
    const [a, b] = await Promise.all([store.get({ secretId: 'gh' }, owner), store.get({ secretId: 'gh' }, owner)]);
    expect(a.values.map((v) => v.value)).toEqual(['new', 'old']);
    expect(b).toBe(a);
    clock.advance(59_000);
    await store.get({ secretId: 'gh' }, { webhook: 'other', ref: 'default' });
    expect(mock.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: 'gh' }]);
    clock.advance(2_000);
    await store.get({ secretId: 'gh' }, owner);
    expect(mock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('reads a secret without a current value as empty (the webhook answers secret_not_set)', async () => {
    const client = new SecretsManagerClient({ region: 'us-east-1' });
    mockClient(client)
      .on(GetSecretValueCommand)
      .rejects(new ResourceNotFoundException({ message: "can't find the specified secret value", $metadata: {} }));
    expect(await new SecretsManagerSecretStore(client).get({ secretId: 'gh' }, owner)).toEqual({ values: [] });
  });

  it('fails if the stored value is not in the secret format', async () => {
    const client = new SecretsManagerClient({ region: 'us-east-1' });
    mockClient(client).on(GetSecretValueCommand).resolves({ SecretString: '{"values": 3}' });
    await expect(new SecretsManagerSecretStore(client).get({ secretId: 'gh' }, owner)).rejects.toBeInstanceOf(
      InvalidSecretFormatError,
    );
  });

  it('fails if Secrets Manager fails otherwise, and tries again on the next call', async () => {
    const client = new SecretsManagerClient({ region: 'us-east-1' });
    const mock = mockClient(client);
    mock.on(GetSecretValueCommand).rejectsOnce(new Error('throttled')).resolves({ SecretString: 's3cret' });
    const store = new SecretsManagerSecretStore(client);
    await expect(store.get({ secretId: 'gh' }, owner)).rejects.toThrow('throttled');
    expect((await store.get({ secretId: 'gh' }, owner)).values).toEqual([{ value: 's3cret' }]);
  });
});

describe('LocalSecretStore', () => {
  it('reads WEBHOOK_SECRET_<NAME>[_<REF>] first, then the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'secrets-'));
    try {
      const file = join(dir, 'secrets.json');
      await writeFile(file, JSON.stringify({ 'my-hook': ['a', 'b'], 'my-hook.token': 'file-token', other: 'o' }));
      const store = await LocalSecretStore.create({
        file,
        env: { WEBHOOK_SECRET_MY_HOOK_TOKEN: '{"values":[{"value":"env-token"}]}', WEBHOOK_SECRET_OTHER: 'env-o' },
      });
      const get = (webhook: string, ref: string) => store.get(undefined, { webhook, ref });
      expect((await get('my-hook', 'default')).values.map((v) => v.value)).toEqual(['a', 'b']);
      expect((await get('my-hook', 'token')).values.map((v) => v.value)).toEqual(['env-token']);
      expect((await get('other', 'default')).values.map((v) => v.value)).toEqual(['env-o']);
      expect(await get('unknown', 'default')).toEqual({ values: [] });
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

describe('S3PayloadStore', () => {
  it('puts and gets objects with exactly these inputs', async () => {
    const client = new S3Client({ region: 'us-east-1' });
    const mock = mockClient(client);
    mock.on(PutObjectCommand).resolves({});
    mock.on(GetObjectCommand).resolves({
      Body: { transformToByteArray: async () => new Uint8Array(Buffer.from('{"a":1}')) } as never,
    });
    const store = new S3PayloadStore(client, 'payload-bucket');
    const ref = await store.put('payloads/github/abc.json', '{"a":1}', 'application/json');
    expect(ref).toEqual({ bucket: 'payload-bucket', key: 'payloads/github/abc.json' });
    expect(mock.commandCalls(PutObjectCommand)[0]!.args[0].input).toEqual({
      Bucket: 'payload-bucket',
      Key: 'payloads/github/abc.json',
      Body: '{"a":1}',
      ContentType: 'application/json',
    });
    expect((await store.get(ref)).toString()).toBe('{"a":1}');
    expect(mock.commandCalls(GetObjectCommand)[0]!.args[0].input).toEqual({
      Bucket: 'payload-bucket',
      Key: 'payloads/github/abc.json',
    });
  });
});

describe('FilesystemPayloadStore', () => {
  it('keeps objects under its folder and refuses keys that leave it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'payloads-'));
    try {
      const store = new FilesystemPayloadStore(dir);
      const ref = await store.put('bodies/github/abc', Buffer.from([0, 1, 2]), 'application/octet-stream');
      expect(ref).toEqual({ bucket: 'local-payloads', key: 'bodies/github/abc' });
      expect([...(await store.get(ref))]).toEqual([0, 1, 2]);
      expect([...(await readFile(join(dir, 'bodies/github/abc')))]).toEqual([0, 1, 2]);
      await expect(store.put('../escape', 'x', 'text/plain')).rejects.toThrow(/leaves the payload folder/);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

describe('SfnWorkflowStarter', () => {
  it('starts the execution with the name and input', async () => {
    const client = new SFNClient({ region: 'eu-west-1' });
    const mock = mockClient(client);
    mock
      .on(StartExecutionCommand)
      .resolves({ executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:orders:n1' });
    const started = await new SfnWorkflowStarter(client).start(STANDARD, 'n1', '{"a":1}');
    expect(started).toEqual({
      executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:orders:n1',
      alreadyStarted: false,
    });
    expect(mock.commandCalls(StartExecutionCommand)[0]!.args[0].input).toEqual({
      stateMachineArn: STANDARD.arn,
      name: 'n1',
      input: '{"a":1}',
    });
  });

  it('counts ExecutionAlreadyExists as started, with the existing ARN', async () => {
    const client = new SFNClient({ region: 'eu-west-1' });
    mockClient(client)
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    const started = await new SfnWorkflowStarter(client).start(
      { ...STANDARD, arn: `${STANDARD.arn}:prod` },
      'n1',
      '{}',
    );
    expect(started).toEqual({
      executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:orders:n1',
      alreadyStarted: true,
    });
  });

  it('fails if StartExecution fails otherwise', async () => {
    const client = new SFNClient({ region: 'eu-west-1' });
    mockClient(client).on(StartExecutionCommand).rejects(new Error('AccessDenied'));
    await expect(new SfnWorkflowStarter(client).start(STANDARD, 'n1', '{}')).rejects.toThrow('AccessDenied');
  });

  it('derives execution ARNs from machine, version and alias ARNs', () => {
    expect(executionArnOf('arn:aws-cn:states:cn-north-1:1:stateMachine:m', 'x')).toBe(
      'arn:aws-cn:states:cn-north-1:1:execution:m:x',
    );
    expect(executionArnOf('arn:aws:states:us-east-1:1:stateMachine:m:7', 'x')).toBe(
      'arn:aws:states:us-east-1:1:execution:m:x',
    );
    expect(() => executionArnOf('arn:aws:lambda:us-east-1:1:function:f', 'x')).toThrow(/not a state machine ARN/);
  });
});

describe('SqsQueue partial failures', () => {
  it('fails if any entry of any batch failed', async () => {
    const client = new SQSClient({ region: 'us-east-1' });
    mockClient(client)
      .on(SendMessageBatchCommand)
      .resolves({
        Successful: [],
        Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false, Message: 'try again' }],
      });
    const message = { kind: 'start' } as never;
    await expect(
      new SqsQueue(client, 'https://sqs/q.fifo').send([{ groupId: 'g', deduplicationId: 'd', message }]),
    ).rejects.toThrow(new QueueSendError('1 queue entries failed, first: InternalError: try again'));
  });
});

describe('SqsQueue message bodies', () => {
  it('escapes the characters SQS refuses, so that a payload holding them is still sent as the same JSON', async () => {
    const client = new SQSClient({ region: 'us-east-1' });
    const mock = mockClient(client).on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const message = { kind: 'start', input: { payload: { text: 'a\uFFFFb\uFFFE\u0000\uD800\u{1F600}' } } } as never;
    await new SqsQueue(client, 'https://sqs/q.fifo').send([{ groupId: 'g', deduplicationId: 'd', message }]);
    const body = mock.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.Entries![0]!.MessageBody!;
    // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
    expect(body).toMatch(/^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u);
    expect(JSON.parse(body)).toEqual(message);
  });
});

describe('powertoolsTelemetry', () => {
  afterEach(() => vi.restoreAllMocks());

  it('emits EMF with the Gateway dimension alone, and rejections also by Reason', () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const telemetry = powertoolsTelemetry({ serviceName: 'ingest', gatewayId: 'gw-1' });
    telemetry.metrics.count('Received');
    telemetry.metrics.count('Rejected', 1, 'signature_mismatch');
    telemetry.metrics.flush();
    const emf = lines
      .map(
        (l) =>
          JSON.parse(l) as Record<string, unknown> & {
            _aws?: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
          },
      )
      .filter((l) => l._aws);
    const byReason = emf.find((e) => e.Reason === 'signature_mismatch')!;
    expect(byReason._aws!.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'WebhookGateway',
      Dimensions: [['Gateway', 'Reason']],
    });
    expect(byReason.Rejected).toBe(1);
    const main = emf.find((e) => e.Reason === undefined)!;
    expect(main._aws!.CloudWatchMetrics[0]!.Dimensions).toEqual([['Gateway']]);
    expect(main).toMatchObject({ Gateway: 'gw-1', Received: 1, Rejected: 1 });
    expect(main.service).toBeUndefined();
  });
});
