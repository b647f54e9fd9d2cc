import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { readSettings } from '../../lambdas/adapters/settings';
import { ENV } from '../../lambdas/core/config/environment';
import type { GatewayConfig } from '../../lambdas/core/config/webhook';
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
import { ignoreStateDir, openDataDir, readLastConfigs, writeLastConfigs, type DataDir } from './data-dir';
import { restoreQueues, saveQueues } from './kept-queues';
import { ExecutionRecords } from './execution-records';
import { watchApp, type AppWatcher } from './watch';
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
  /** Keep nothing on disk: history, dedup records and executions live as long as the process. */
  readonly inMemory?: boolean;
  /** Re-synthesize when the app's sources change, and serve the new config in place. */
  readonly watch?: boolean;
  readonly verbose: boolean;
  /** Aborted on SIGINT/SIGTERM: the gateway shuts down. */
  readonly signal: AbortSignal;
  readonly log: (text: string) => void;
  /** Progress while starting (`Synthesizing …`). */
  readonly progress: (text: string) => void;
  /** Called once serving, with what the banner shows. */
  readonly onReady: (ready: ReadyGateway) => void;
  /** With `watch`: the new config is served. */
  readonly onReloaded?: (ready: ReadyGateway) => void;
  /** With `watch`: the app failed to synthesize (or cannot be served in place); the last good config still serves. */
  readonly onReloadFailed?: (error: unknown) => void;
}

export interface ReadyGateway {
  readonly state: LocalGatewayState;
  readonly stacks: readonly AssemblyStack[];
  readonly secrets: LocalSecrets;
  readonly generated: readonly string[];
  readonly workflows: LocalWorkflows;
}

/**
 * `webhook-gateway local`: listen → open the data folder (unless in memory) → synthesize → secrets
 * → dynalite and local-aws-sqs with the template's tables and queues → config written by the config
 * writer → ingest and dispatcher on local backends → serve until the signal (re-synthesizing on
 * source changes with `watch`); then close everything and remove the state file.
 */
