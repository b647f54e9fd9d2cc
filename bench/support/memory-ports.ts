// The ingest's and the dispatcher's ports kept in memory, for timing the handlers' own CPU: no SDK,
// no serialization, no network. The accept path of a new delivery only: every claim succeeds.
import type {
  ClaimResult,
  ConfigStore,
  Counters,
  DeliveryClaim,
  HistoryStore,
  LoadedWebhook,
  Log,
  PayloadStore,
  Queue,
  QueueEntry,
  RateWindows,
  SecretStore,
  StartedExecution,
  Telemetry,
  WorkflowStarter,
} from '../../lambdas/adapters/ports';
import { DEFAULT_SETTINGS } from '../../lambdas/adapters/settings';
import { parseSecretMaterial, type SecretMaterial } from '../../lambdas/core/config/secret';
import type { RouteConfig, WebhookConfig } from '../../lambdas/core/config/webhook';
import { LIMITS, type PayloadRef } from '../../lambdas/core/config/messages';
import type { DispatcherDeps } from '../../lambdas/dispatcher/handler';
import type { IngestDeps } from '../../lambdas/ingest/pipeline';
import { ManualClock } from '../../test/support/clock';

/** Logs and metrics dropped: production writes them to CloudWatch, outside the handler's CPU here. */
export const nullTelemetry: Telemetry = {
  log: { info: () => undefined, warn: () => undefined, error: () => undefined } satisfies Log,
  metrics: { count: () => undefined, flush: () => undefined } satisfies Counters,
};

class MemoryConfig implements ConfigStore {
  private readonly loaded = new Map<string, LoadedWebhook>();

  constructor(webhooks: readonly WebhookConfig[], routes: readonly RouteConfig[]) {
    // The same objects on every load, as the DynamoDB store's warm cache returns them (compiled CEL stays cached).
    for (const config of webhooks) {
      const own = routes.filter((r) => r.webhook === undefined || r.webhook === config.name);
      this.loaded.set(config.name, { config, routes: own, verifiedAt: '2026-01-01T00:00:00.000Z' });
    }
  }

  load(name: string): Promise<LoadedWebhook | undefined> {
    return Promise.resolve(this.loaded.get(name));
  }

  markVerified(): Promise<void> {
    return Promise.resolve();
  }
}

class MemorySecrets implements SecretStore {
  private readonly material = new Map<string, SecretMaterial>();

  /** `values`: SecretId → SecretString, parsed once (the Secrets Manager store caches them). */
  constructor(values: Readonly<Record<string, string>>) {
    for (const [id, text] of Object.entries(values)) this.material.set(id, parseSecretMaterial(text));
  }

  get(location: { secretId: string }): Promise<SecretMaterial> {
    const found = this.material.get(location.secretId);
    return found ? Promise.resolve(found) : Promise.reject(new Error(`no secret ${location.secretId}`));
  }
}

/** Claims every delivery; keeps the last claim and queue send so that a setup check can look at them. */
export class MemoryHistory implements HistoryStore {
  claims = 0;
  lastClaim: DeliveryClaim | undefined;

  claim(claim: DeliveryClaim): Promise<ClaimResult> {
    this.claims++;
    this.lastClaim = claim;
    return Promise.resolve({ claimed: true });
  }
  markQueued = () => Promise.resolve();
  markDispatched = () => Promise.resolve();
  markFailed = () => Promise.resolve();
  countDuplicate = () => Promise.resolve();
  putRejection = () => Promise.resolve();
  markEnqueued = () => Promise.resolve('added' as const);
  getDelivery = () => Promise.resolve(undefined);
  nextReplayNumber = () => Promise.resolve(1);
}

export class MemoryQueue implements Queue {
  sent = 0;
  lastEntries: readonly QueueEntry[] = [];

  send(entries: readonly QueueEntry[]): Promise<void> {
    this.sent += entries.length;
    this.lastEntries = entries;
    return Promise.resolve();
  }
}

class MemoryPayloads implements PayloadStore {
  readonly bucket = 'payloads';
  puts = 0;

  put(key: string): Promise<PayloadRef> {
    this.puts++;
    return Promise.resolve({ bucket: this.bucket, key });
  }

  get(): Promise<Buffer> {
    return Promise.reject(new Error('not kept'));
  }
}

const allowAll: RateWindows = { hit: () => Promise.resolve({ allowed: true }) };

export interface MemoryIngest {
  readonly deps: IngestDeps;
  readonly history: MemoryHistory;
  readonly queue: MemoryQueue;
  readonly payloads: MemoryPayloads;
}

/** The ingest's deps in memory, at the function's default settings; the clock stands at `now`. */
export function memoryIngestDeps(
  config: { webhooks: readonly WebhookConfig[]; routes: readonly RouteConfig[] },
  secrets: Readonly<Record<string, string>>,
  now: Date,
): MemoryIngest {
  const history = new MemoryHistory();
  const queue = new MemoryQueue();
  const payloads = new MemoryPayloads();
  const deps: IngestDeps = {
    config: new MemoryConfig(config.webhooks, config.routes),
    secrets: new MemorySecrets(secrets),
    history,
    queue,
    payloads,
    rateWindows: allowAll,
    clock: new ManualClock(now.getTime()),
    telemetry: nullTelemetry,
    settings: {
      historyRetentionDays: DEFAULT_SETTINGS.historyRetentionDays,
      dedupRetentionDays: DEFAULT_SETTINGS.dedupRetentionDays,
      ingestTimeoutSeconds: DEFAULT_SETTINGS.ingestTimeoutSeconds,
      historyBodyLimit: DEFAULT_SETTINGS.historyBodyLimit,
      maxBodySize: LIMITS.defaultMaxBodySize,
    },
  };
  return { deps, history, queue, payloads };
}

const memoryStarter: WorkflowStarter = {
  start: (target, name): Promise<StartedExecution> =>
    Promise.resolve({
      executionArn: `${target.arn.replace(':stateMachine:', ':execution:')}:${name}`,
      alreadyStarted: false,
    }),
};

/** The dispatcher's deps in memory: every start succeeds. */
export function memoryDispatcherDeps(): DispatcherDeps {
  return { starter: memoryStarter, history: new MemoryHistory(), telemetry: nullTelemetry };
}
