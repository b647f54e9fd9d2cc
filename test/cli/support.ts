import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { sign } from '@octokit/webhooks-methods';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { DynamoDbConfigItems } from '../../lambdas/adapters/dynamodb-config-items';
import { createConfigWriter } from '../../lambdas/config-writer/config';
import type { GatewayConfig } from '../../lambdas/core/config/webhook';
import { gatewaysOf } from '../../cli/app-model';
import { readAssembly } from '../../cli/assembly';
import { createTemplateResources, LOCAL_CREDENTIALS, startBackends, type Backends } from '../../cli/local/backends';
import { main } from '../../cli/main';
import type { DeliveryLine } from '../../cli/output';
import type { DevSecrets } from '../../cli/secrets/dev';
import { runningGateway, type LocalGatewayState } from '../../cli/state';

export const REPO = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const BIN = join(REPO, 'bin/webhook-gateway.js');

/** The environment of a spawned CLI: no AWS, no colours, no inherited webhook secrets. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: '1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  for (const key of Object.keys(env)) if (key.startsWith('WEBHOOK_SECRET_') || key.startsWith('AWS_')) delete env[key];
  delete env.FORCE_COLOR;
  delete env.WEBHOOK_GATEWAY_STATE_DIR;
  return { ...env, ...extra };
}

export interface GatewayProcess {
  readonly child: ChildProcess;
  readonly state: LocalGatewayState;
  readonly url: string;
  /** The `--json` lines printed so far. */
  readonly lines: DeliveryLine[];
  stderr(): string;
  /** The first line (from index `from`) matching `predicate`, waiting for it if needed. */
  line(predicate: (line: DeliveryLine) => boolean, from?: number, timeoutMs?: number): Promise<DeliveryLine>;
  /** Development secrets the gateway generated. */
  devSecrets(): DevSecrets;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `webhook-gateway local …` (bin/webhook-gateway.js) and waits until it serves. */