export async function runLocalGateway(options: LocalGatewayOptions): Promise<void> {
  const { log, signal } = options;
  const running = await runningGateway(options.stateDir);
  if (running) {
    throw new CliError(
      `a local gateway is already running for this project (pid ${running.pid}, ${running.url}): stop it, or pass --state-dir DIR to run another`,
    );
  }
  ignoreStateDir(options.stateDir);
  const server = await LocalHttpServer.listen(options.port, options.host);
  // Shutdown order: forget the state, stop taking requests, stop the dispatchers, then the backends.
  let backends: Backends | undefined;
  let watcher: AppWatcher | undefined;
  let records: ExecutionRecords | undefined;
  let scratch: string | undefined;
  let data: DataDir | undefined;
  let queueUrls: string[] = [];
  const loops: { wake(): void; stop(): Promise<void> }[] = [];
  const cleanup = async () => {
    watcher?.close();
    removeState(options.stateDir);
    await server.close().catch(() => undefined);
    await Promise.all(loops.map((l) => l.stop().catch(() => undefined)));
    records?.flush();
    if (data && backends && queueUrls.length > 0) {
      const kept = await saveQueues(backends.sqs, queueUrls, data.queues).catch((error: unknown) => {
        log(`queued messages not kept: ${(error as Error).message}`);
        return 0;
      });
      if (kept > 0) log(`Kept ${kept} queued message(s) for the next start.`);
    }
    await backends?.stop().catch(() => undefined);
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  };
  try {
    data = options.inMemory ? undefined : await openDataDir(options.stateDir);
    // In memory, executions are still files (the executions command reads them), removed at the end.
    const executionsDir =
      data?.executions ?? join((scratch = mkdtempSync(join(tmpdir(), 'webhook-gateway-'))), 'executions');
    records = new ExecutionRecords(executionsDir, log);
    records.settleEarlierRuns();

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
    const generated = checkSecrets(models, secrets, options);

    backends = await startBackends(data ? { dynamodbPath: data.dynamodb } : {});
    const created = await createResources(backends, stacks);
    const payloadDir = join(options.stateDir, 'payloads');
    // waitForWebhook states run locally: each registers with its gateway's LocalWaiters.
    const waitersByWebhook = new Map<string, LocalWaiters>();
    const workflows = new LocalWorkflows(
      withLocalTaskTokens(stacks),
      [
        {
          matches: (resource, state) => isWaiterTask(resource, state),
          handle: (input) => {
            const webhook = String((input as { Payload?: { webhook?: unknown } } | null)?.Payload?.webhook);
            const waiters = waitersByWebhook.get(webhook);
            if (!waiters) throw new Error(`waitForWebhook: no gateway with waiters serves webhook "${webhook}"`);
            return waiters.taskHandler.handle(input);
          },
        },
      ],
      records.update,
    );
    const lastConfigs = readLastConfigs(data);
    queueUrls = models.flatMap((m) => {
      const local = created.get(m.stack.stackName)!;
      return [local.queues.get(m.logicalIds.queue)!.url, local.queues.get(m.logicalIds.deadLetterQueue)!.url];
    });
    // Before the dispatchers start: what a graceful stop left queued runs now.
    if (data) await restoreQueues(backends.sqs, queueUrls, data.queues);
    const served: ServedGateway[] = [];
    for (const model of models) {
      const local = created.get(model.stack.stackName)!;
      const { entry, configCacheSeconds } = gatewayEntry(model, local, secrets);
      const key = `${entry.stackName}/${entry.id}`;
      await writeConfig(backends.dynamodb, entry, lastConfigs[key] as GatewayConfig | undefined);
      lastConfigs[key] = entry.config;
      const queue = local.queues.get(model.logicalIds.queue)!;
      const waiterTable = waiterTableOf(model.stack.template, model.logicalIds.historyTable);
      const runtime = localRuntime({
        dynamodb: backends.dynamodb,
        sqs: backends.sqs,
        gateway: entry,
        queueArn: queue.arn,
        ...(queue.maxReceiveCount !== undefined && { maxReceiveCount: queue.maxReceiveCount }),
        ...(waiterTable !== undefined && { waiterTable: local.tables.get(waiterTable)! }),
        configCacheSeconds,
        secrets: secrets.store(),
        payloadDir,
        workflows,
        report: options.report,
        onExecutionDone: options.onExecutionDone,
        onWaiterResumed: options.onWaiterResumed,
        warn: log,
        verbose: options.verbose,
      });
      runtime.loop.start();
      runtime.sweeps.start();
      loops.push(runtime.loop, runtime.sweeps);
      if (runtime.waiters) for (const w of model.config.webhooks) waitersByWebhook.set(w.name, runtime.waiters);
      served.push({ model, entry, runtime, resources: shapeOf(model, local, waiterTable) });
    }
    writeLastConfigs(data, lastConfigs);

    let routing = routingOf(served);
    server.serve({
      // Unknown names go to a gateway's ingest, which answers 404 (even when no gateway has webhooks).
      ingestFor: (name) => routing.ingest.get(name) ?? served[0]!.runtime.ingest,
      throttleFor: (name) => routing.throttles.get(name),
      report: options.report,
      onAccepted: () => loops.forEach((l) => l.wake()),
    });
    let state: LocalGatewayState = {
      pid: process.pid,
      url: `http://${urlHost(options.host)}:${server.port}`,
      startedAt: new Date().toISOString(),
      app,
      endpoints: { dynamodb: backends.dynamodbEndpoint, sqs: backends.sqsEndpoint },
      region: LOCAL_ENV.region,
      payloadDir,
      executionsDir,
      persistent: data !== undefined,
      ...(secrets.secretsFile !== undefined && { secretsFile: secrets.secretsFile }),
      gateways: served.map((g) => g.entry),
    };
    writeState(options.stateDir, state);
    options.onReady({ state, stacks, secrets, generated, workflows });

    if (options.watch) {
      const dynamodb = backends.dynamodb;
      const reload = async (files: readonly string[]) => {
        options.progress(
          `Changed: ${files.slice(0, 3).join(', ')}${files.length > 3 ? ' …' : ''} — synthesizing ${app} …`,
        );
        const next = await synthesize({ app, cwd: options.cwd, signal });
        if (signal.aborted) return;
        const nextModels = gatewaysOf(next);
        const changed = resourcesChanged(served, nextModels, created);
        if (changed) throw new CliError(`${changed}: restart webhook-gateway local to serve it`);
        const nextGenerated = checkSecrets(nextModels, secrets, options);
        for (const [i, model] of nextModels.entries()) {
          const { entry, configCacheSeconds } = gatewayEntry(model, created.get(model.stack.stackName)!, secrets);
          const key = `${entry.stackName}/${entry.id}`;
          await writeConfig(dynamodb, entry, lastConfigs[key] as GatewayConfig | undefined);
          lastConfigs[key] = entry.config;
          const was = served[i]!;
          served[i] = { ...was, model, entry };
          was.runtime.reconfigure(entry, configCacheSeconds);
          if (was.runtime.waiters)
            for (const w of model.config.webhooks) waitersByWebhook.set(w.name, was.runtime.waiters);
        }
        writeLastConfigs(data, lastConfigs);
        workflows.load(withLocalTaskTokens(next));
        routing = routingOf(served);
        state = { ...state, gateways: served.map((g) => g.entry) };
        writeState(options.stateDir, state);
        options.onReloaded?.({ state, stacks: next, secrets, generated: nextGenerated, workflows });
      };
      let reloading: Promise<void> | undefined;
      let again: readonly string[] | undefined;
      const onChange = (files: readonly string[]) => {
        if (reloading) {
          again = [...(again ?? []), ...files];
          return;
        }
        reloading = reload(files)
          .catch((error: unknown) => {
            if (!signal.aborted) options.onReloadFailed?.(error);
          })
          .finally(() => {
            reloading = undefined;
            const pending = again;
            again = undefined;
            if (pending && !signal.aborted) onChange(pending);
          });
      };
      const root = projectDir(options.cwd);
      watcher = watchApp(root, onChange, { ignore: [relative(root, options.stateDir).split(sep)[0]!] });
    }

    if (!signal.aborted) await new Promise((done) => signal.addEventListener('abort', done, { once: true }));
  } catch (error) {
    if (!signal.aborted) throw error; // Stopped while starting: not a failure.
  } finally {
    await cleanup();
  }
}

