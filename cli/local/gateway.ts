import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { readSettings } from '../../lambdas/adapters/settings';
import { ENV } from '../../lambdas/core/config/environment';
import { DynamoDbConfigItems } from '../../lambdas/adapters/dynamodb-config-items';
import { createConfigWriter } from '../../lambdas/config-writer/config';
import { gatewaysOf, type GatewayModel } from '../app-model';
import { appFromCdkJson, synthesize, type AssemblyStack } from '../assembly';
import { CliError } from '../errors';
import { LOCAL_ENV, TemplateResolver } from '../intrinsics';
import { isWaiterTask, waiterTableOf, withLocalTaskTokens, type LocalWaiters } from '../local-waiters';
import { LocalWorkflows } from '../local-workflows';
import { ensureDevSecrets } from '../secrets/dev';
import { secretKey, secretNeeds, secretVariable, type SecretNeed } from '../secrets/needs';
import { LocalSecrets } from '../secrets/sources';
import { removeState, runningGateway, writeState, type LocalGatewayEntry, type LocalGatewayState } from '../state';
import { createTemplateResources, startBackends, type Backends, type CreatedResources } from './backends';
import { LocalHttpServer } from './server';
import { UsagePlanThrottle } from './throttle';
import { localRuntime, type DeliveryEvents } from './runtime';

export interface LocalGatewayOptions extends DeliveryEvents {
  readonly app?: string;
  readonly cwd: string;
  readonly port: number;
  readonly host: string;
  readonly secretsFile?: string;
  readonly devSecrets: boolean;
  readonly stateDir: string;
  readonly verbose: boolean;
  /** Aborted on SIGINT/SIGTERM: the gateway shuts down. */
  readonly signal: AbortSignal;
  readonly log: (text: string) => void;
  /** Progress while starting (`Synthesizing …`). */
  readonly progress: (text: string) => void;
  /** Called once serving, with what the banner shows. */
  readonly onReady: (ready: ReadyGateway) => void;
}

export interface ReadyGateway {
  readonly state: LocalGatewayState;
  readonly stacks: readonly AssemblyStack[];
  readonly secrets: LocalSecrets;
  readonly generated: readonly string[];
  readonly workflows: LocalWorkflows;
}

/**
 * `webhook-gateway local`: listen → synthesize → secrets → dynalite and local-aws-sqs with the
 * template's tables and queues → config written by the config writer → ingest and dispatcher on
 * local backends → serve until the signal; then close everything and remove the state file.
 */
