import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { APIGatewayClient, GetAccountCommand } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { verify } from '@octokit/webhooks-methods';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DedupTable } from '../../lambdas/adapters/dynamodb-dedup';
import { DynamoDbHistoryStore } from '../../lambdas/adapters/dynamodb-history';
import { HISTORY_ITEMS } from '../../lambdas/core/config/tables';
import type { GatewayConfig } from '../../lambdas/core/config/webhook';
import { shellArg } from '../../cli/args';
import { main } from '../../cli/main';
import { synthesizeFixture } from './fixtures/app';
import {
  cli,
  deployFixture,
  secretsManagerOver,
  REPO,
  startGateway,
  type DeployedFixture,
  type GatewayProcess,
  type StackOutput,
} from './support';

/**
 * `webhook-gateway doctor`: against the real local gateway (the tests' fixture app), and against a
 * "deployed" stack whose CloudFormation, API Gateway account and Secrets Manager are mocked with
 * exact inputs, whose tables are the embedded DynamoDB, and whose API is a node:http server
 * standing in for API Gateway, so that the probes' HTTP code is real.
 */

interface Check {
  check: string;
  status: 'pass' | 'fail' | 'skip';
  detail: string;
  fix: string | null;
}

async function doctorJson(...argv: string[]): Promise<{ code: number; checks: Check[]; stderr: string }> {
  const result = await cli('doctor', '--json', ...argv);
  return { code: result.code, checks: JSON.parse(result.stdout) as Check[], stderr: result.stderr };
}

const byName = (checks: readonly Check[], name: string) => checks.find((c) => c.check === name);

