import { createHash } from 'node:crypto';
import { METRICS } from '../core/config/environment';
import {
  LIMITS,
  normalizeIdempotencyKey,
  PAYLOAD_KEYS,
  queueDeduplicationId,
  queueGroupId,
  replayDeliveryId,
  WAITERS_QUEUE_ID,
  type AcceptStatus,
  type DeliveryRecord,
  type DeliveryStatus,
  type PayloadRef,
  type WorkflowInput,
} from '../core/config/messages';
import { HISTORY_ITEMS } from '../core/config/tables';
import type { RouteConfig, WebhookConfig } from '../core/config/webhook';
import { compileRoutes, compileWebhook, matchRoutes, transformEvent } from '../core/events';
import type { HttpHeaders } from '../core/http/headers';
import { sensitiveHeaders } from '../core/verify';
import type {
  Clock,
  ConfigStore,
  HistoryStore,
  LoadedWebhook,
  PayloadStore,
  Queue,
  QueueEntry,
  RateWindows,
  SecretStore,
  Telemetry,
} from '../adapters/ports';

export interface IngestSettings {
  readonly historyRetentionDays: number;
  /** Largest raw body kept inline in a history item; larger ones go to the payload store. */
  readonly historyBodyLimit: number;
  /** A ceiling over every webhook's maxBodySize, checked before anything else. */
  readonly maxBodySize: number;
}

export interface IngestDeps {
  readonly config: ConfigStore;
  readonly secrets: SecretStore;
  readonly history: HistoryStore;
  readonly queue: Queue;
  readonly payloads: PayloadStore;
  readonly rateWindows: RateWindows;
  readonly clock: Clock;
  readonly telemetry: Telemetry;
  readonly settings: IngestSettings;
}

/** A dependency (DynamoDB, SQS, S3, Secrets Manager) failed: the sender gets 503 and retries. */
export class DependencyError extends Error {
  constructor(
    readonly dependency: 'config' | 'secrets' | 'history' | 'payloads' | 'queue' | 'rate_windows',
    options: { cause: unknown },
  ) {
    super(`${dependency} failed: ${describeError(options.cause)}`, options);
    this.name = 'DependencyError';
  }
}

/** A verified (or replayed) request, parsed, ready to become an event. */
export interface Delivery {
  readonly webhook: LoadedWebhook;
  readonly headers: HttpHeaders;
  readonly query: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** The parsed body: CEL's `input`. */
  readonly input: unknown;
  readonly deliveryId: string;
  readonly receivedAt: Date;
  readonly sourceIp?: string;
  readonly userAgent?: string;
  /** A replay: the original record and the replay's number. */
  readonly replay?: { readonly of: DeliveryRecord; readonly n: number };
  /** Work that runs alongside the dedup write (marking the webhook verified); must not reject. */
  readonly sideWork?: Promise<void>;
}

export interface DeliveryOutcome {
  readonly deliveryId: string;
  readonly status: AcceptStatus;
  readonly record: DeliveryRecord;
}

const HISTORY_INLINE_CEILING = 256 * 1024; // a DynamoDB item holds 400 KB in all

/**
 * CEL → route → dedup write (with any payload-store writes alongside) → queue send. At most two
 * sequential round trips; nothing is answered `accepted` before the queue took every message.
 * Throws DependencyError when a dependency fails.
 */