export async function runLocalGateway(options: LocalGatewayOptions): Promise<void> {
  const { log, signal } = options;
  const running = await runningGateway(options.stateDir);
  if (running) {
    throw new CliError(
      `a local gateway is already running for this project (pid ${running.pid}, ${running.url}): stop it, or pass --state-dir DIR to run another`,
    );
  }
  const server = await LocalHttpServer.listen(options.port, options.host);
  // Shutdown order: forget the state, stop taking requests, stop the dispatchers, then the backends.
  let backends: Backends | undefined;
  const loops: { wake(): void; stop(): Promise<void> }[] = [];
  const cleanup = async () => {
    removeState(options.stateDir);
    await server.close().catch(() => undefined);
    await Promise.all(loops.map((l) => l.stop().catch(() => undefined)));
    await backends?.stop().catch(() => undefined);
  };
  try {
    const app = options.app ?? appFromCdkJson(options.cwd);
    options.progress(
      existsSync(join(resolve(options.cwd, app), 'manifest.json'))
        ? `Reading the cloud assembly ${app} …`
        : `Synthesizing ${app} …`,
    );
    const stacks = await synthesize({ app, cwd: options.cwd, signal });
    if (signal.aborted) return;
    const models = gatewaysOf(stacks);

    const secrets = await LocalSecrets.create({
      stateDir: options.stateDir,
      ...(options.secretsFile !== undefined && { secretsFile: options.secretsFile }),
    });
    const needs = models.flatMap((m) => m.config.webhooks.flatMap(secretNeeds));
    const missing = needs.filter((n) => secrets.sourceOf(n.webhook, n.ref).kind === 'none');
    if (missing.length > 0 && !options.devSecrets) throw new CliError(missingSecretsMessage(missing));
    const generated = options.devSecrets ? ensureDevSecrets(options.stateDir, missing) : [];

    backends = await startBackends();
    const created = await createResources(backends, stacks);
    const payloadDir = join(options.stateDir, 'payloads');
    // waitForWebhook states run locally: each registers with its gateway's LocalWaiters.
    const waitersByWebhook = new Map<string, LocalWaiters>();
    const workflows = new LocalWorkflows(withLocalTaskTokens(stacks), [
      {
        matches: (resource, state) => isWaiterTask(resource, state),
        handle: (input) => {
          const webhook = String((input as { Payload?: { webhook?: unknown } } | null)?.Payload?.webhook);
          const waiters = waitersByWebhook.get(webhook);
          if (!waiters) throw new Error(`waitForWebhook: no gateway with waiters serves webhook "${webhook}"`);
          return waiters.taskHandler.handle(input);
        },
      },
    ]);
    const entries: LocalGatewayEntry[] = [];
    const ingestByWebhook = new Map<string, ReturnType<typeof localRuntime>['ingest']>();
    let firstIngest: ReturnType<typeof localRuntime>['ingest'] | undefined;
    const throttles = new Map<string, UsagePlanThrottle>();

    for (const model of models) {
      const local = created.get(model.stack.stackName)!;
      const env = resolvedEnvironment(model, local);
      const settings = readSettings(env, ['configTable', 'historyTable', 'queueUrl', 'payloadBucket']);
      const queue = local.queues.get(model.logicalIds.queue)!;
      const waiterTable = waiterTableOf(model.stack.template, model.logicalIds.historyTable);
      const entry: LocalGatewayEntry = {
        id: model.id,
        stackName: model.stack.stackName,
        config: model.config,
        configTable: settings.configTable,
        historyTable: settings.historyTable,
        queueUrl: settings.queueUrl,
        deadLetterQueueUrl: local.queues.get(model.logicalIds.deadLetterQueue)!.url,
        payloadBucket: settings.payloadBucket,
        historyRetentionDays: settings.historyRetentionDays,
        dedupRetentionDays: settings.dedupRetentionDays,
        ingestTimeoutSeconds: settings.ingestTimeoutSeconds,
        historyBodyLimit: settings.historyBodyLimit,
        secretSources: Object.assign({}, ...model.config.webhooks.map((w) => secrets.sources(w))),
      };
      await writeConfig(backends.dynamodb, entry);
      const runtime = localRuntime({
        dynamodb: backends.dynamodb,
        sqs: backends.sqs,
        gateway: entry,
        queueArn: queue.arn,
        ...(queue.maxReceiveCount !== undefined && { maxReceiveCount: queue.maxReceiveCount }),
        ...(waiterTable !== undefined && { waiterTable: local.tables.get(waiterTable)! }),
        configCacheSeconds: settings.configCacheSeconds,
        secrets: secrets.store(),
        payloadDir,
        workflows,
        report: options.report,
        onExecutionDone: options.onExecutionDone,
        onWaiterResumed: options.onWaiterResumed,
        warn: log,
        verbose: options.verbose,
      });
      firstIngest ??= runtime.ingest;
      runtime.loop.start();
      runtime.sweeps.start();
      loops.push(runtime.loop, runtime.sweeps);
      for (const webhook of model.config.webhooks) {
        ingestByWebhook.set(webhook.name, runtime.ingest);
        if (runtime.waiters) waitersByWebhook.set(webhook.name, runtime.waiters);
        const limits = model.limits[webhook.name];
        if (limits && (limits.rate !== undefined || limits.quota))
          throttles.set(webhook.name, new UsagePlanThrottle(limits));
      }
      entries.push(entry);
    }

    // Unknown names go to a gateway's ingest, which answers 404 (even when no gateway has webhooks).
    const fallback = firstIngest!;
    server.serve({
      ingestFor: (name) => ingestByWebhook.get(name) ?? fallback,
      throttleFor: (name) => throttles.get(name),
      report: options.report,
      onAccepted: () => loops.forEach((l) => l.wake()),
    });
    const state: LocalGatewayState = {
      pid: process.pid,
      url: `http://${urlHost(options.host)}:${server.port}`,
      startedAt: new Date().toISOString(),
      app,
      endpoints: { dynamodb: backends.dynamodbEndpoint, sqs: backends.sqsEndpoint },
      region: LOCAL_ENV.region,
      payloadDir,
      ...(secrets.secretsFile !== undefined && { secretsFile: secrets.secretsFile }),
      gateways: entries,
    };
    writeState(options.stateDir, state);
    options.onReady({ state, stacks, secrets, generated, workflows });

    if (!signal.aborted) await new Promise((done) => signal.addEventListener('abort', done, { once: true }));
  } catch (error) {
    if (!signal.aborted) throw error; // Stopped while starting: not a failure.
  } finally {
    await cleanup();
  }
}