let root: string;
let assembly: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'wg-doctor-'));
  assembly = synthesizeFixture(join(root, 'cdk.out'));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('doctor on the running local gateway', () => {
  let gateway: GatewayProcess;
  let stateDir: string;

  beforeAll(async () => {
    stateDir = join(root, 'state');
    const secretsFile = join(root, 'secrets.json');
    writeFileSync(secretsFile, JSON.stringify({ deploys: 'deploys-secret' }));
    gateway = await startGateway(
      ['--app', assembly, '--secrets', secretsFile, '--dev-secrets', '--json', '--port', '0'],
      { stateDir, env: { WEBHOOK_SECRET_LIMITED: 'limited-from-env', WEBHOOK_SECRET_WINDOWED: 'windowed-from-env' } },
    );
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop('SIGKILL');
  });

  it('passes every check that applies locally, one line each (plain text when not a terminal), exit 0', async () => {
    const result = await cli('doctor', '--state-dir', stateDir);
    const dev = join(stateDir, 'dev-secrets.json');
    const url = (w: string) => `${gateway.url}/webhooks/${w}`;
    expect(result).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        `ok    local gateway             running at ${gateway.url} (pid ${gateway.state.pid}), serving ${assembly}`,
        'skip  API Gateway logging role  no API Gateway locally: checked with --stack',
        ...['discord', 'sendgrid', 'deploys', 'limited', 'windowed', 'keyed', 'sms'].map(
          (w) => `ok    ${`URL ${w}`.padEnd(24)}  401 to an unsigned POST: ${url(w)}`,
        ),
        `ok    secret discord            discord public key is set (development secret in ${dev})`,
        `ok    secret sendgrid           sendgrid public key is set (development secret in ${dev})`,
        `ok    secret sms                twilio provider-issued secret is set (development secret in ${dev})`,
        '11 passed, 0 failed, 1 skipped',
        '',
      ].join('\n'),
    });
    // The probes reached the verifier: the gateway logged each as a rejection without a signature.
    const rejected = await gateway.line((l) => l.webhook === 'sms' && l.status === 'rejected');
    expect(rejected.reason).toBe('missing_header');
  });

  it('prints ✔ ✖ – on a terminal', async () => {
    let stdout = '';
    const out = Object.assign(
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          stdout += chunk.toString();
          done();
        },
      }),
      { isTTY: true },
    );
    const saved = process.env.NO_COLOR;
    process.env.NO_COLOR = '1';
    try {
      const code = await main(['doctor', '--state-dir', stateDir], {
        cwd: REPO,
        stdout: out,
        stderr: out,
        signal: new AbortController().signal,
        help: () => 0,
      });
      expect(code).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = saved;
    }
    expect(stdout).toMatch(/^✔ {5}local gateway {13}running at /);
    expect(stdout).toContain('\n–     API Gateway logging role  no API Gateway locally');
  });

  it('reads the webhooks from --app as the other commands do', async () => {
    const { code, checks } = await doctorJson('--app', assembly, '--state-dir', stateDir);
    expect(code).toBe(0);
    expect(checks.filter((c) => c.check.startsWith('URL ')).map((c) => [c.check, c.status])).toEqual(
      ['discord', 'sendgrid', 'deploys', 'limited', 'windowed', 'keyed', 'sms'].map((w) => [`URL ${w}`, 'pass']),
    );
  });

  it('--send: the signed sample delivery is accepted and its execution started, as the gateway reports it', async () => {
    const { code, checks } = await doctorJson('--send', 'deploys', '--event', 'deployment', '--state-dir', stateDir);
    expect(code).toBe(0);
    const sent = byName(checks, 'test delivery deploys')!;
    expect(sent).toMatchObject({ status: 'pass', fix: null });
    const [, id, arn] = /^202 accepted as (\S+); started (arn:aws:states:\S+)$/.exec(sent.detail)!;
    const line = await gateway.line((l) => l.deliveryId === id && l.status === 'accepted');
    expect(line).toMatchObject({ webhook: 'deploys', eventKey: 'deploys:deployment', executions: [arn] });
  });

  it('fails if the sample event is filtered out: names the step and the dry run to run (exit 1)', async () => {
    const { code, checks } = await doctorJson('--send', 'deploys', '--state-dir', stateDir);
    expect(code).toBe(1);
    const sent = byName(checks, 'test delivery deploys')!;
    expect(sent.detail).toMatch(/^answered filtered \([0-9a-f-]{36}\): the webhook's filter dropped the event$/);
    expect(sent).toMatchObject({
      status: 'fail',
      fix: `webhook-gateway test deploys --state-dir ${stateDir} shows the filter's result; pass doctor an event that a route takes (--event TYPE or --file FILE)`,
    });
  });

  it('fails if --send cannot read a secret the gateway has from a variable: names the variable', async () => {
    const { code, checks } = await doctorJson('--send', 'limited', '--state-dir', stateDir);
    expect(code).toBe(1);
    expect(byName(checks, 'test delivery limited')).toEqual({
      check: 'test delivery limited',
      status: 'fail',
      detail: 'cannot sign: the local gateway reads it from WEBHOOK_SECRET_LIMITED, which this shell does not have',
      fix: "export WEBHOOK_SECRET_LIMITED in this shell too, with the local gateway's value, and run doctor again",
    });
  });

  it('fails if a provider-issued secret is empty, with the secret set command that fixes it', async () => {
    const file = join(stateDir, 'dev-secrets.json');
    const saved = readFileSync(file, 'utf8');
    const secrets = JSON.parse(saved) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...secrets, sms: { scheme: 'twilio', secret: { values: [] } } }));
    try {
      const { code, checks } = await doctorJson('--send', 'sms', '--state-dir', stateDir);
      expect(code).toBe(1);
      const fix = `webhook-gateway secret set sms <value> --state-dir ${stateDir}   (the signing secret twilio shows for this webhook)`;
      expect(byName(checks, 'secret sms')).toEqual({
        check: 'secret sms',
        status: 'fail',
        detail: `twilio provider-issued secret is empty (development secret in ${file}): every request is refused (401, secret_not_set)`,
        fix,
      });
      expect(byName(checks, 'test delivery sms')).toEqual({
        check: 'test delivery sms',
        status: 'fail',
        detail: 'cannot sign: no secret value for "default" to sign with',
        fix,
      });

      // The fix, run as printed, fixes it.
      expect(
        (await cli('secret', 'set', 'sms', '0123456789abcdef0123456789abcdef', '--state-dir', stateDir)).code,
      ).toBe(0);
      const again = await doctorJson('--send', 'sms', '--state-dir', stateDir);
      expect(byName(again.checks, 'secret sms')?.status).toBe('pass');
      expect(byName(again.checks, 'test delivery sms')?.status).toBe('pass');
      expect(again.code).toBe(0);
    } finally {
      writeFileSync(file, saved);
    }
  });

  it('fails if the local gateway is not running: the line and how to start it, the rest skipped (exit 1)', async () => {
    const empty = join(root, 'no-gateway');
    const result = await cli('doctor', '--state-dir', empty, '--send', 'deploys');
    expect(result).toEqual({
      code: 1,
      stderr: '',
      stdout: [
        `FAIL  local gateway             not running (state directory ${empty})`,
        '      fix: start it with npm start (or npx webhook-gateway local) in the project directory, or pass --stack NAME to check a deployed gateway',
        'skip  API Gateway logging role  no API Gateway locally: checked with --stack',
        'skip  webhooks                  not checked: the local gateway is not running',
        'skip  test delivery deploys     not sent: the local gateway is not running',
        '0 passed, 1 failed, 3 skipped',
        '',
      ].join('\n'),
    });
  });

  it('fails if the command line is wrong (exit 2); --help documents it', async () => {
    expect(await cli('doctor', '--event', 'push', '--state-dir', stateDir)).toMatchObject({
      code: 2,
      stderr: 'webhook-gateway doctor: --event and --file say what --send sends: pass --send WEBHOOK too\n',
    });
    expect((await cli('doctor', '--timeout', 'soon')).code).toBe(2);
    expect((await cli('--help')).stdout).toMatch(/\n {2}doctor {20}check the gateway end to end/);
    expect((await cli('doctor', '--help')).stdout).toMatch(/^webhook-gateway doctor \[--send WEBHOOK/);
    expect((await cli('doctor', '--region', 'eu-west-1')).code).toBe(2);
  });
});

