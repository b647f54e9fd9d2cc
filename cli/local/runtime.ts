import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbPendingSweep } from '../../lambdas/adapters/dynamodb-dedup';
import { DynamoDbWaiterStore } from '../../lambdas/adapters/dynamodb-waiters';
import { FilesystemPayloadStore } from '../../lambdas/adapters/fs-payloads';
import {
  systemClock,
  type ConfigStore,
  type LoadedWebhook,
  type SecretStore,
  type WorkflowStarter,
} from '../../lambdas/adapters/ports';
import { executionArnOf } from '../../lambdas/adapters/sfn-starter';
import type { HistoryKey } from '../../lambdas/core/config/messages';
import type { WebhookConfig } from '../../lambdas/core/config/webhook';
import { createDispatcher } from '../../lambdas/dispatcher/handler';
import { gatewayIngestDeps } from '../../lambdas/ingest/aws-deps';
import { createIngestHandler } from '../../lambdas/ingest/request-handler';
import { createSweeper } from '../../lambdas/sweeper/handler';
import {
  ExecutionAlreadyExistsError,
  UnknownStateMachineError,
  type LocalExecution,
  type LocalWorkflows,
} from '../local-workflows';
import { LocalWaiters } from '../local-waiters';
import type { LocalGatewayEntry } from '../state';
import { AcceptedDeliveries, type Report } from './deliveries';
import { DispatchLoop } from './dispatch-loop';
import { SweepSchedule } from './sweep-schedule';
import { dispatcherTelemetry, ingestTelemetry, requestTraces } from './telemetry';

/** What the local gateway tells its caller, as deliveries and executions happen. */
export interface DeliveryEvents {
  /** A delivery is final: print its line. */
  readonly report: Report;
  /** An execution ended (for follow-up output: failures, tasks recorded without running). */
  readonly onExecutionDone: (execution: LocalExecution) => void;
  /** A delivery (its history key and label) resumed an execution waiting in a waitForWebhook state. */
  readonly onWaiterResumed: (historyKey: HistoryKey, executionArn: string, deliveryId: string) => void;
}

export interface RuntimeOptions extends DeliveryEvents {
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly gateway: LocalGatewayEntry;
  readonly queueArn: string;
  readonly maxReceiveCount?: number;
  /** The local waiter table, when the gateway has waitForWebhook states. */
  readonly waiterTable?: string;
  readonly configCacheSeconds: number;
  readonly secrets: SecretStore;
  readonly payloadDir: string;
  readonly workflows: LocalWorkflows;
  readonly warn: (text: string) => void;
  readonly verbose: boolean;
}

/**
 * One gateway's handlers on local backends: the ingest handler (createIngestHandler) on the
 * DynamoDB and SQS adapters against dynalite and local-aws-sqs, local secrets and a filesystem
 * payload store; the dispatcher (createDispatcher) in a polling loop, starting workflows in
 * aws-local-stepfunctions and resuming waitForWebhook states (LocalWaiters) on the local waiter table;
 * the sweeper on a schedule (interrupted deliveries turn `failed`).
 */
