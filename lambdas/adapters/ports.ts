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

/** One ingest attempt's claim on a delivery: its history item and its dedup marker. */
export interface DeliveryClaim {
  /** The history item, with its `attempt`, `leaseUntil` and history TTL (`expiresAt`). */
  readonly record: DeliveryRecord & {
    readonly idempotencyKey: string;
    readonly attempt: string;
    readonly leaseUntil: number;
  };
  /** `pending` when messages are to be sent, `settled` when the delivery needs none (filtered, …). */
  readonly markerStatus: 'pending' | 'settled';
  /** The marker's TTL (epoch seconds): at least the history's, so replay protection outlives bodies. */
  readonly markerExpiresAt: number;
}

export type ClaimResult =
  /** This attempt holds the delivery: send its messages. */
  | { readonly claimed: true; readonly warnings?: readonly string[] }
  /**
   * Another attempt holds or held the key. `previousStatus` (its marker's, or its history item's):
   * `queued`, `settled`, `enqueued`, … a duplicate; `pending` still under way (within its lease);
   * `failed` if that attempt failed while this one was claiming.
   */
  | {
      readonly claimed: false;
      readonly previousStatus?: string;
      /**
       * The other attempt sent its messages but no execution started from them yet, and its send may
       * have failed: this copy is a duplicate once its own messages (same deduplication ids) are sent.
       */
      readonly resend?: true;
      readonly warnings?: readonly string[];
    };

/** An ingest attempt's hold on a delivery: only the attempt that wrote the items may change them. */
export interface AttemptRef {
  readonly webhook: string;
  readonly idempotencyKey: string;
  readonly attempt: string;
  /** The history item's TTL (epoch seconds), also that of a `failed` tombstone markFailed may leave. */
  readonly expiresAt: number;
}

/** What markEnqueued found: the ARN was new to the item, already recorded, or the item is gone. */
export type EnqueueMark = 'added' | 'present' | 'missing';

export interface HistoryStore {
  /**
   * The dedup decision: writes the history item and the dedup marker (in parallel) unless a live
   * delivery with the key exists. Retryable: no record, an expired one, a `failed` one, or a `pending`
   * one whose lease ran out without its messages being queued. Concurrent copies: exactly one claims it.
   */
  claim(claim: DeliveryClaim): Promise<ClaimResult>;
  /** The attempt sends its messages (alongside the send): its marker is no longer retryable. */
  markQueued(ref: AttemptRef): Promise<void>;
  /** The dispatcher started a message of the delivery: its copies are plain duplicates from now on. */
  markDispatched(webhook: string, idempotencyKey: string): Promise<void>;
  /** The attempt's enqueue or payload write failed: marker and item become `failed` (retryable); an `enqueued` item is kept. */
  markFailed(ref: AttemptRef, reason: string): Promise<void>;
  countDuplicate(key: HistoryKey): Promise<void>;
  /** A sampled rejection (sort key `r#…`). */
  putRejection(record: DeliveryRecord): Promise<void>;
  /** The dispatcher started (or found) an execution: status `enqueued`, the ARN added. */
  markEnqueued(key: HistoryKey, executionArn: string): Promise<EnqueueMark>;
  getDelivery(webhook: string, deliveryId: string): Promise<DeliveryRecord | undefined>;
  /** Atomically counts one more replay of the delivery and returns the count. */
  nextReplayNumber(key: HistoryKey): Promise<number>;
}

/** A marker whose ingest attempt held it past its lease, as the sweeper finds it. */
export interface StaleMarker {
  readonly webhook: string;
  readonly idempotencyKey: string;
}

/** What the sweeper did with one stale marker. */
export type SweepOutcome = 'failed' | 'queued' | 'settled' | 'cleared' | 'skipped';

/** The sweeper's view of the history table. */
export interface PendingSweep {
  /**
   * Markers still `pending`, or `failed` and not yet cleared, whose lease ended before `before`
   * (epoch seconds), from every shard.
   */
  stalePending(before: number): Promise<StaleMarker[]>;
  /**
   * Settles one: `queued` when its delivery was started meanwhile (its history item is `enqueued`),
   * `settled` when the item says it needed no message, else marker and pending item `failed` (reason
   * `ingest_interrupted`), so that a retry is handled as new. A `failed` marker: its history item
   * failed if still pending (`failed`), then the marker leaves the index (`cleared`). `skipped`
   * when the marker changed meanwhile or a lease is still running.
   */
  settle(marker: StaleMarker, now: number): Promise<SweepOutcome>;
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
