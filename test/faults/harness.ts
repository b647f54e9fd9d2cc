import { sign } from '@octokit/webhooks-methods';
import { QueryCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { DynamoDbPendingSweep } from '../../lambdas/adapters/dynamodb-dedup';
import { DynamoDbHistoryStore } from '../../lambdas/adapters/dynamodb-history';
import { awsIngestDeps } from '../../lambdas/ingest/aws-deps';
import { SfnWorkflowStarter } from '../../lambdas/adapters/sfn-starter';
import { CONFIG_ITEMS, QUEUE_RETENTION_SECONDS } from '../../lambdas/core/config/tables';
import type { RouteConfig, WebhookConfig } from '../../lambdas/core/config/webhook';
import { createDispatcher } from '../../lambdas/dispatcher/handler';
import { createIngestHandler } from '../../lambdas/ingest/request-handler';
import { createSweeper, SWEEP_GRACE_SECONDS } from '../../lambdas/sweeper/handler';
import { apiEvent, type ApiRequest } from '../support/api-event';
import { ManualClock } from '../support/clock';
import { drain } from '../support/event-source';
import { fakeStepFunctions } from '../support/fake-sfn';
import { fakeS3, fakeSecretsManager } from '../support/fakes';
import { dynamodbLabel, FaultInjector, invoke, sqsLabel, type Call, type Fault } from '../support/faults';
import { gatewaySettings, writeConfig } from '../support/gateway';
import { createGatewayResources, startLocalAws, type GatewayResources, type LocalAws } from '../support/local-aws';
import { RecordingTelemetry } from '../support/telemetry';

/**
 * The SDK timeout of the handlers' clients here: short, so that latency faults are fast, yet well
 * above what a call takes with several runs sharing the process (a timeout nobody injected is a
 * fault too, but one the table cannot account for).
 */
export const REQUEST_TIMEOUT_MS = 400;
/** SDK attempts per call (the first, and one retry after a few milliseconds). */
const SDK_ATTEMPTS = 2;
/** A sender gives up after this many attempts; faults heal well before. */
const MAX_ROUNDS = 12;
const HEAL_AFTER_ROUND = 4;
/** Between rounds: the ingest's Retry-After, and what a sender waits after a crashed invocation's 5XX. */
const DEFAULT_RETRY_SECONDS = 5;
const HISTORY_BODY_LIMIT = 1024;

const SECRET = 'fault-test-secret';
const STATE_MACHINES = 'arn:aws:states:us-east-1:123456789012:stateMachine';
export const WEBHOOK: WebhookConfig = {
  name: 'github',
  verifier: { type: 'github' },
  secrets: { default: { secretId: 'github-secret' } },
  expressions: { eventKey: "'github:' + headers['x-github-event']" },
  maxBodySize: 1_000_000,
};
/** Two Standard workflows per push: every delivery is two messages, in one batch and group. */
export const ROUTES: RouteConfig[] = [
  { id: 'deploy', eventKeyPattern: 'github:push', target: { arn: `${STATE_MACHINES}:Deploy`, type: 'STANDARD' } },
  { id: 'audit', eventKeyPattern: 'github:push', target: { arn: `${STATE_MACHINES}:Audit`, type: 'STANDARD' } },
];

/** One delivery a provider makes, with its id (X-GitHub-Delivery) and how many copies it sends at once. */
export interface DeliverySpec {
  readonly id: string;
  /** Copies sent at the same moment (each a sender that retries on its own). @default 1 */
  readonly copies?: number;
  /**
   * `small` bodies stay in the history item; `large` ones go to the payload store (an S3 put on the
   * claim's round trip); `huge` ones also travel to the workflow by reference (a second put).
   * @default 'small'
   */
  readonly size?: 'small' | 'large' | 'huge';
  /**
   * One more copy, sent at the start of that round (each round is Retry-After, 5 s, after the
   * previous): a provider retrying a request whose 2xx it never got.
   */
  readonly lateCopyRound?: number;
  /**
   * Each sender of this delivery gives up after this many attempts (a provider whose retries ran
   * out, or one that never retries): the sweeper, not a retry, must then settle what its attempts
   * left. @default every sender retries until it gets a 2xx
   */
  readonly attempts?: number;
}

export interface Scenario {
  readonly deliveries: readonly DeliverySpec[];
  readonly faults: readonly Fault[];
  /** On each injected fault, the delivery that met it is sent once more, concurrently. */
  readonly copyOnFault?: boolean;
  /** The dispatcher drains the queue after each round of sends (else only at the end). */
  readonly dispatchBetweenRounds?: boolean;
  /** Faults stop from this round of sends on (a sender's fifth attempt by default). */
  readonly healAfterRound?: number;
}

/** What one request was answered, and whether its messages were on the queue at that moment. */
export interface Answer {
  readonly delivery: string;
  readonly round: number;
  readonly requestId: string;
  /** The HTTP status, or `crashed` when the invocation died (the sender sees API Gateway's 5XX). */
  readonly status: number | 'crashed';
  readonly outcome?: string;
  readonly retryAfter?: string;
  readonly queued: boolean;
}

export interface RunResult {
  readonly answers: readonly Answer[];
  /** Every labelled call the handlers made, in order (see FaultInjector). */
  readonly calls: readonly Call[];
  readonly violations: readonly string[];
  /** One line per delivery, for a failure message. */
  readonly summary: string;
}

type Ingest = ReturnType<typeof createIngestHandler>;

/** Tables, queues and SDK clients that runs use one after the other. */
interface Slot {
  readonly id: number;
  runs: number;
  readonly resources: GatewayResources;
  readonly clock: ManualClock;
  /** The handlers' clients: a short timeout, two attempts, the faults of the run holding the slot. */
  readonly clients: { dynamodb: DynamoDBClient; sqs: SQSClient; dispatcherDb: DynamoDBClient };
  injector?: FaultInjector;
}

interface Sender {
  readonly delivery: DeliverySpec;
  readonly request: ApiRequest;
  /** Answered 2xx, or gave up. */
  done: boolean;
  tries: number;
}

/**
 * The fault laboratory: the ingest function, the dispatcher and the sweeper on their real adapters
 * (dynalite and local-aws-sqs through the SDK; S3, Secrets Manager and Step Functions stubbed), with
 * faults injected by label and call index. A run sends its deliveries in rounds, as providers retry
 * (5xx or no answer: again after Retry-After, the clock moving on), then drains the queue with the
 * dispatcher, moves the clock past the leases, runs the sweeper, and checks the invariants.
 */
export class FaultLab {
  /** Tables and queues of finished runs, reused (a run's deliveries are its own: ids and bodies). */
  private readonly idle: Slot[] = [];
  private readonly all: Slot[] = [];

  private constructor(readonly local: LocalAws) {}

  static async start(): Promise<FaultLab> {
    return new FaultLab(await startLocalAws());
  }

  stop(): Promise<void> {
    for (const { clients } of this.all) for (const client of Object.values(clients)) client.destroy();
    return this.local.stop();
  }

  async run(input: Scenario): Promise<RunResult> {
    const { local } = this;
    const slot = await this.acquire();
    const { resources, clock } = slot;
    // Unique in the slot: the id labels the delivery, and the body (its dedup key) carries it.
    const tag = `${slot.id}.${slot.runs++}`;
    const scenario = { ...input, deliveries: input.deliveries.map((d) => ({ ...d, id: `${d.id}.${tag}` })) };

    const senders: Sender[] = [];
    const inFlight: Promise<void>[] = [];
    const answers: Answer[] = [];
    /** The signed request of each delivery: its copies and retries are that request again. */
    const requests = new Map<string, ApiRequest>();
    let round = 0;
    const send = (sender: Sender) => inFlight.push(this.send(sender, round, ingest, queued, answers));
    const injector = new FaultInjector(scenario.faults, {
      onFault: (_fault, invocation) => {
        const spec = scenario.deliveries.find((d) => d.id === invocation?.label);
        if (!scenario.copyOnFault || !spec) return;
        const copy: Sender = { delivery: spec, request: requests.get(spec.id)!, done: false, tries: 0 };
        senders.push(copy);
        // After the faulted call is on its way: a copy that arrives while the first attempt waits on
        // it. In flight from now on, so that the round (and the end of the run) waits for it too.
        const sentIn = round;
        inFlight.push(
          new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
            this.send(copy, sentIn, ingest, queued, answers),
          ),
        );
      },
    });

    const { dynamodb, sqs, dispatcherDb } = slot.clients;
    slot.injector = injector;
    const secretsManager = fakeSecretsManager(
      { 'github-secret': JSON.stringify({ values: [{ value: SECRET }] }) },
      undefined,
      injector,
    );
    const s3 = fakeS3(undefined, injector);
    const sfn = fakeStepFunctions(undefined, injector);

    const telemetry = new RecordingTelemetry();
    const settings = gatewaySettings(resources, {
      // Every request reads the config: its calls are faulted as often as the others.
      configCacheSeconds: 0,
      historyBodyLimit: HISTORY_BODY_LIMIT,
    });
    // Each request in an execution environment of its own (as Lambda runs them): nothing a crashed
    // invocation left behind, such as a secret load that never returns, is shared.
    const ingest: Ingest = (event) =>
      createIngestHandler({
        ...awsIngestDeps(settings, telemetry, { dynamodb, sqs, s3: s3.client, secretsManager: secretsManager.client }),
        clock,
      })(event);
    const dispatcherTelemetry = new RecordingTelemetry();
    const dispatcher = createDispatcher({
      starter: new SfnWorkflowStarter(sfn.client),
      history: new DynamoDbHistoryStore(dispatcherDb, resources.historyTable),
      telemetry: dispatcherTelemetry,
    });
    const dispatch = () =>
      drain(
        local.sqs,
        resources.queueUrl,
        async (event) => {
          const result = await invoke(() => dispatcher(event));
          if (result === 'crashed') throw new Error('the dispatcher crashed');
          return result;
        },
        200,
        true,
      );

    // What the queue took: `<delivery id>|<route>` for every message of a SendMessageBatch it answered 200.
    const queued = new Set<string>();
    const unobserve = local.sqsServer.observe((exchange) => {
      if (!exchange.target.endsWith('.SendMessageBatch') || exchange.status !== 200) return;
      const batch = JSON.parse(exchange.body) as { QueueUrl: string; Entries: { MessageBody: string }[] };
      if (batch.QueueUrl !== resources.queueUrl) return;
      for (const entry of batch.Entries) {
        const message = JSON.parse(entry.MessageBody) as { routeId: string; input: { deliveryId: string } };
        queued.add(`${message.input.deliveryId}|${message.routeId}`);
      }
    });

    try {
      for (const spec of scenario.deliveries) {
        const signed = await request(spec);
        requests.set(spec.id, signed);
        for (let i = 0; i < (spec.copies ?? 1); i++)
          senders.push({ delivery: spec, request: signed, done: false, tries: 0 });
      }

      const late = (r: number) => scenario.deliveries.filter((d) => d.lateCopyRound === r);
      const waiting = () =>
        senders.some((s) => !s.done) || scenario.deliveries.some((d) => (d.lateCopyRound ?? -1) >= round);
      for (round = 0; round < MAX_ROUNDS && waiting(); round++) {
        if (round === (scenario.healAfterRound ?? HEAL_AFTER_ROUND)) injector.heal();
        for (const spec of late(round))
          senders.push({ delivery: spec, request: requests.get(spec.id)!, done: false, tries: 0 });
        for (const sender of senders.filter((s) => !s.done)) send(sender);
        while (inFlight.length > 0) await Promise.all(inFlight.splice(0));
        if (scenario.dispatchBetweenRounds) await dispatch();
        clock.advance(DEFAULT_RETRY_SECONDS * 1000);
      }

      // The end: late writes land, the queue drains (the dispatcher's faults still apply, each to one
      // call: its retries get through), the leases pass, the sweeper runs.
      const quiet = () => Promise.all([local.dynamodbServer.quiet(), local.sqsServer.quiet(), injector.quiet()]);
      await quiet();
      await dispatch();
      injector.heal();
      await quiet();
      await dispatch();
      clock.advance((settings.ingestTimeoutSeconds + SWEEP_GRACE_SECONDS + 1) * 1000);
      let items = await this.historyItems(resources.historyTable);
      const sweep = async () => {
        await createSweeper({
          sweep: new DynamoDbPendingSweep(local.dynamodb, resources.historyTable),
          clock,
          telemetry: new RecordingTelemetry(),
        })();
        items = await this.historyItems(resources.historyTable);
      };
      // The sweeper reads only the markers in its index: with nothing pending, it would do nothing.
      if (items.some((i) => i.status === 'pending')) await sweep();
      // Still pending: a delivery marked queued whose send failed (and whose markFailed failed too),
      // never dispatched; the sweeper fails it once its messages could no longer be on the queue.
      if (items.some((i) => i.status === 'pending')) {
        clock.advance(QUEUE_RETENTION_SECONDS * 1000);
        await sweep();
      }
      const leftOnQueues = await Promise.all(
        [resources.queueUrl, resources.deadLetterQueueUrl].map(async (QueueUrl) => {
          const got = await local.sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl,
              AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
            }),
          );
          return (
            Number(got.Attributes?.ApproximateNumberOfMessages ?? 0) +
            Number(got.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
          );
        }),
      );
      const violations = check({
        scenario,
        answers,
        starts: sfn.started,
        items,
        logs: telemetry.logs,
        leftOnQueues,
      });
      // A run that broke an invariant may have left things behind: its slot is not reused.
      if (violations.length === 0) this.idle.push(slot);
      return { answers, calls: injector.calls, violations, summary: summarize(scenario, answers, telemetry.logs) };
    } finally {
      unobserve();
    }
  }

  private async acquire(): Promise<Slot> {
    const reused = this.idle.pop();
    if (reused) {
      // Each run sees the webhook's first authentic request again (its config.verified call).
      await this.local.dynamodb.send(
        new UpdateItemCommand({
          TableName: reused.resources.configTable,
          Key: marshall(CONFIG_ITEMS.webhook(WEBHOOK.name)),
          UpdateExpression: 'REMOVE verifiedAt',
        }),
      );
      return reused;
    }
    const resources = await createGatewayResources(this.local, { maxReceiveCount: 50 });
    await writeConfig(this.local, resources, { webhooks: [WEBHOOK], routes: ROUTES });
    const sdk = () => ({
      maxAttempts: SDK_ATTEMPTS,
      // The socket's inactivity timeout: a request that gets no answer fails with TimeoutError.
      requestHandler: { socketTimeout: REQUEST_TIMEOUT_MS },
      // The SDK's own retry decisions, with a 5 ms backoff instead of up to a second.
      retryStrategy: new ConfiguredRetryStrategy(SDK_ATTEMPTS, 5),
    });
    // A retry strategy (and its retry quota) per client.
    const [ingestClients, queueClients, dispatcherClients] = [sdk(), sdk(), sdk()].map((o) => this.local.clients(o));
    const dynamodb = ingestClients!.dynamodb;
    const sqs = queueClients!.sqs;
    const dispatcherDb = dispatcherClients!.dynamodb;
    for (const unused of [ingestClients!.sqs, queueClients!.dynamodb, dispatcherClients!.sqs]) unused.destroy();
    // The clock only moves forward in a slot: the leases and the sweeps of its runs never overlap.
    const slot: Slot = {
      id: this.all.length,
      runs: 0,
      resources,
      clock: new ManualClock(),
      clients: { dynamodb, sqs, dispatcherDb },
    };
    const label = dynamodbLabel(resources);
    const injector = () => slot.injector;
    FaultInjector.attach('dynamodb', dynamodb, label, injector);
    FaultInjector.attach('sqs', sqs, sqsLabel, injector);
    FaultInjector.attach('dynamodb', dispatcherDb, label, injector);
    this.all.push(slot);
    return slot;
  }

  private async send(
    sender: Sender,
    round: number,
    ingest: Ingest,
    queued: ReadonlySet<string>,
    answers: Answer[],
  ): Promise<void> {
    sender.tries++;
    // A sender that gives up stops after this attempt, whatever it is answered.
    if (sender.tries >= (sender.delivery.attempts ?? Infinity)) sender.done = true;
    const event = apiEvent(sender.request);
    const requestId = event.requestContext.requestId;
    const result: APIGatewayProxyResult | 'crashed' | 'threw' = await invoke(
      () => ingest(event),
      sender.delivery.id,
    ).catch(() => 'threw' as const);
    const id = sender.delivery.id;
    // Checked at the moment of the answer: were the delivery's messages on the queue then?
    const onQueue = ROUTES.every((r) => queued.has(`${id}|${r.id}`));
    if (result === 'crashed' || result === 'threw') {
      answers.push({ delivery: id, round, requestId, status: result === 'crashed' ? 'crashed' : 500, queued: onQueue });
      return;
    }
    const outcome = result.statusCode === 202 ? (JSON.parse(result.body) as { status: string }).status : undefined;
    const retryAfter = result.headers?.['retry-after'];
    answers.push({
      delivery: id,
      round,
      requestId,
      status: result.statusCode,
      ...(outcome !== undefined && { outcome }),
      ...(retryAfter !== undefined && { retryAfter: String(retryAfter) }),
      queued: onQueue,
    });
    if (result.statusCode >= 200 && result.statusCode < 300) sender.done = true;
  }

  private async historyItems(table: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, never> | undefined;
    do {
      const page = await this.local.dynamodb.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: WEBHOOK.name } },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []).map((i) => unmarshall(i)));
      start = page.LastEvaluatedKey as Record<string, never> | undefined;
    } while (start);
    return items;
  }
}