export async function processDelivery(deps: IngestDeps, delivery: Delivery): Promise<DeliveryOutcome> {
  const { config } = delivery.webhook;
  const headers = redactHeaders(delivery.headers, config);
  const event = toEvent(delivery);
  const idempotencyKey = delivery.replay
    ? replayDeliveryId(normalizeIdempotencyKey(event.idempotencyKey), delivery.replay.n)
    : normalizeIdempotencyKey(event.idempotencyKey);
  const deliveryId = delivery.replay
    ? replayDeliveryId(delivery.replay.of.deliveryId!, delivery.replay.n)
    : delivery.deliveryId;
  const historyKey = HISTORY_ITEMS.delivery(config.name, idempotencyKey);
  const writes: Promise<unknown>[] = [];

  const bodySha256 = sha256Hex(delivery.body);
  const bodyRef = storedBodyRef(deps, delivery, { idempotencyKey, bodySha256 }, writes);
  const record: DeliveryRecord = {
    webhook: config.name,
    deliveryId,
    idempotencyKey,
    receivedAt: delivery.receivedAt.toISOString(),
    status: event.status,
    ...(event.reason !== undefined && { reason: event.reason }),
    ...(event.eventKey !== undefined && { eventKey: event.eventKey }),
    ...(event.scope !== undefined && { scope: event.scope }),
    routes: event.routes.map((r) => r.id),
    ...(delivery.sourceIp !== undefined && { sourceIp: delivery.sourceIp }),
    ...(delivery.userAgent !== undefined && { userAgent: delivery.userAgent }),
    headers,
    bodySize: delivery.body.length,
    bodySha256,
    ...(bodyRef ? { bodyRef } : { body: delivery.body }),
    ...(delivery.replay && { replayOf: delivery.replay.of.deliveryId }),
    expiresAt:
      Math.floor(delivery.receivedAt.getTime() / 1000) + Math.round(deps.settings.historyRetentionDays * 86400),
  };

  // An event offered to waiters travels with the route messages (same batch, same group), routed or not.
  const toWaiters = config.hasWaiters === true && (event.status === 'pending' || event.status === 'unrouted');
  let entries: QueueEntry[] = [];
  if (event.status === 'pending' || toWaiters) {
    const input = workflowInput(deps, { ...event, deliveryId, idempotencyKey, config, headers, delivery }, writes);
    const groupId = queueGroupId(config.name, event.groupBy);
    entries = event.routes.map((route) => ({
      groupId,
      deduplicationId: queueDeduplicationId(config.name, idempotencyKey, route.id),
      message: {
        kind: 'start',
        routeId: route.id,
        target: route.target,
        webhook: config.name,
        idempotencyKey,
        historyKey,
        input,
      },
    }));
    if (toWaiters) {
      entries.push({
        groupId,
        deduplicationId: queueDeduplicationId(config.name, idempotencyKey, WAITERS_QUEUE_ID),
        message: { kind: 'waiters', webhook: config.name, idempotencyKey, historyKey, input },
      });
    }
  }

  // Round trip 1: the dedup write, with the payload-store writes and side work alongside.
  const [put, ...others] = await Promise.allSettled([deps.history.putDelivery(record), ...writes, delivery.sideWork]);
  if (put.status === 'rejected') throw new DependencyError('history', { cause: put.reason });
  const failedWrite = others.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!put.value.written) {
    await deps.history.countDuplicate(historyKey).catch((error: unknown) => warn(deps, 'duplicate not counted', error));
    deps.telemetry.metrics.count(METRICS.duplicate);
    log(deps, record, 'duplicate', put.value.existing?.status);
    return { deliveryId, status: 'duplicate', record };
  }
  if (failedWrite) {
    await deps.history
      .markFailed(historyKey, 'payload_store_failed')
      .catch((e: unknown) => warn(deps, 'history not updated', e));
    throw new DependencyError('payloads', { cause: failedWrite.reason });
  }

  if (event.status !== 'pending' && !toWaiters) {
    deps.telemetry.metrics.count(STATUS_METRICS[event.status]);
    log(deps, record, event.status);
    return { deliveryId, status: event.status, record };
  }

  // Round trip 2: every route's message (and the waiters'); the 2xx waits for it.
  try {
    await deps.queue.send(entries);
  } catch (error) {
    await deps.history
      .markFailed(historyKey, 'enqueue_failed')
      .catch((e: unknown) => warn(deps, 'history not updated', e));
    throw new DependencyError('queue', { cause: error });
  }
  // Unrouted, only offered to waiters: still `unrouted` (the record turns `enqueued` once a waiter resumes).
  const status = event.status === 'pending' ? 'accepted' : 'unrouted';
  deps.telemetry.metrics.count(status === 'accepted' ? METRICS.routed : METRICS.unrouted);
  deps.telemetry.metrics.count(METRICS.enqueued, entries.length);
  log(deps, record, status);
  return { deliveryId, status, record };
}

const STATUS_METRICS = {
  filtered: METRICS.filtered,
  unrouted: METRICS.unrouted,
  transform_failed: METRICS.transformFailed,
} as const;

interface EventResult {
  readonly status: Extract<DeliveryStatus, 'pending' | 'filtered' | 'unrouted' | 'transform_failed'>;
  readonly reason?: string;
  readonly eventKey?: string;
  readonly scope?: string;
  readonly payload?: unknown;
  readonly idempotencyKey: string;
  readonly groupBy: string;
  readonly routes: readonly RouteConfig[];
}