describe('doctor on a deployed stack (--stack)', () => {
  const STACK = ['--stack', 'Deployed', '--region', 'us-east-1'];
  const ARGS = '--stack Deployed --region us-east-1';
  const ROLE = 'arn:aws:iam::123456789012:role/ApiGatewayCloudWatchLogs';
  const cloudformation = mockClient(CloudFormationClient);
  const apiGateway = mockClient(APIGatewayClient);
  const secretsManager = mockClient(SecretsManagerClient);
  const secretValues = new Map<string, string>();

  type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'hang';
  /** How the stand-in API answers each webhook path; unsigned requests get 401 unless set. */
  const answers = new Map<string, (req: IncomingMessage, body: Buffer) => Promise<Answer> | Answer>();
  const hanging: ServerResponse[] = [];

  let deployed: DeployedFixture;
  let api: Server;
  let apiUrl: string;
  let config: GatewayConfig;
  let history: DynamoDbHistoryStore;
  let dedup: DedupTable;
  let outputs: (webhooks: readonly string[], url?: string) => StackOutput[];

  beforeAll(async () => {
    // One webhook that verifies nothing, as WebhookSource.none() writes it.
    deployed = await deployFixture(assembly, (fixture) => ({
      ...fixture,
      webhooks: [
        ...fixture.webhooks,
        {
          name: 'open',
          verifier: { type: 'none' },
          secrets: {},
          expressions: { eventKey: "'open'" },
          maxBodySize: 1024,
        },
      ],
    }));
    config = deployed.config;
    history = new DynamoDbHistoryStore(deployed.backends.dynamodb, deployed.resources.historyTable);
    dedup = new DedupTable(deployed.backends.dynamodb, deployed.resources.historyTable);

    api = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const name = /\/v1\/webhooks\/([^/?]+)/.exec(req.url ?? '')?.[1] ?? '';
        const answer = (await answers.get(name)?.(req, Buffer.concat(chunks))) ?? {
          status: 401,
          body: '{"message":"Unauthorized"}',
        };
        if (answer === 'hang') return void hanging.push(res);
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(answer.body ?? '');
      });
    });
    await new Promise<void>((done) => api.listen(0, '127.0.0.1', done));
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}/v1/`;
    outputs = (webhooks, url = apiUrl) => deployed.outputs(url, webhooks);
  }, 120_000);

  afterAll(async () => {
    cloudformation.restore();
    apiGateway.restore();
    secretsManager.restore();
    for (const res of hanging) res.destroy();
    api?.close();
    await deployed?.stop();
  });

  const stackWith = (name: string, stackOutputs: StackOutput[]) =>
    cloudformation.on(DescribeStacksCommand, { StackName: name }).resolves({
      Stacks: [{ StackName: name, StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: stackOutputs }],
    });

  beforeEach(() => {
    answers.clear();
    cloudformation.reset();
    stackWith('Deployed', outputs([...config.webhooks.map((w) => w.name)]));
    apiGateway.reset();
    apiGateway.on(GetAccountCommand).resolves({ cloudwatchRoleArn: ROLE });
    secretsManagerOver(secretsManager, secretValues);
    secretValues.clear();
    secretValues.set('CliFixture/Hooks/deploys', JSON.stringify({ value: 'generated-at-deploy' }));
    secretValues.set('CliFixture/Hooks/sms', JSON.stringify({ values: [{ value: 'twilio-auth-token' }] }));
    secretValues.set('CliFixture/Hooks/discord', JSON.stringify({ publicKey: 'ab'.repeat(32) }));
    secretValues.set(
      'CliFixture/Hooks/sendgrid',
      JSON.stringify({ publicKey: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE' }),
    );
  });

  const url = (w: string) => `${apiUrl}webhooks/${w}`;

  it('passes when the stack, the account, the URLs and the secrets are ready: exit 0, exact AWS calls', async () => {
    const result = await cli('doctor', ...STACK);
    expect(result).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        `ok    stack outputs             stack "Deployed" in us-east-1: gateway Hooks at ${apiUrl} (8 webhooks)`,
        `ok    API Gateway logging role  ${ROLE}`,
        ...['discord', 'sendgrid', 'deploys', 'limited', 'windowed', 'keyed', 'sms'].map(
          (w) => `ok    ${`URL ${w}`.padEnd(24)}  401 to an unsigned POST: ${url(w)}`,
        ),
        'skip  URL open                  verifies nothing (WebhookSource.none()): an unsigned POST would be a delivery, so none is sent',
        'ok    secret discord            discord public key is set (Secrets Manager CliFixture/Hooks/discord)',
        'ok    secret sendgrid           sendgrid public key is set (Secrets Manager CliFixture/Hooks/sendgrid)',
        'ok    secret sms                twilio provider-issued secret is set (Secrets Manager CliFixture/Hooks/sms)',
        '12 passed, 0 failed, 1 skipped',
        '',
      ].join('\n'),
    });
    expect(cloudformation.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input)).toEqual([
      { StackName: 'Deployed' },
    ]);
    expect(apiGateway.commandCalls(GetAccountCommand).map((c) => c.args[0].input)).toEqual([{}]);
    expect(
      secretsManager
        .commandCalls(GetSecretValueCommand)
        .map((c) => c.args[0].input)
        .sort((a, b) => String(a.SecretId).localeCompare(String(b.SecretId))),
    ).toEqual([
      { SecretId: 'CliFixture/Hooks/discord' },
      { SecretId: 'CliFixture/Hooks/sendgrid' },
      { SecretId: 'CliFixture/Hooks/sms' },
    ]);
  });

  it('fails each broken part on its own line, each with its fix (exit 1)', async () => {
    apiGateway.on(GetAccountCommand).resolves({});
    secretValues.set('CliFixture/Hooks/sms', '{"values":[]}');
    secretValues.set(
      'CliFixture/Hooks/sendgrid',
      JSON.stringify({ values: [{ value: 'old-key', expiresAt: '2020-01-01T00:00:00.000Z' }] }),
    );
    secretValues.delete('CliFixture/Hooks/discord');
    answers.set('deploys', () => ({ status: 404, body: '{"message":"Not Found"}' }));
    answers.set('limited', () => ({
      status: 403,
      headers: { 'x-amzn-errortype': 'ForbiddenException' },
      body: '{"message":"Forbidden"}',
    }));
    answers.set('windowed', () => ({
      status: 503,
      headers: { 'retry-after': '5' },
      body: '{"message":"Service Unavailable"}',
    }));
    answers.set('keyed', () => ({
      status: 429,
      headers: { 'retry-after': '1' },
      body: '{"message":"Too Many Requests"}',
    }));
    answers.set('sms', () => 'hang');
    answers.set('sendgrid', () => ({ status: 202, body: '{"id":"x","status":"accepted"}' }));
    answers.set('discord', () => ({ status: 415, body: '{"message":"Unsupported Media Type"}' }));

    const { code, checks } = await doctorJson(...STACK, '--timeout', '1s');
    expect(code).toBe(1);
    const failing = Object.fromEntries(
      checks.filter((c) => c.status === 'fail').map((c) => [c.check, [c.detail, c.fix]]),
    );
    expect(failing).toEqual({
      'API Gateway logging role': [
        'API Gateway in us-east-1 has no CloudWatch Logs role: the stage\'s logs cannot be written, and creating a stage that logs fails ("CloudWatch Logs role ARN must be set in account settings to enable logging")',
        "deploy with the gateway's CloudWatch role enabled, or set it in API Gateway settings: aws apigateway update-account --patch-operations op=replace,path=/cloudwatchRoleArn,value=<role arn>",
      ],
      'URL discord': [
        `415 (Unsupported Media Type) from ${url('discord')}, where the verifier answers 401`,
        'something between here and the gateway changes the request (a proxy, a custom domain): POST to the ApiUrl output followed by webhooks/discord to compare',
      ],
      'URL sendgrid': [
        `202 from ${url('sendgrid')}: a request without a signature was accepted`,
        'webhook "sendgrid" verifies nothing this request lacks: give it a WebhookSource that verifies the sender (a preset, hmac, apiKey, …)',
      ],
      'URL deploys': [
        `404 from ${url('deploys')}: the gateway does not know webhook "deploys"`,
        "its config was not written to the config table: run cdk deploy again and check the stack's events for the Custom::WebhookGatewayConfig resource; API Gateway keeps the authorizer's answer for a path up to 5 minutes, so a webhook added just now may need that long",
      ],
      'URL limited': [
        `403 (ForbiddenException) from ${url('limited')}: refused before the gateway's verifier ran`,
        "an AWS WAF web ACL or the API's resource policy blocks the request, or the URL is not this stack's API (a custom domain, proxy or wrong stage in front): check them, and that the URL is the ApiUrl output followed by webhooks/limited",
      ],
      'URL windowed': [
        `503 (Service Unavailable) from ${url('windowed')}: the gateway failed`,
        `a dependency of the authorizer or the ingest function failed (DynamoDB, Secrets Manager, KMS) or the function itself did: read the ingest and authorizer functions' logs in CloudWatch Logs ("dependency failed"); right after a deploy the webhook's usage-plan key may not be attached yet — run doctor again in a minute`,
      ],
      'URL keyed': [
        `429 from ${url('keyed')}, again after 1 s: rate limited before the verifier ran`,
        "the webhook's usage-plan rate, burst or quota is used up: run doctor again after 1 s, or raise its rateLimit",
      ],
      'URL sms': [
        `no answer from ${url('sms')} within 1 s`,
        "check that the API is reachable from here (proxy, firewall, VPN), and the ingest and authorizer functions' durations and errors in CloudWatch",
      ],
      'secret discord': [
        'discord public key is empty (Secrets Manager CliFixture/Hooks/discord): every request is refused (401, secret_not_set)',
        `webhook-gateway secret set discord --public-key <key or @file> ${ARGS}   (the public key discord publishes)`,
      ],
      'secret sendgrid': [
        'sendgrid public key has only expired values (Secrets Manager CliFixture/Hooks/sendgrid): every request is refused (401, secret_not_set)',
        `webhook-gateway secret set sendgrid --public-key <key or @file> ${ARGS}   (the public key sendgrid publishes)`,
      ],
      'secret sms': [
        'twilio provider-issued secret is empty (Secrets Manager CliFixture/Hooks/sms): every request is refused (401, secret_not_set)',
        `webhook-gateway secret set sms <value> ${ARGS}   (the signing secret twilio shows for this webhook)`,
      ],
    });
  });

  it('fails if a listed webhook is not in the config table: 404, and its secret not checked', async () => {
    stackWith('Ghostly', outputs(['deploys', 'ghost']));
    answers.set('ghost', () => ({ status: 404, body: '{"message":"Not Found"}' }));
    const { code, checks } = await doctorJson('--stack', 'Ghostly');
    expect(code).toBe(1);
    expect(byName(checks, 'URL ghost')).toMatchObject({
      status: 'fail',
      detail: `404 from ${url('ghost')}: the gateway does not know webhook "ghost" (it is not in the config table)`,
    });
    expect(byName(checks, 'secret ghost')).toMatchObject({
      status: 'skip',
      detail: 'not checked: it is not in the config table',
    });
  });

  it('fails if the API cannot be reached: the connection error and what to check', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((done) => closed.close(done));
    stackWith('Offline', outputs(['deploys'], `http://127.0.0.1:${port}/v1/`));
    const { checks } = await doctorJson('--stack', 'Offline');
    expect(byName(checks, 'URL deploys')).toEqual({
      check: 'URL deploys',
      status: 'fail',
      detail: `could not connect to http://127.0.0.1:${port}/v1/webhooks/deploys (ECONNREFUSED)`,
      fix: 'check the ApiUrl output, and that its host resolves and is reachable from here (proxy, firewall, VPN)',
    });
  });

  it('fails if the stack does not exist: still checks the account, skips the rest (exit 1)', async () => {
    cloudformation
      .on(DescribeStacksCommand, { StackName: 'Nope' })
      .rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));
    const result = await cli('doctor', '--stack', 'Nope', '--region', 'eu-west-1', '--send', 'deploys');
    expect(result).toEqual({
      code: 1,
      stderr: '',
      stdout: [
        'FAIL  stack outputs             stack "Nope" does not exist in eu-west-1',
        '      fix: check --stack and --region',
        `ok    API Gateway logging role  ${ROLE}`,
        'skip  webhooks                  not checked: the stack outputs name no gateway',
        'skip  test delivery deploys     not sent: the stack outputs name no gateway',
        '1 passed, 1 failed, 2 skipped',
        '',
      ].join('\n'),
    });
    expect(apiGateway.commandCalls(GetAccountCommand)).toHaveLength(1);
  });

  it('fails if the stack lacks an output: names it and the fix', async () => {
    stackWith(
      'Old',
      outputs(['deploys']).filter((o) => o.OutputKey !== 'HooksWebhookPaths'),
    );
    const { checks } = await doctorJson('--stack', 'Old');
    expect(byName(checks, 'stack outputs')).toEqual({
      check: 'stack outputs',
      status: 'fail',
      detail: 'stack "Old" lacks the outputs HooksWebhookPaths of gateway "Hooks"',
      fix: 'deploy it with this version of the constructs (cdk deploy)',
    });
  });

  it('fails if the account settings cannot be read: the AWS error and the permission to add', async () => {
    apiGateway.on(GetAccountCommand).rejects(
      Object.assign(new Error('User: x is not authorized to perform: apigateway:GET'), {
        name: 'AccessDeniedException',
      }),
    );
    const { checks } = await doctorJson(...STACK);
    expect(byName(checks, 'API Gateway logging role')).toEqual({
      check: 'API Gateway logging role',
      status: 'fail',
      detail:
        "could not read API Gateway's account settings: AWS denied the request: User: x is not authorized to perform: apigateway:GET",
      fix: 'allow apigateway:GET on arn:aws:apigateway:<region>::/account to the credentials you run doctor with, or look in the API Gateway console under Settings (CloudWatch log role ARN)',
    });
  });

  describe('--send', () => {
    const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:Handle:deploys-test';
    const routeId = () => config.routes.find((r) => r.webhook === 'deploys')!.id;

    /** The dispatcher's marks still to come: awaited before local AWS stops, so none lands on a closed port. */
    const dispatches: Promise<unknown>[] = [];
    afterAll(() => Promise.allSettled(dispatches));

    /** The ingest's part as the stand-in plays it: verify, record `pending`, answer; later the dispatcher's. */
    function ingest(options: { answer?: Answer; dispatch: boolean }) {
      return async (req: IncomingMessage, body: Buffer): Promise<Answer> => {
        const signature = req.headers['x-hub-signature-256'];
        if (typeof signature !== 'string' || !(await verify('generated-at-deploy', body.toString(), signature))) {
          return { status: 401, body: '{"message":"Unauthorized"}' };
        }
        const id = String(req.headers['x-github-delivery']);
        const now = Math.floor(Date.now() / 1000);
        const claim = await dedup.claim({
          record: {
            webhook: 'deploys',
            deliveryId: id,
            idempotencyKey: id,
            attempt: `attempt-${id}`,
            leaseUntil: now + 15,
            receivedAt: new Date().toISOString(),
            status: 'pending',
            eventKey: `deploys:${String(req.headers['x-github-event'])}`,
            routes: [routeId()],
            bodySha256: createHash('sha256').update(body).digest('hex'),
            expiresAt: now + 3600,
          },
          markerStatus: 'pending',
          markerExpiresAt: now + 3600,
        });
        expect(claim.claimed).toBe(true);
        if (options.dispatch) {
          dispatches.push(
            new Promise((later) => setTimeout(later, 300)).then(() =>
              history.markEnqueued(HISTORY_ITEMS.delivery('deploys', id), EXECUTION),
            ),
          );
        }
        return options.answer ?? { status: 202, body: JSON.stringify({ id, status: 'accepted' }) };
      };
    }

    it('passes when the signed delivery is accepted and the history shows its execution', async () => {
      answers.set('deploys', ingest({ dispatch: true }));
      const { code, checks, stderr } = await doctorJson(...STACK, '--send', 'deploys', '--event', 'deployment');
      expect(code).toBe(0);
      const sent = byName(checks, 'test delivery deploys')!;
      expect(sent.status).toBe('pass');
      expect(sent.detail).toMatch(new RegExp(`^202 accepted as [0-9a-f-]{36}; started ${EXECUTION}$`));
      expect(stderr).toMatch(
        /^test delivery deploys: accepted as [0-9a-f-]{36}; waiting up to 60 s for its execution…\n$/,
      );
    });

    it("finds the record by the body's hash when the webhook answers with its own successResponse", async () => {
      answers.set(
        'deploys',
        ingest({
          dispatch: true,
          answer: { status: 200, headers: { 'content-type': 'text/xml' }, body: '<Response/>' },
        }),
      );
      const { checks } = await doctorJson(...STACK, '--send', 'deploys', '--event', 'deployment');
      expect(byName(checks, 'test delivery deploys')).toMatchObject({
        status: 'pass',
        detail: expect.stringMatching(new RegExp(`^200 accepted as [0-9a-f-]{36}; started ${EXECUTION}$`)),
      });
    });

    it('fails if the delivery is not accepted: the answer and what it means', async () => {
      secretValues.set('CliFixture/Hooks/deploys', JSON.stringify({ value: 'not-what-the-gateway-has' }));
      answers.set('deploys', ingest({ dispatch: true }));
      const { code, checks } = await doctorJson(...STACK, '--send', 'deploys');
      expect(code).toBe(1);
      expect(byName(checks, 'test delivery deploys')).toEqual({
        check: 'test delivery deploys',
        status: 'fail',
        detail: 'not accepted: 401 {"message":"Unauthorized"}',
        fix: 'the gateway answered 401: the signature did not verify — compare the secrets (webhook-gateway secret get deploys)',
      });
    });

    it('fails if no execution starts in time: points at the dispatcher, the dead-letter queue and redrive', async () => {
      answers.set('deploys', ingest({ dispatch: false }));
      const { code, checks } = await doctorJson(
        ...STACK,
        '--send',
        'deploys',
        '--event',
        'deployment',
        '--timeout',
        '2s',
      );
      expect(code).toBe(1);
      const sent = byName(checks, 'test delivery deploys')!;
      expect(sent.detail).toMatch(
        /^accepted as [0-9a-f-]{36}, but no execution started within 2 s \(history: pending\)$/,
      );
      expect(sent.fix).toBe(
        `the dispatcher could not start the workflow: read the dispatcher function's log in CloudWatch Logs and look at the dead-letter queue (the DeadLetterQueueUrl output); once fixed, move its messages back with webhook-gateway redrive ${ARGS}`,
      );
    });

    it('fails if the history cannot be read: the AWS error and the permission it needs', async () => {
      answers.set('deploys', ingest({ dispatch: true }));
      stackWith(
        'NoHistory',
        outputs(['deploys']).map((o) =>
          o.OutputKey === 'HooksHistoryTable' ? { ...o, OutputValue: 'no-such-table' } : o,
        ),
      );
      const { code, checks } = await doctorJson('--stack', 'NoHistory', '--send', 'deploys', '--event', 'deployment');
      expect(code).toBe(1);
      const sent = byName(checks, 'test delivery deploys')!;
      expect(sent.detail).toMatch(
        /^accepted as [0-9a-f-]{36}, but its history record could not be read: ResourceNotFoundException: /,
      );
      expect(sent.fix).toBe(
        'allow dynamodb:Query and dynamodb:GetItem on the history table and its indexes to the credentials you run doctor with, then look for it with webhook-gateway history deploys --stack NoHistory',
      );
    });

    it('skips a webhook only its provider can sign (public key)', async () => {
      const { checks } = await doctorJson(...STACK, '--send', 'discord');
      expect(byName(checks, 'test delivery discord')).toEqual({
        check: 'test delivery discord',
        status: 'skip',
        detail: `not sent: discord signs with its own private key, so only the provider can sign a delivery — send a test event from its settings, then look for it with webhook-gateway history discord ${ARGS}`,
        fix: null,
      });
    });
  });
});

describe('the commands a fix names', () => {
  it('quote what a shell would split or expand', () => {
    expect(shellArg('Deployed-Stack')).toBe('Deployed-Stack');
    expect(shellArg('/tmp/my state')).toBe("'/tmp/my state'");
    expect(shellArg("it's")).toBe("'it'\\''s'");
    expect(shellArg('$HOME')).toBe("'$HOME'");
  });
});