export async function startGateway(
  args: readonly string[],
  options: { stateDir: string; env?: Record<string, string>; timeoutMs?: number; cwd?: string },
): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [BIN, 'local', '--state-dir', options.stateDir, ...args], {
    cwd: options.cwd ?? REPO,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: DeliveryLine[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const complete = pending.split('\n');
    pending = complete.pop()!;
    for (const text of complete) if (text.trim() !== '') lines.push(JSON.parse(text) as DeliveryLine);
    for (const wake of waiters) wake();
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, signal) => done({ code, signal })),
  );

  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let state: LocalGatewayState | undefined;
  let exit: { code: number | null } | undefined;
  void exited.then((e) => (exit = e));
  while (!state) {
    if (exit) throw new Error(`the local gateway exited (${exit.code}) before serving:\n${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the local gateway did not start in time:\n${stderr}`);
    }
    await new Promise((done) => setTimeout(done, 200));
    state = await runningGateway(options.stateDir);
  }

  return {
    child,
    state,
    url: state.url,
    lines,
    stderr: () => stderr,
    async line(predicate, from = 0, timeoutMs = 15_000) {
      const find = () => lines.slice(from).find(predicate);
      const end = Date.now() + timeoutMs;
      for (let found = find(); ; found = find()) {
        if (found) return found;
        if (Date.now() > end)
          throw new Error(`no matching line; lines:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
        await new Promise<void>((done) => {
          const wake = () => {
            waiters.delete(wake);
            done();
          };
          waiters.add(wake);
          setTimeout(wake, 200);
        });
      }
    },
    devSecrets: () => JSON.parse(readFileSync(join(options.stateDir, 'dev-secrets.json'), 'utf8')) as DevSecrets,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the CLI as a process to completion (for starts that must fail, and the bin itself). */
export function runBin(
  args: readonly string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: REPO,
      env: childEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`timed out: ${args.join(' ')}\n${stderr}`));
    }, options.timeoutMs ?? 120_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** Runs one command line in process (the same `main` as the bin), capturing its output. */
export async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        append(chunk.toString());
        callback();
      },
    });
  const code = await main(argv, {
    cwd: REPO,
    stdout: sink((t) => (stdout += t)),
    stderr: sink((t) => (stderr += t)),
    signal: new AbortController().signal,
    help(text) {
      stdout += `${text}\n`;
      return 0;
    },
  });
  return { code, stdout, stderr };
}

/** POSTs to the local gateway. */
export async function post(url: string, body: string | Buffer, headers: Record<string, string>) {
  const response = await fetch(url, { method: 'POST', body, headers });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: () => JSON.parse(text) as Record<string, unknown>,
  };
}

/** POSTs a GitHub delivery signed as GitHub signs it (@octokit/webhooks-methods). */
export async function postGitHub(url: string, event: string, body: object, delivery: string, secret: string) {
  const text = JSON.stringify(body);
  return post(url, text, {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': delivery,
    'x-hub-signature-256': await sign(secret, text),
  });
}

export type StackOutput = { OutputKey: string; OutputValue: string };

/** The fixture app's gateway as if deployed as stack "Deployed": see deployFixture. */
export interface DeployedFixture {
  readonly backends: Backends;
  /** The config in the config table. */
  readonly config: GatewayConfig;
  readonly resources: {
    readonly configTable: string;
    readonly historyTable: string;
    readonly queueUrl: string;
    readonly deadLetterQueueUrl: string;
  };
  /** DescribeStacks' Outputs of the stack, its API at `apiUrl` serving `webhooks` (default: all of the config's). */
  outputs(apiUrl: string, webhooks?: readonly string[]): StackOutput[];
  /** Stops the backends and restores the environment. */
  stop(): Promise<void>;
}

/**
 * The synthesized fixture (`assembly`) as a deployed stack for `--stack`: its tables and queues in
 * the embedded DynamoDB and SQS servers, reached through AWS_ENDPOINT_URL_* as a deployment's would
 * be, and its config (`adjust`ed) written by the config writer as at deploy time. CloudFormation and
 * Secrets Manager are left to the test to mock.
 */
export async function deployFixture(
  assembly: string,
  adjust: (config: GatewayConfig) => GatewayConfig = (config) => config,
): Promise<DeployedFixture> {
  const [stack] = readAssembly(assembly);
  const [model] = gatewaysOf([stack!]);
  const config = adjust(model!.config);
  const backends = await startBackends();
  const created = await createTemplateResources(backends, stack!.template, 'Deployed');
  const resources = {
    configTable: created.tables.get(model!.logicalIds.configTable)!,
    historyTable: created.tables.get(model!.logicalIds.historyTable)!,
    queueUrl: created.queues.get(model!.logicalIds.queue)!.url,
    deadLetterQueueUrl: created.queues.get(model!.logicalIds.deadLetterQueue)!.url,
  };
  await createConfigWriter(new DynamoDbConfigItems(backends.dynamodb))({
    RequestType: 'Create',
    ResourceProperties: { ServiceToken: 'x', ConfigTableName: resources.configTable, Config: JSON.stringify(config) },
  } as unknown as CloudFormationCustomResourceEvent);

  const savedEnv = { ...process.env };
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: backends.dynamodbEndpoint,
    AWS_ENDPOINT_URL_SQS: backends.sqsEndpoint,
  });
  return {
    backends,
    config,
    resources,
    outputs: (apiUrl, webhooks = config.webhooks.map((w) => w.name)) =>
      Object.entries({
        ApiUrl: apiUrl,
        WebhookPaths: webhooks.map((w) => `webhooks/${w}`).join(','),
        ConfigTable: resources.configTable,
        HistoryTable: resources.historyTable,
        PayloadBucket: 'deployed-payloads',
        QueueUrl: resources.queueUrl,
        DeadLetterQueueUrl: resources.deadLetterQueueUrl,
        GatewayName: 'Deployed-Hooks',
        SecretPrefix: 'CliFixture/Hooks',
      }).map(([suffix, value]) => ({ OutputKey: `Hooks${suffix}`, OutputValue: value })),
    async stop() {
      process.env = savedEnv;
      await backends.stop();
    },
  };
}

/**
 * A mocked Secrets Manager (reset first) that keeps its secrets in `values` (secret id →
 * SecretString): GetSecretValue reads them (ResourceNotFoundException when absent), PutSecretValue
 * writes them.
 */
export function secretsManagerOver(mock: AwsClientStub<SecretsManagerClient>, values: Map<string, string>): void {
  mock.reset();
  mock.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => {
    const value = values.get(input.SecretId);
    if (value === undefined) throw new ResourceNotFoundException({ message: 'not found', $metadata: {} });
    return { SecretString: value };
  });
  mock.on(PutSecretValueCommand).callsFake((input: { SecretId: string; SecretString: string }) => {
    values.set(input.SecretId, input.SecretString);
    return {};
  });
}