function toEvent(delivery: Delivery): EventResult {
  const { config, routes } = delivery.webhook;
  const original = delivery.replay?.of.deliveryId ?? delivery.deliveryId;
  const fallback = { idempotencyKey: original, groupBy: original, routes: [] };
  const cel = { headers: delivery.headers.toRecord(), query: delivery.query };
  try {
    const t = transformEvent(compileWebhook(config), { input: delivery.input, ...cel, deliveryId: original });
    if (t.status === 'filtered') return { status: 'filtered', ...fallback };
    if (t.status === 'transform_failed') {
      return { status: 'transform_failed', reason: `${t.expression}: ${t.error}`, ...keyAndScope(t), ...fallback };
    }
    const base = { ...keyAndScope(t), payload: t.payload, idempotencyKey: t.idempotencyKey, groupBy: t.groupBy };
    const routing = matchRoutes(compileRoutes(routes), {
      webhook: config.name,
      eventKey: t.eventKey,
      ...(t.scope !== undefined && { scope: t.scope }),
      payload: t.payload,
      ...cel,
    });
    if (routing.status === 'routed') return { status: 'pending', ...base, routes: routing.routes };
    if (routing.status === 'unrouted') return { status: 'unrouted', ...base, routes: [] };
    return { status: 'transform_failed', reason: `${routing.expression}: ${routing.error}`, ...base, routes: [] };
  } catch (error) {
    // An expression that does not compile (synth checks them, so a deployment bug): keep the body for a replay.
    return { status: 'transform_failed', reason: describeError(error), ...fallback };
  }
}

function keyAndScope(t: { eventKey?: string; scope?: string }): { eventKey?: string; scope?: string } {
  return {
    ...(t.eventKey !== undefined && { eventKey: t.eventKey }),
    ...(t.scope !== undefined && { scope: t.scope }),
  };
}

/** Where the raw body is kept when too large to stay inline (a replay points at the original's). */
function storedBodyRef(
  deps: IngestDeps,
  delivery: Delivery,
  { idempotencyKey, bodySha256 }: { idempotencyKey: string; bodySha256: string },
  writes: Promise<unknown>[],
): PayloadRef | undefined {
  if (delivery.replay?.of.bodyRef) return delivery.replay.of.bodyRef;
  if (delivery.body.length <= Math.min(deps.settings.historyBodyLimit, HISTORY_INLINE_CEILING)) return undefined;
  const key = PAYLOAD_KEYS.body(delivery.webhook.config.name, idempotencyKey, bodySha256);
  writes.push(
    deps.payloads.put(key, delivery.body, delivery.headers.get('content-type') ?? 'application/octet-stream'),
  );
  return { bucket: deps.payloads.bucket, key };
}

function workflowInput(
  deps: IngestDeps,
  e: EventResult & {
    deliveryId: string;
    idempotencyKey: string;
    config: WebhookConfig;
    headers: Record<string, string>;
    delivery: Delivery;
  },
  writes: Promise<unknown>[],
): WorkflowInput {
  const base = {
    webhook: e.config.name,
    deliveryId: e.deliveryId,
    eventKey: e.eventKey!,
    ...(e.scope !== undefined && { scope: e.scope }),
    receivedAt: e.delivery.receivedAt.toISOString(),
    headers: e.headers,
    ...(e.delivery.replay && { replayOf: e.delivery.replay.of.deliveryId }),
  };
  const inline: WorkflowInput = { ...base, payload: e.payload };
  if (Buffer.byteLength(JSON.stringify(inline)) <= LIMITS.inlineWorkflowInput) return inline;
  const json = JSON.stringify(e.payload);
  const key = PAYLOAD_KEYS.payload(e.config.name, e.idempotencyKey, sha256Hex(json));
  writes.push(deps.payloads.put(key, json, 'application/json'));
  return { ...base, payloadRef: { bucket: deps.payloads.bucket, key } };
}

/** Lower-cased headers with every credential-bearing value replaced by `[redacted]`. */
export function redactHeaders(headers: HttpHeaders, config: WebhookConfig): Record<string, string> {
  const record = headers.toRecord();
  for (const name of sensitiveHeaders(config.verifier)) if (name in record) record[name] = '[redacted]';
  return record;
}

function log(deps: IngestDeps, record: DeliveryRecord, outcome: string, previous?: string): void {
  deps.telemetry.log.info('delivery', {
    webhook: record.webhook,
    deliveryId: record.deliveryId,
    outcome,
    ...(previous !== undefined && { previousStatus: previous }),
    ...(record.reason !== undefined && { reason: record.reason }),
    ...(record.eventKey !== undefined && { eventKey: record.eventKey }),
    ...(record.scope !== undefined && { scope: record.scope }),
    routes: record.routes,
    ...(record.replayOf !== undefined && { replayOf: record.replayOf }),
  });
}

function warn(deps: IngestDeps, message: string, error: unknown): void {
  deps.telemetry.log.warn(message, { error: describeError(error) });
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
