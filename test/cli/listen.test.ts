import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { sign } from '@octokit/webhooks-methods';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { S3PayloadStore } from '../../lambdas/adapters/s3-payloads';
import { DEFAULT_SETTINGS } from '../../lambdas/adapters/settings';
import type { GatewayConfig } from '../../lambdas/core/config/webhook';
import { gatewayIngestDeps } from '../../lambdas/ingest/aws-deps';
import { createIngestHandler } from '../../lambdas/ingest/request-handler';
import { listenLine } from '../../cli/listen/lines';
import { main } from '../../cli/main';
import { apiEvent } from '../support/api-event';
import { synthesizeFixture } from './fixtures/app';
import { cli, deployFixture, REPO, startGateway, type DeployedFixture, type GatewayProcess } from './support';

/**
 * `listen --stack`: deliveries the deployed gateway recorded run through the local gateway's app.
 * The deployed side is the fixture's tables in dynalite, written by the real ingest handler (so the
 * items have the deployed shape); CloudFormation and S3 are mocked with exact inputs. The local
 * side is `webhook-gateway local` on the same app, in its own process, whose deployed config differs
 * from the local one in the event key: the lines show which CEL ran.
 */

const SECRET = 'deployed-github-secret';
const STACK = ['--stack', 'Deployed', '--region', 'us-east-1'];
const BUCKET = 'deployed-payloads';
const cloudformation = mockClient(CloudFormationClient);
const s3 = mockClient(S3Client);
const objects = new Map<string, Buffer>();

let root: string;
let stateDir: string;
let deployed: DeployedFixture;
let gateway: GatewayProcess;
let ingest: ReturnType<typeof createIngestHandler>;

/** The deployed app says `aws:<event>`; the local app (the fixture as it is) says `deploys:<event>`. */
const deployedConfig = (config: GatewayConfig): GatewayConfig => ({
  ...config,
  webhooks: config.webhooks.map((w) =>
    w.name === 'deploys'
      ? { ...w, expressions: { ...w.expressions, eventKey: "'aws:' + headers['x-github-event']" } }
      : w,
  ),
});

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'wg-listen-'));
  stateDir = join(root, 'state');
  const assembly = synthesizeFixture(join(root, 'cdk.out'));
  deployed = await deployFixture(assembly, deployedConfig);
  const { resources, backends } = deployed;
  ingest = createIngestHandler(
    gatewayIngestDeps(
      { ...resources, ...DEFAULT_SETTINGS },
      { dynamodb: backends.dynamodb, sqs: backends.sqs },
      {
        configCacheSeconds: 0,
        secrets: { get: async () => ({ values: [{ value: SECRET }] }) },
        payloads: new S3PayloadStore(new S3Client({ region: 'us-east-1' }), BUCKET),
        telemetry: { log: { info() {}, warn() {}, error() {} }, metrics: { count() {}, flush() {} } },
      },
    ),
  );
  gateway = await startGateway(['--app', assembly, '--dev-secrets', '--json', '--port', '0'], { stateDir });
}, 180_000);

afterAll(async () => {
  cloudformation.restore();
  s3.restore();
  await gateway?.stop('SIGKILL');
  await deployed?.stop();
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  cloudformation.reset();
  cloudformation.on(DescribeStacksCommand, { StackName: 'Deployed' }).resolves({
    Stacks: [
      {
        StackName: 'Deployed',
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date(),
        Outputs: deployed.outputs('https://abc123.execute-api.us-east-1.amazonaws.com/v1/'),
      },
    ],
  });
  s3.reset();
  s3.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
    objects.set(`${input.Bucket}/${input.Key}`, Buffer.from(input.Body as Uint8Array));
    return {};
  });
  s3.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
    const body = objects.get(`${input.Bucket}/${input.Key}`);
    if (!body) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
    return { Body: { transformToByteArray: async () => new Uint8Array(body) } as never };
  });
});

/** A request to the deployed ingest, signed with the deployed secret (or forged). */
async function deliverOnAws(id: string, body: string, options: { forged?: boolean } = {}) {
  const signature = await sign(options.forged ? 'not-the-secret' : SECRET, body);
  const result = await ingest(
    apiEvent({
      webhook: 'deploys',
      body,
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'deployment',
        'x-github-delivery': id,
        'x-hub-signature-256': signature,
      },
    }),
  );
  expect(result.statusCode).toBe(options.forged ? 401 : 202);
}

/** Listeners a failed test left running. */
const running = new Set<AbortController>();
afterEach(() => {
  for (const controller of running) controller.abort();
  running.clear();
});