/** One gateway the local gateway serves. */
interface ServedGateway {
  readonly model: GatewayModel;
  readonly entry: LocalGatewayEntry;
  readonly runtime: ReturnType<typeof localRuntime>;
  /** Its tables and queues, to tell whether a new synth can be served by the same runtime. */
  readonly resources: string;
}

/** Which ingest and which throttle serve each webhook name. */
function routingOf(served: readonly ServedGateway[]) {
  const ingest = new Map<string, ServedGateway['runtime']['ingest']>();
  const throttles = new Map<string, UsagePlanThrottle>();
  for (const { model, runtime } of served) {
    for (const webhook of model.config.webhooks) {
      ingest.set(webhook.name, runtime.ingest);
      const limits = model.limits[webhook.name];
      if (limits && (limits.rate !== undefined || limits.quota))
        throttles.set(webhook.name, new UsagePlanThrottle(limits));
    }
  }
  return { ingest, throttles };
}

/** A gateway's identity and resources, as one string: equal when a new synth can reuse its runtime. */
function shapeOf(model: GatewayModel, local: CreatedResources | undefined, waiterTable: string | undefined): string {
  return JSON.stringify([
    model.stack.stackName,
    model.id,
    model.logicalIds,
    waiterTable ?? null,
    [...(local?.tables.keys() ?? [])].sort(),
    [...(local?.queues.keys() ?? [])].sort(),
  ]);
}

/**
 * Why a new synth cannot be served in place (gateways or their tables and queues changed), or
 * undefined when it can.
 */