export function localRuntime(options: RuntimeOptions) {
  const { dynamodb, sqs, gateway, warn } = options;
  const payloads = new FilesystemPayloadStore(options.payloadDir, gateway.payloadBucket);
  const ingestOn = (resources: LocalGatewayEntry, configCacheSeconds: number) => {
    const deps = gatewayIngestDeps(resources, options, {
      configCacheSeconds,
      secrets: options.secrets,
      payloads,
      telemetry: ingestTelemetry(warn, options.verbose),
    });
    return { deps, handler: createIngestHandler({ ...deps, config: withSenderUrls(deps.config) }) };
  };
  const first = ingestOn(gateway, options.configCacheSeconds);
  const { history } = first.deps;
  let currentIngest = first.handler;
  /** The ingest handler (API Gateway's proxy event in, its result out); the same function across reconfigure(). */
  const ingest: typeof currentIngest = (event) => currentIngest(event);

  const accepted = new AcceptedDeliveries(dynamodb, gateway.historyTable, options.report);
  const { telemetry, lastError } = dispatcherTelemetry(warn, options.verbose);
  const waiters =
    options.waiterTable === undefined
      ? undefined
      : new LocalWaiters({
          store: new DynamoDbWaiterStore(dynamodb, options.waiterTable),
          payloads,
          history: {
            async markEnqueued(key, executionArn) {
              const mark = await history.markEnqueued(key, executionArn);
              options.onWaiterResumed(key, executionArn, await labelOf(key));
              return mark;
            },
          },
          telemetry,
        });
  // The label the sender knows the delivery by (the history key holds the dedup key, a hash for many schemes).
  const labelOf = async (key: HistoryKey): Promise<string> => {
    const got = await dynamodb
      .send(
        new GetItemCommand({
          TableName: gateway.historyTable,
          Key: marshall(key),
          ProjectionExpression: 'deliveryId',
          ConsistentRead: true,
        }),
      )
      .catch(() => undefined);
    return got?.Item?.deliveryId?.S ?? key.sk.slice(2);
  };
  // Which delivery started each execution: a markEnqueued for another delivery is a waiter resumed.
  const startedBy = new Map<string, string>();
  const keyOf = (key: HistoryKey) => `${key.pk}\u0000${key.sk}`;
  const dispatch = createDispatcher({
    starter: localStarter(options.workflows, options.onExecutionDone, warn),
    history: {
      async markEnqueued(key, executionArn) {
        const mark = await history.markEnqueued(key, executionArn);
        const by = startedBy.get(executionArn);
        if (by === undefined) startedBy.set(executionArn, keyOf(key));
        else if (by !== keyOf(key)) options.onWaiterResumed(key, executionArn, await labelOf(key));
        await accepted
          .executionRecorded(key)
          .catch((error: unknown) => warn(`delivery not reported: ${String(error)}`));
        return mark;
      },
      markDispatched: (webhook, idempotencyKey) => history.markDispatched(webhook, idempotencyKey),
    },
    telemetry,
    ...(waiters && { waiters: waiters.ports }),
  });
  const loop = new DispatchLoop({
    sqs,
    queueUrl: gateway.queueUrl,
    queueArn: options.queueArn,
    dispatch,
    ...(options.maxReceiveCount !== undefined && { maxReceiveCount: options.maxReceiveCount }),
    onGiveUp: (record) => accepted.gaveUp(record, lastError(record.messageId)),
    onError: (error) => warn(`dispatcher poll failed: ${(error as Error).message ?? String(error)}`),
  });
  const sweeper = createSweeper({
    sweep: new DynamoDbPendingSweep(dynamodb, gateway.historyTable),
    clock: systemClock,
    telemetry: dispatcherTelemetry(warn, options.verbose).telemetry,
  });
  const sweeps = new SweepSchedule(sweeper, (error) =>
    warn(`sweep failed: ${(error as Error).message ?? String(error)}`),
  );
  return {
    ingest,
    loop,
    waiters,
    sweeps,
    /**
     * The app was synthesized again, with the same tables and queue: the ingest reads the gateway's
     * new settings and, with an empty config cache, the config table as just rewritten.
     */
    reconfigure(resources: LocalGatewayEntry, configCacheSeconds: number): void {
      currentIngest = ingestOn(resources, configCacheSeconds).handler;
    },
  };
}

/**
 * StartExecution on LocalWorkflows: a name already used answers like ExecutionAlreadyExists (the
 * execution counts as started); a target outside the app (imported by ARN) cannot run here, so its
 * start is recorded under the ARN it would have, and said once.
 */
function localStarter(
  workflows: LocalWorkflows,
  onDone: (execution: LocalExecution) => void,
  warn: (text: string) => void,
): WorkflowStarter {
  const warned = new Set<string>();
  return {
    async start(target, name, input) {
      try {
        const execution = workflows.start({ stateMachineArn: target.arn, name, input });
        void execution.done.then(() => onDone(execution));
        return { executionArn: execution.executionArn, alreadyStarted: false };
      } catch (error) {
        if (error instanceof ExecutionAlreadyExistsError)
          return { executionArn: error.executionArn, alreadyStarted: true };
        if (!(error instanceof UnknownStateMachineError)) throw error;
        if (!warned.has(target.arn)) {
          warned.add(target.arn);
          warn(`${error.message}: its executions are recorded, not run`);
        }
        let arn: string;
        try {
          arn = executionArnOf(target.arn, name);
        } catch {
          arn = `${target.arn}:execution:${name}`;
        }
        return { executionArn: arn, alreadyStarted: false };
      }
    },
  };
}

/**
 * Locally the sender signs the URL it addressed (`http://127.0.0.1:8787/webhooks/x`), where API
 * Gateway's is `https://…`: a webhook without its own publicUrl (set, or its custom domain's)
 * verifies against the request's URL. One with a publicUrl verifies against it, as deployed: `send`
 * signs it, and so does a provider whose deliveries a tunnel forwards.
 * The config objects stay the same per URL, so compiled expressions stay cached.
 */
function withSenderUrls(store: ConfigStore): ConfigStore {
  const byConfig = new WeakMap<WebhookConfig, Map<string, WebhookConfig>>();
  return {
    markVerified: (name, at) => store.markVerified(name, at),
    async load(name): Promise<LoadedWebhook | undefined> {
      const loaded = await store.load(name);
      const url = requestTraces.getStore()?.url;
      if (!loaded || url === undefined || loaded.config.publicUrl !== undefined) return loaded;
      let urls = byConfig.get(loaded.config);
      if (!urls) byConfig.set(loaded.config, (urls = new Map()));
      let config = urls.get(url);
      if (!config) urls.set(url, (config = { ...loaded.config, publicUrl: url }));
      return { ...loaded, config };
    },
  };
}
