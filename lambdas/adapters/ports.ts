import type { DeliveryRecord, HistoryKey, PayloadRef, QueueMessage } from '../core/config/messages';
import type { SecretMaterial } from '../core/config/secret';
import type { RateWindow, RouteConfig, SecretLocation, WebhookConfig, WorkflowTarget } from '../core/config/webhook';
import type { METRICS } from '../core/config/environment';
import type { OfferedEvent, Waiter } from '../core/waiters/model';

/**
 * The I/O the handlers need, as small ports: AWS adapters in this folder implement them with the
 * SDK; the local gateway and the tests swap in others.
 */

export interface LoadedWebhook {
  readonly config: WebhookConfig;
  /** Routes that can match this webhook's events (no `webhook` filter, or this webhook). */
  readonly routes: readonly RouteConfig[];
  /** When the first authentic request arrived, if one did. */
  readonly verifiedAt?: string;
}

export interface ConfigStore {
  /** The webhook and its routes, or undefined for an unknown webhook. Cached briefly. */
  load(name: string): Promise<LoadedWebhook | undefined>;
  /** Records the first authentic request (`verifiedAt`); later calls keep the first time. */
  markVerified(name: string, at: Date): Promise<void>;
}

export interface SecretStore {
  /** The secret's material; empty material when the secret has no value yet. */
  get(location: SecretLocation, owner: { readonly webhook: string; readonly ref: string }): Promise<SecretMaterial>;
}

export type PutDeliveryResult =
  | { readonly written: true }
  /** A live record that is not `pending` or `failed` exists: this request is a duplicate. */
  | { readonly written: false; readonly existing?: Partial<DeliveryRecord> };

export interface HistoryStore {
  /** The dedup write: creates the record unless a live, settled one exists. */
  putDelivery(record: DeliveryRecord): Promise<PutDeliveryResult>;
  /** A record whose enqueue or payload write failed becomes `failed` (retryable); an `enqueued` one is kept. */
  markFailed(key: HistoryKey, reason: string): Promise<void>;
  countDuplicate(key: HistoryKey): Promise<void>;
  /** A sampled rejection (sort key `r#…`). */
  putRejection(record: DeliveryRecord): Promise<void>;
  /** The dispatcher started (or found) an execution: status `enqueued`, the ARN added. */
  markEnqueued(key: HistoryKey, executionArn: string): Promise<void>;
  getDelivery(webhook: string, deliveryId: string): Promise<DeliveryRecord | undefined>;
  /** Atomically counts one more replay of the delivery and returns the count. */
  nextReplayNumber(key: HistoryKey): Promise<number>;
}

export interface QueueEntry {
  readonly groupId: string;
  readonly deduplicationId: string;
  readonly message: QueueMessage;
}

export interface Queue {
  /** Sends every entry or throws; batches that are sent run in parallel. */
  send(entries: readonly QueueEntry[]): Promise<void>;
}

export interface PayloadStore {
  /** The bucket every ref of this store names (known before a put finishes). */
  readonly bucket: string;
  put(key: string, body: Uint8Array | string, contentType: string): Promise<PayloadRef>;
  get(ref: PayloadRef): Promise<Buffer>;
}

export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

export interface RateWindows {
  /** Counts one request in every window; refused when a window is full. */
  hit(webhook: string, windows: readonly RateWindow[], now: Date): Promise<RateDecision>;
}

export interface StartedExecution {
  readonly executionArn: string;
  /** True when an execution of that name already existed (a redelivery). */
  readonly alreadyStarted: boolean;
}

export interface WorkflowStarter {
  start(target: WorkflowTarget, name: string, input: string): Promise<StartedExecution>;
}

export interface WaiterStore {
  register(waiter: Waiter): Promise<void>;
  /** Every waiter that may wait for events with this key: the key's own, and the webhook's patterns. Strongly consistent. */
  waitersFor(webhook: string, eventKey: string): Promise<Waiter[]>;
  /** Keeps the event for look-back, until `expiresAt` (epoch seconds). Idempotent. */
  recordEvent(offered: OfferedEvent, expiresAt: number): Promise<void>;
  /**
   * Recorded events of the webhook whose key matches `eventKey` (exact or pattern), accepted at or
   * after `since`, oldest first. Strongly consistent.
   */
  recentEvents(webhook: string, eventKey: string, since: Date): Promise<OfferedEvent[]>;
  /**
   * Claims the waiter for `claimant`: true when it was free (or already this claimant's), not
   * removed and not expired at `now`.
   */
  claim(waiter: Waiter, claimant: string, now: Date): Promise<boolean>;
  /** Removes a waiter `claimant` holds (it was resumed, or its task is gone). */
  remove(waiter: Waiter, claimant: string): Promise<void>;
}

/** What resuming waiters needs, besides history and telemetry. */
export interface WaiterPorts {
  readonly store: WaiterStore;
  readonly tasks: TaskTokens;
  /** Reads payloadRef objects, so that `match` sees the payload of a large event too. */
  readonly payloads: Pick<PayloadStore, 'get'>;
  readonly clock: Clock;
}

/** How a task token was answered: `gone` when the task no longer waits (timed out, stopped, already answered). */
export type TaskAnswer = 'resumed' | 'gone';

/** Step Functions' task-token callbacks. */
export interface TaskTokens {
  succeed(taskToken: string, output: string): Promise<TaskAnswer>;
  fail(taskToken: string, error: string, cause: string): Promise<TaskAnswer>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export type LogFields = Record<string, unknown>;

export interface Log {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export type MetricName = (typeof METRICS)[Exclude<keyof typeof METRICS, 'namespace' | 'dimensions'>];

export interface Counters {
  /** Adds to a count metric; `reason` adds the Reason dimension as a second dimension set. */
  count(metric: MetricName, value?: number, reason?: string): void;
  /** Writes the metrics of this invocation. */
  flush(): void;
}

export interface Telemetry {
  readonly log: Log;
  readonly metrics: Counters;
}