function bodyOf(spec: DeliverySpec): string {
  const padding = { small: 0, large: 4 * 1024, huge: 300 * 1024 }[spec.size ?? 'small'];
  return JSON.stringify({ ref: 'refs/heads/main', after: spec.id, padding: 'x'.repeat(padding) });
}

/** The delivery as GitHub sends it, signed with @octokit/webhooks-methods. */
async function request(spec: DeliverySpec): Promise<ApiRequest> {
  const body = bodyOf(spec);
  return {
    webhook: WEBHOOK.name,
    body,
    headers: {
      'Content-Type': 'application/json',
      'X-GitHub-Event': 'push',
      'X-GitHub-Delivery': spec.id,
      'X-Hub-Signature-256': await sign(SECRET, body),
    },
  };
}

interface Outcome {
  readonly scenario: Scenario;
  readonly answers: readonly Answer[];
  readonly starts: readonly { stateMachineArn: string; executionArn: string; input: unknown }[];
  readonly items: readonly Record<string, unknown>[];
  readonly logs: readonly { level: string; message: string; fields: Record<string, unknown> }[];
  readonly leftOnQueues: readonly number[];
}

/** The invariants of a run; each broken one is a sentence naming the delivery. */
export function check(o: Outcome): string[] {
  const violations: string[] = [];
  const ok = (a: Answer) => typeof a.status === 'number' && a.status >= 200 && a.status < 300;
  for (const a of o.answers) {
    if (ok(a)) {
      if (a.status !== 202 || (a.outcome !== 'accepted' && a.outcome !== 'duplicate')) {
        violations.push(`${a.delivery}: answered ${a.status} ${a.outcome ?? ''} (round ${a.round})`);
      }
      if (!a.queued) {
        violations.push(
          `${a.delivery}: answered ${a.outcome} before its messages were on the queue (round ${a.round})`,
        );
      }
    } else if (a.status === 503) {
      if (!a.retryAfter || !(Number(a.retryAfter) > 0)) violations.push(`${a.delivery}: 503 without Retry-After`);
      const logged = o.logs.some(
        (l) => l.fields.requestId === a.requestId && l.fields.status === 503 && l.fields.reason,
      );
      if (!logged) violations.push(`${a.delivery}: 503 with no reason logged (request ${a.requestId})`);
    } else if (a.status !== 'crashed') {
      violations.push(`${a.delivery}: answered ${a.status} (round ${a.round})`);
    }
  }
  for (const l of o.logs) {
    if (l.message === 'unexpected error after verification') {
      violations.push(`unexpected error after verification: ${String(l.fields.error)}`);
    }
  }

  const deliveries = [...new Set(o.scenario.deliveries.map((d) => d.id))];
  for (const id of deliveries) {
    const accepted = o.answers.some((a) => a.delivery === id && ok(a));
    const givesUp = o.scenario.deliveries.find((d) => d.id === id)?.attempts !== undefined;
    if (!accepted && !givesUp) violations.push(`${id}: never answered 2xx, its sender retried ${MAX_ROUNDS} times`);
    const arns: string[] = [];
    for (const route of ROUTES) {
      const starts = o.starts.filter(
        (s) => s.stateMachineArn === route.target.arn && (s.input as { deliveryId?: string }).deliveryId === id,
      );
      if (starts.length > 1) violations.push(`${id}: route ${route.id} started ${starts.length} times`);
      if (accepted && starts.length === 0) violations.push(`${id}: answered 2xx but route ${route.id} never started`);
      arns.push(...starts.map((s) => s.executionArn));
    }
    const record = o.items.find((i) => String(i.sk).startsWith('d#') && i.deliveryId === id);
    // Started (its sender may have given up after a 503 while the queue did take it): recorded so.
    if (accepted || arns.length > 0) {
      if (!record) violations.push(`${id}: its history item is gone`);
      else {
        const executions = [...((record.executions as Set<string> | undefined) ?? [])].sort();
        if (record.status !== 'enqueued' || JSON.stringify(executions) !== JSON.stringify(arns.sort())) {
          violations.push(
            `${id}: history item ${String(record.status)} with executions ${executions.join(', ') || 'none'}, started ${arns.join(', ') || 'none'}`,
          );
        }
        // Answered 2xx: copies are duplicates. (Started after its sender gave up on a 503, the marker may
        // say failed: a copy would find the history item enqueued, and be a duplicate all the same.)
        const marker = o.items.find((i) => i.sk === `k#${String(record.idempotencyKey)}`);
        if (accepted && marker?.status !== 'queued') {
          violations.push(`${id}: dedup marker ${String(marker?.status)}, not queued`);
        }
      }
    }
  }
  for (const item of o.items) {
    if (item.status === 'pending')
      violations.push(`${String(item.sk).slice(0, 12)}… of ${String(item.deliveryId ?? 'a marker')}: still pending`);
  }
  if (o.leftOnQueues[0]) violations.push(`${o.leftOnQueues[0]} messages left on the queue`);
  if (o.leftOnQueues[1]) violations.push(`${o.leftOnQueues[1]} messages dead-lettered`);
  return violations;
}