function resourcesChanged(
  served: readonly ServedGateway[],
  models: readonly GatewayModel[],
  created: ReadonlyMap<string, CreatedResources>,
): string | undefined {
  const names = (list: readonly { stack: { stackName: string }; id: string }[]) =>
    list.map((g) => `${g.stack.stackName}/${g.id}`).join(', ');
  if (
    models.length !== served.length ||
    models.some((m, i) => served[i]!.model.id !== m.id || served[i]!.model.stack.stackName !== m.stack.stackName)
  ) {
    return `the app's gateways changed (${names(served.map((g) => g.model))} → ${names(models)})`;
  }
  for (const [i, model] of models.entries()) {
    const local = created.get(model.stack.stackName);
    const tables = Object.entries(model.stack.template.Resources ?? {})
      .filter(([, r]) => r.Type.startsWith('AWS::DynamoDB::') || r.Type === 'AWS::SQS::Queue')
      .map(([id]) => id);
    const missing = tables.filter((id) => !local?.tables.has(id) && !local?.queues.has(id));
    const waiterTable = waiterTableOf(model.stack.template, model.logicalIds.historyTable);
    if (missing.length > 0 || shapeOf(model, local, waiterTable) !== served[i]!.resources) {
      return `gateway ${model.stack.stackName}/${model.id} has other tables or queues${missing.length > 0 ? ` (new: ${missing.join(', ')})` : ''}`;
    }
  }
  return undefined;
}

/** A gateway's entry of the state file: its local resources, settings, config and secrets' sources. */
function gatewayEntry(model: GatewayModel, local: CreatedResources, secrets: LocalSecrets) {
  const env = resolvedEnvironment(model, local);
  const settings = readSettings(env, ['configTable', 'historyTable', 'queueUrl', 'payloadBucket']);
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
  return { entry, configCacheSeconds: settings.configCacheSeconds };
}

/** Fails when a webhook has no secret (unless development secrets may be generated); returns those generated. */
function checkSecrets(models: readonly GatewayModel[], secrets: LocalSecrets, options: LocalGatewayOptions): string[] {
  const needs = models.flatMap((m) => m.config.webhooks.flatMap(secretNeeds));
  const missing = needs.filter((n) => secrets.sourceOf(n.webhook, n.ref).kind === 'none');
  if (missing.length > 0 && !options.devSecrets) throw new CliError(missingSecretsMessage(missing));
  return options.devSecrets ? ensureDevSecrets(options.stateDir, missing) : [];
}

/** The folder `--watch` watches: the nearest one up with a cdk.json (the project), else `cwd`. */
function projectDir(cwd: string): string {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'cdk.json'))) return dir;
    if (dirname(dir) === dir) return resolve(cwd);
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

/**
 * The config table written exactly as at deploy time, by the config writer: a Create event, or an
 * Update from the config it was last given (kept in the data folder), so that webhooks no longer
 * in the app are deleted as a deployment deletes them.
 */
async function writeConfig(
  dynamodb: DynamoDBClient,
  entry: LocalGatewayEntry,
  previous: GatewayConfig | undefined,
): Promise<void> {
  const properties = (config: GatewayConfig) => ({
    ServiceToken: 'local',
    ConfigTableName: entry.configTable,
    Config: JSON.stringify(config),
  });
  const common = {
    ServiceToken: 'local',
    ResponseURL: 'http://local.invalid/',
    StackId: `arn:aws:cloudformation:${LOCAL_ENV.region}:${LOCAL_ENV.account}:stack/${entry.stackName}/local`,
    RequestId: 'local',
    LogicalResourceId: `${entry.id}Config`,
    ResourceType: 'Custom::WebhookGatewayConfig',
    ResourceProperties: properties(entry.config),
  };
  const event = previous
    ? {
        ...common,
        RequestType: 'Update',
        PhysicalResourceId: `${entry.configTable}/webhook-gateway-config`,
        OldResourceProperties: properties(previous),
      }
    : { ...common, RequestType: 'Create' };
  await createConfigWriter(new DynamoDbConfigItems(dynamodb))(event as CloudFormationCustomResourceEvent);
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