interface Listening {
  /** The JSON lines printed so far. */
  lines(): Record<string, unknown>[];
  stderr(): string;
  /** Waits until `predicate` holds for the lines. */
  until(predicate: (lines: Record<string, unknown>[]) => boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<number>;
}

/** `webhook-gateway listen` in process (the same `main` as the bin), stopped as Ctrl-C stops it. */
function listen(...args: string[]): Listening {
  let stdout = '';
  let stderr = '';
  const [out, err] = [new PassThrough(), new PassThrough()];
  out.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  err.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const controller = new AbortController();
  running.add(controller);
  const argv = ['listen', ...STACK, '--state-dir', stateDir, '--json', '--interval', '0.1s', ...args];
  const done = main(argv, {
    cwd: REPO,
    stdout: out,
    stderr: err,
    signal: controller.signal,
    help: () => 0,
  });
  const lines = () =>
    stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    lines,
    stderr: () => stderr,
    async until(predicate, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      while (!predicate(lines())) {
        if (Date.now() > end) throw new Error(`listen printed:\n${stdout}\n${stderr}`);
        await new Promise((wait) => setTimeout(wait, 50));
      }
    },
    async stop() {
      controller.abort();
      running.delete(controller);
      return done;
    },
  };
}

const idOf = (line: Record<string, unknown>) => line.deliveryId;
const localHistory = async () =>
  (await cli('history', 'deploys', '--state-dir', stateDir, '--json')).stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { deliveryId: string; eventKey?: string; status: string });