function summarize(scenario: Scenario, answers: readonly Answer[], logs: Outcome['logs']): string {
  // A 503's reason, as the ingest logged it.
  const reasons = new Map<unknown, string>();
  for (const l of logs) if (l.fields.status === 503) reasons.set(l.fields.requestId, String(l.fields.reason));
  const lines = [`faults: ${JSON.stringify(scenario.faults)}${scenario.copyOnFault ? ', a copy on each fault' : ''}`];
  for (const d of scenario.deliveries) {
    const got = answers
      .filter((a) => a.delivery === d.id)
      .map((a) => {
        const why = a.outcome ?? reasons.get(a.requestId);
        return `r${a.round}:${a.status}${why ? ` ${why}` : ''}`;
      });
    const late =
      (d.lateCopyRound !== undefined ? `, a late copy in round ${d.lateCopyRound}` : '') +
      (d.attempts !== undefined ? `, ${d.attempts} attempt(s) per sender` : '');
    lines.push(
      `${d.id} (${d.size ?? 'small'}, ${d.copies ?? 1} cop${(d.copies ?? 1) === 1 ? 'y' : 'ies'}${late}): ${got.join(', ')}`,
    );
  }
  return lines.join('\n');
}

/** Runs the tasks, at most `concurrency` at a time, in order of start; the results in task order. */
export async function pool<T>(tasks: readonly (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  return results;
}

/** A failed run as text: the scenario, what each delivery was answered, what broke. */
export function describeFailure(name: string, result: RunResult): string {
  return `${name}\n${result.summary}\n  ${result.violations.join('\n  ')}`;
}