/** Tables and queues of every template (nested ones too), by stack name. */
async function createResources(backends: Backends, stacks: readonly AssemblyStack[]) {
  const byStack = new Map<string, CreatedResources>();
  for (const stack of stacks) {
    byStack.set(stack.stackName, await createTemplateResources(backends, stack.template, stack.stackName));
    let n = 0;
    for (const nested of Object.values(stack.nested)) {
      await createTemplateResources(backends, nested, `${stack.stackName}-n${n++}`);
    }
  }
  return byStack;
}

/** The ingest function's environment with the local tables' names and queues' URLs. */
function resolvedEnvironment(model: GatewayModel, local: CreatedResources): Record<string, string> {
  const parameters: Record<string, unknown> = Object.fromEntries(local.tables);
  for (const [id, queue] of local.queues) parameters[id] = queue.url;
  const resolver = new TemplateResolver(model.stack.template, parameters);
  const { configTable, historyTable, queue, payloadBucket } = model.logicalIds;
  // What the stack outputs name, should the ingest function's environment not be found.
  const env: Record<string, string> = {
    [ENV.configTable]: local.tables.get(configTable)!,
    [ENV.historyTable]: local.tables.get(historyTable)!,
    [ENV.queueUrl]: local.queues.get(queue)!.url,
    [ENV.payloadBucket]: resolver.physicalName(payloadBucket),
  };
  for (const [key, value] of Object.entries(model.ingestEnvironment)) {
    try {
      env[key] = String(resolver.resolve(value));
    } catch {
      // A variable the local gateway does not need (it reads only the gateway's own settings).
    }
  }
  return env;
}

/** The config table written exactly as at deploy time: the config writer, on a Create event. */
async function writeConfig(dynamodb: DynamoDBClient, entry: LocalGatewayEntry): Promise<void> {
  await createConfigWriter(new DynamoDbConfigItems(dynamodb))({
    RequestType: 'Create',
    ServiceToken: 'local',
    ResponseURL: 'http://local.invalid/',
    StackId: `arn:aws:cloudformation:${LOCAL_ENV.region}:${LOCAL_ENV.account}:stack/${entry.stackName}/local`,
    RequestId: 'local',
    LogicalResourceId: `${entry.id}Config`,
    ResourceType: 'Custom::WebhookGatewayConfig',
    ResourceProperties: {
      ServiceToken: 'local',
      ConfigTableName: entry.configTable,
      Config: JSON.stringify(entry.config),
    },
  } as CloudFormationCustomResourceEvent);
}

/** The host to put in URLs: a wildcard address is reached through the loopback one. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function missingSecretsMessage(missing: readonly SecretNeed[]): string {
  const names = missing.map((n) => `"${secretKey(n.webhook, n.ref)}" (${n.scheme})`).join(', ');
  const variables = missing.map((n) => secretVariable(n.webhook, n.ref)).join(', ');
  const example = missing.map((n) => `"${secretKey(n.webhook, n.ref)}": ${n.keyType ? '{"publicKey": "…"}' : '"…"'}`);
  return `no secret for ${missing.length === 1 ? 'webhook' : 'webhooks'} ${names}: set ${variables}, or pass --secrets FILE with {${example.join(', ')}}, or add --dev-secrets to generate development secrets`;
}