describe('listen --stack', () => {
  it('runs each new verified delivery once through the local app; shows rejections without forwarding them', async () => {
    await deliverOnAws('dep-before', '{"deployment":{"id":0}}');
    await new Promise((wait) => setTimeout(wait, 5));
    const listening = listen('deploys');
    await listening.until(() => listening.stderr().includes('Listening to'));

    await deliverOnAws('dep-new', '{"deployment":{"id":1}}');
    await deliverOnAws('dep-forged', '{"deployment":{"id":2}}', { forged: true });
    await listening.until((lines) => lines.length >= 2);
    const [forwarded, rejected] = [
      listening.lines().find((l) => idOf(l) === 'dep-new')!,
      listening.lines().find((l) => l.forwarded === false)!,
    ];
    // Recorded on AWS with the deployed CEL; run locally with the local app's.
    expect(forwarded).toMatchObject({
      webhook: 'deploys',
      deliveryId: 'dep-new',
      aws: { status: 'unrouted', eventKey: 'aws:deployment' },
      forwarded: true,
      local: { deliveryId: 'dep-new', status: 'accepted', eventKey: 'deploys:deployment' },
    });
    expect((forwarded.local as { routes: string[] }).routes).toHaveLength(1);
    expect(rejected).toMatchObject({
      webhook: 'deploys',
      deliveryId: null,
      aws: { status: 'rejected', httpStatus: 401, reason: expect.stringMatching(/^signature_mismatch/) },
      forwarded: false,
      note: 'rejected on AWS: not forwarded',
    });

    // The local gateway's dispatcher started the local workflow.
    const started = await gateway.line((l) => l.deliveryId === 'dep-new');
    expect(started).toMatchObject({ status: 'accepted', eventKey: 'deploys:deployment' });
    expect(started.executions).toHaveLength(1);

    // Later polls read the same items again (the overlap window): nothing is forwarded twice.
    await new Promise((wait) => setTimeout(wait, 1500));
    expect(await listening.stop()).toBe(0);
    expect(listening.stderr()).toContain('Stopped.');
    expect(listening.lines().map(idOf).sort()).toEqual(['dep-new', null]);
    expect(gateway.lines.filter((l) => l.deliveryId?.startsWith('dep-'))).toHaveLength(1);
    const history = await localHistory();
    expect(history.filter((r) => r.deliveryId.startsWith('dep-'))).toEqual([
      expect.objectContaining({ deliveryId: 'dep-new', eventKey: 'deploys:deployment', status: 'enqueued' }),
    ]);
    expect(cloudformation.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input)).toEqual([
      { StackName: 'Deployed' },
    ]);
  }, 60_000);

  it('--since forwards earlier deliveries too; a delivery the local gateway already has is a duplicate there', async () => {
    const listening = listen('deploys', '--since', '1h');
    await listening.until((lines) => lines.filter((l) => l.forwarded).length >= 2);
    expect(await listening.stop()).toBe(0);
    const byId = Object.fromEntries(listening.lines().map((l) => [String(idOf(l)), l]));
    expect(byId['dep-before']).toMatchObject({ forwarded: true, local: { status: 'accepted' } });
    expect(byId['dep-new']).toMatchObject({ forwarded: true, local: { status: 'duplicate' } });
    expect(await gateway.line((l) => l.deliveryId === 'dep-before')).toMatchObject({ status: 'accepted' });
  }, 60_000);

  it('reads a body kept in the payload bucket with s3:GetObject', async () => {
    const listening = listen('deploys');
    await listening.until(() => listening.stderr().includes('Listening to'));
    const big = JSON.stringify({ deployment: { id: 3 }, padding: 'x'.repeat(70 * 1024) });
    await deliverOnAws('dep-big', big);
    await listening.until((lines) => lines.some((l) => idOf(l) === 'dep-big'));
    expect(await listening.stop()).toBe(0);
    expect(listening.lines().find((l) => idOf(l) === 'dep-big')).toMatchObject({
      forwarded: true,
      local: { status: 'accepted', eventKey: 'deploys:deployment' },
    });
    const [put] = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(put).toMatchObject({ Bucket: BUCKET, Key: expect.stringMatching(/^bodies\/deploys\//) });
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([{ Bucket: BUCKET, Key: put!.Key }]);
  }, 60_000);

  it('waits for the local gateway: what arrives meanwhile is forwarded once it runs', async () => {
    const later = join(root, 'later');
    const listening = listen('deploys', '--state-dir', later);
    await listening.until(() => listening.stderr().includes('waiting for the local gateway'));
    await deliverOnAws('dep-meanwhile', '{"deployment":{"id":4}}');
    await new Promise((wait) => setTimeout(wait, 300));
    expect(listening.lines()).toEqual([]);

    const second = await startGateway(['--app', join(root, 'cdk.out'), '--dev-secrets', '--json', '--port', '0'], {
      stateDir: later,
    });
    try {
      await listening.until((lines) => lines.some((l) => idOf(l) === 'dep-meanwhile'));
      expect(listening.lines()).toEqual([
        expect.objectContaining({
          deliveryId: 'dep-meanwhile',
          local: expect.objectContaining({ status: 'accepted' }),
        }),
      ]);
      expect(await second.line((l) => l.deliveryId === 'dep-meanwhile')).toMatchObject({ status: 'accepted' });
    } finally {
      await second.stop('SIGKILL');
    }
    expect(await listening.stop()).toBe(0);
  }, 120_000);

  it('prints a human line per item: the local outcome and what AWS recorded', () => {
    const record = {
      webhook: 'deploys',
      deliveryId: 'dep-9',
      receivedAt: '2026-12-06T12:00:00.000Z',
      status: 'unrouted' as const,
      eventKey: 'aws:deployment',
      expiresAt: 0,
    };
    const forwarded = listenLine(
      {
        item: { key: 'd#x', verified: true, record },
        forwarded: true,
        outcome: {
          deliveryId: 'dep-9',
          status: 'accepted',
          record: { ...record, status: 'pending', eventKey: 'deploys:deployment', routes: ['r1'] },
        },
      },
      false,
      {},
    );
    expect(forwarded).toMatch(
      /^\d\d:\d\d:\d\d {2}deploys {5}accepted {14}dep-9 {2}deploys:deployment {2}→ 1 route\(s\) {2}\(AWS: unrouted\)$/,
    );
    const rejected = listenLine(
      {
        item: {
          key: 'r#x',
          verified: false,
          record: { ...record, status: 'rejected', httpStatus: 401, reason: 'signature_mismatch' },
        },
        forwarded: false,
        note: 'rejected on AWS: not forwarded',
      },
      false,
      {},
    );
    expect(rejected).toContain('401 rejected');
    expect(rejected).toMatch(/signature_mismatch {2}rejected on AWS: not forwarded$/);
  });

  it('fails if AWS denies DescribeStacks or the history Query, naming the permission', async () => {
    cloudformation.reset();
    cloudformation
      .on(DescribeStacksCommand, { StackName: 'Deployed' })
      .rejects(
        Object.assign(
          new Error(
            'User: arn:aws:iam::123456789012:user/dev is not authorized to perform: cloudformation:DescribeStacks on resource: arn:aws:cloudformation:us-east-1:123456789012:stack/Deployed/*',
          ),
          { name: 'AccessDenied' },
        ),
      );
    const describe = listen();
    await describe.until(() => describe.stderr() !== '');
    expect(await describe.stop()).toBe(1);
    expect(describe.stderr()).toMatch(
      /^webhook-gateway listen: AWS denied cloudformation:DescribeStacks on stack "Deployed": listen needs read-only access — cloudformation:DescribeStacks, dynamodb:Query, s3:GetObject, kms:Decrypt/,
    );
  });
});

describe('listen, used wrongly', () => {
  it('fails without --stack, and with --app (the running local gateway reads the app)', async () => {
    expect(await cli('listen', 'deploys')).toMatchObject({
      code: 2,
      stderr: 'webhook-gateway listen: missing --stack NAME: the deployed stack to listen to\n',
    });
    const withApp = await cli('listen', '--stack', 'Deployed', '--app', 'cdk.out');
    expect(withApp.code).toBe(2);
    expect(withApp.stderr).toMatch(/^webhook-gateway listen: listen forwards into the running local gateway/);
  });
});

describe('listen --stack, denied on the history table', () => {
  it('fails naming dynamodb:Query on the byTime index', async () => {
    const dynamodb = mockClient(DynamoDBClient);
    onTestFinished(() => dynamodb.restore());
    const table = deployed.resources.historyTable;
    dynamodb.on(QueryCommand, { TableName: table, IndexName: 'byTime' }).rejects(
      Object.assign(
        new Error(`User: arn:aws:iam::123456789012:user/dev is not authorized to perform: dynamodb:Query`),
        {
          name: 'AccessDeniedException',
        },
      ),
    );
    const listening = listen('deploys');
    await listening.until(() => /webhook-gateway listen: /.test(listening.stderr()));
    expect(await listening.stop()).toBe(1);
    expect(listening.stderr()).toContain(
      `webhook-gateway listen: AWS denied dynamodb:Query on table ${table} index byTime: listen needs read-only access`,
    );
  });
});
