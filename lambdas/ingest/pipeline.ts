import { randomId, sha256Hex } from '../core/digest';
import { isoTime } from '../core/iso-time';
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
import { loadRegexEngine, usesRegex } from '../core/cel/regex';
import { HISTORY_ITEMS } from '../core/config/tables';
import type { RouteConfig, WebhookConfig } from '../core/config/webhook';
import { compileRoutes, matchRoutes, type RoutableEvent } from '../core/events/routing';
import { compileWebhook, transformEvent } from '../core/events/transform';
import { isCredentialHeader } from '../core/http/credentials';
import { jsonByteLength, jsonByteLengthAtMost } from '../core/http/json';
import type { HttpHeaders } from '../core/http/headers';
import { sensitiveHeaders } from '../core/verify';
import type {
  AttemptRef,
  ClaimResult,
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
  /** How long a delivery's dedup marker lives (at least the history): the replay protection. */
  readonly dedupRetentionDays: number;
  /** The ingest function's timeout: a pending claim older than this is an attempt that died. */
  readonly ingestTimeoutSeconds: number;
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

/**
 * Another attempt at the same delivery holds it and has not queued its messages yet (its lease is
 * running), or failed while this copy was claiming it. The copy is answered 503 with Retry-After
 * rather than `duplicate`: should that attempt die or fail before queuing, the sender's retry is
 * what keeps the delivery from being lost.
 */
export class DeliveryInProgressError extends Error {
  constructor(readonly webhook: string) {
    super(`another attempt at this delivery of webhook "${webhook}" has not queued it yet`);
    this.name = 'DeliveryInProgressError';
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
  /** A proven bound on the UTF-8 length of `JSON.stringify(input)`, when the body parser gives one. */
  readonly inputJsonBytesAtMost?: number;
  /** The label: the provider's id as it shows it (an unsigned header too), else the dedup key. */
  readonly deliveryId: string;
  /** The verifier's dedup key, from signed bytes only: the default idempotency key (ignored for a replay). */
  readonly dedupKey: string;
  /** An unexpected error met after verification: the delivery is recorded as transform_failed with its body. */
  readonly failure?: string;
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
/** `,"payload":` added to an object's JSON text by one more member. */
const PAYLOAD_MEMBER_BYTES = ',"payload":'.length;

/** What a claim that lost found, when the delivery needs nothing more: its marker's or its history item's status. */
const HANDLED: ReadonlySet<string> = new Set([
  'queued',
  'settled',
  'enqueued',
  'filtered',
  'unrouted',
  'transform_failed',
]);

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What one delivery will write and send, decided before any I/O. */
interface Plan {
  readonly record: DeliveryRecord & {
    readonly idempotencyKey: string;
    readonly attempt: string;
    readonly leaseUntil: number;
  };
  readonly entries: readonly QueueEntry[];
  readonly status: EventResult['status'];
}

/**
 * CEL → route → claim (history item and dedup marker, with any payload-store writes alongside) →
 * queue send (the marker marked queued alongside). Two sequential round trips; nothing is answered
 * 2xx before the queue took every message of the delivery. A copy of a delivery is answered
 * `duplicate` and starts nothing: at once when the delivery was started or needed no message; when
 * it was sent but not yet started, once the copy's own messages, which the queue and the execution
 * names deduplicate, are on the queue (the first attempt's send may still fail). A copy whose first
 * attempt is still before its send throws DeliveryInProgressError. An unexpected error while
 * building the event is recorded as transform_failed, body kept. Throws only DependencyError and
 * DeliveryInProgressError.
 */
export async function processDelivery(deps: IngestDeps, delivery: Delivery): Promise<DeliveryOutcome> {
  if (!prepared.has(delivery.webhook)) {
    // A failed load is thrown as the dependency it is: the sender retries.
    if (usesRegex(expressionSources(delivery.webhook)))
      await loadRegexEngine().catch((cause: unknown) => Promise.reject(new DependencyError('config', { cause })));
    prepared.add(delivery.webhook);
  }
  const writes: Promise<unknown>[] = [];
  const plan = planDelivery(deps, delivery, writes);
  const { record } = plan;
  const ref: AttemptRef = {
    webhook: record.webhook,
    idempotencyKey: record.idempotencyKey,
    attempt: record.attempt,
    expiresAt: record.expiresAt,
  };
  const markerExpiresAt = Math.max(record.expiresAt, expiry(delivery.receivedAt, deps.settings.dedupRetentionDays));

  // Round trip 1: the claim, with the payload-store writes and side work alongside.
  const claim = deps.history.claim({
    record,
    markerStatus: plan.entries.length > 0 ? 'pending' : 'settled',
    markerExpiresAt,
  });
  let claimed: ClaimResult;
  let failedWrite: PromiseRejectedResult | undefined;
  if (writes.length === 0 && delivery.sideWork === undefined) {
    // Nothing alongside (a small body, a webhook already marked verified): no Promise.allSettled.
    try {
      claimed = await claim;
    } catch (cause) {
      throw new DependencyError('history', { cause });
    }
  } else {
    const [settled, ...others] = await Promise.allSettled([claim, ...writes, delivery.sideWork]);
    if (settled!.status === 'rejected') throw new DependencyError('history', { cause: settled!.reason });
    claimed = settled!.value;
    failedWrite = others.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  }
  for (const warning of claimed.warnings ?? []) deps.telemetry.log.warn(warning, { webhook: record.webhook });

  if (!claimed.claimed) {
    const { previousStatus, resend } = claimed;
    // A copy that lost the claim to an attempt still before its send, or to one that failed while
    // this copy was deciding (`failed`), is the sender's to retry: told `duplicate`, it would be dropped.
    if (!resend && !HANDLED.has(previousStatus ?? '')) throw new DeliveryInProgressError(record.webhook);
    if (resend && plan.entries.length > 0) {
      // Round trip 2: this copy's own messages. Only what this copy wrote is failed on error
      // (markFailed changes nothing another attempt holds).
      if (failedWrite) await failAttempt(deps, ref, 'payload_store_failed', 'payloads', failedWrite.reason);
      await deps.queue
        .send(plan.entries)
        .catch((error: unknown) => failAttempt(deps, ref, 'enqueue_failed', 'queue', error));
    }
    deps.telemetry.metrics.count(METRICS.duplicate);
    log(deps, record, 'duplicate', previousStatus);
    return { deliveryId: record.deliveryId!, status: 'duplicate', record };
  }
  if (failedWrite) await failAttempt(deps, ref, 'payload_store_failed', 'payloads', failedWrite.reason);

  if (plan.entries.length === 0) {
    const status = plan.status as keyof typeof STATUS_METRICS;
    deps.telemetry.metrics.count(STATUS_METRICS[status]);
    log(deps, record, status);
    return { deliveryId: record.deliveryId!, status, record };
  }

  // Round trip 2: every route's message (and the waiters'), the marker marked queued alongside; the
  // 2xx waits for the send. A failed send turns marker and history item failed before the 503. A
  // marker left queued by a failed send whose markFailed failed too is safe: copies send their own
  // messages before their 2xx, and the sweeper fails it once no message of it can be on the queue.
  const sent = deps.queue.send(plan.entries).then(succeeded, failed);
  const marked = deps.history.markQueued(ref).then(succeeded, failed);
  const sendFailure = await sent;
  const markFailure = await marked;
  if (sendFailure) await failAttempt(deps, ref, 'enqueue_failed', 'queue', sendFailure.reason);
  // Left pending, the marker tells copies to retry until the dispatcher or the lease settles it.
  if (markFailure) warn(deps, 'dedup marker not marked queued', markFailure.reason);
  // Unrouted, only offered to waiters: still `unrouted` (the record turns `enqueued` once a waiter resumes).
  const status = plan.status === 'pending' ? 'accepted' : 'unrouted';
  deps.telemetry.metrics.count(status === 'accepted' ? METRICS.routed : METRICS.unrouted);
  deps.telemetry.metrics.count(METRICS.enqueued, plan.entries.length);
  log(deps, record, status);
  return { deliveryId: record.deliveryId!, status, record };
}

// Both settled into values, rather than with Promise.allSettled, which costs several times more per call.
const succeeded = (): undefined => undefined;
const failed = (reason: unknown): { reason: unknown } => ({ reason });

/** This attempt's marker and history item marked failed (best effort), then the dependency's error. Not a closure: see Answers. */
async function failAttempt(
  deps: IngestDeps,
  ref: AttemptRef,
  reason: string,
  dependency: DependencyError['dependency'],
  cause: unknown,
): Promise<never> {
  await deps.history.markFailed(ref, reason).catch((e: unknown) => warn(deps, 'history not updated', e));
  throw new DependencyError(dependency, { cause });
}

/** Configs whose expressions have what they need loaded: the RE2 engine, when one may call matches(). */
const prepared = new WeakSet<LoadedWebhook>();

function* expressionSources({ config, routes }: LoadedWebhook): Iterable<string | undefined> {
  yield* Object.values(config.expressions);
  for (const route of routes) yield route.filter;
}

/** The record and messages; never throws: an unexpected error becomes a transform_failed record. */
function planDelivery(deps: IngestDeps, delivery: Delivery, writes: Promise<unknown>[]): Plan {
  const { config } = delivery.webhook;
  const headerRecord = delivery.headers.toRecord();
  const event = toEvent(delivery, headerRecord);
  const idempotencyKey = delivery.replay
    ? replayDeliveryId(normalizeIdempotencyKey(event.idempotencyKey), delivery.replay.n)
    : normalizeIdempotencyKey(event.idempotencyKey);
  const deliveryId = delivery.replay
    ? replayDeliveryId(delivery.replay.of.deliveryId!, delivery.replay.n)
    : delivery.deliveryId;
  // First, so that the body is kept whatever happens next.
  const bodyRef = storedBodyRef(deps, delivery, idempotencyKey, writes);
  const receivedAt = isoTime(delivery.receivedAt);
  const attempt = randomId();
  const leaseUntil = Math.ceil(delivery.receivedAt.getTime() / 1000 + deps.settings.ingestTimeoutSeconds);
  const expiresAt = expiry(delivery.receivedAt, deps.settings.historyRetentionDays);
  const common: RecordCommon = {
    delivery,
    deliveryId,
    idempotencyKey,
    receivedAt,
    bodyRef,
    attempt,
    leaseUntil,
    expiresAt,
  };

  try {
    const headers = redactRecord(headerRecord, config);
    const historyKey = HISTORY_ITEMS.delivery(config.name, idempotencyKey);
    // An event offered to waiters travels with the route messages (same batch, same group), routed or not.
    const toWaiters = config.hasWaiters === true && (event.status === 'pending' || event.status === 'unrouted');
    const entries: QueueEntry[] = [];
    if (event.status === 'pending' || toWaiters) {
      const input = workflowInput(
        deps,
        event,
        { deliveryId, idempotencyKey, receivedAt, config, headers, delivery },
        writes,
      );
      const groupId = queueGroupId(config.name, event.groupBy);
      for (const route of event.routes) {
        entries.push({
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
        });
      }
      if (toWaiters) {
        entries.push({
          groupId,
          deduplicationId: queueDeduplicationId(config.name, idempotencyKey, WAITERS_QUEUE_ID),
          message: { kind: 'waiters', webhook: config.name, idempotencyKey, historyKey, input },
        });
      }
    }
    return { record: recordOf(common, event, headers), entries, status: event.status };
  } catch (error) {
    // E.g. JSON.stringify of a very deeply nested payload (RangeError): record it, body kept for a replay.
    const failed: EventResult = {
      status: 'transform_failed',
      reason: `internal_error: ${describeError(error)}`,
      ...keyAndScope(event),
      idempotencyKey: event.idempotencyKey,
      groupBy: event.groupBy,
      routes: [],
    };
    return { record: recordOf(common, failed, safeHeaders(delivery, config)), entries: [], status: failed.status };
  }
}

/** What a delivery's record holds whatever its outcome. */
interface RecordCommon {
  readonly delivery: Delivery;
  readonly deliveryId: string;
  readonly idempotencyKey: string;
  readonly receivedAt: string;
  /** Where the body is kept when not inline, and its SHA-256 (an inline body's is derived from it when read). */
  readonly bodyRef: { readonly ref: PayloadRef; readonly sha256: string } | undefined;
  readonly attempt: string;
  readonly leaseUntil: number;
  readonly expiresAt: number;
}

/** The history record. Built by assignment: object spreads with conditional members cost microseconds per delivery. */
function recordOf(c: RecordCommon, e: EventResult, headers: Record<string, string>): Plan['record'] {
  const { delivery } = c;
  const item: Mutable<Plan['record']> = {
    webhook: delivery.webhook.config.name,
    deliveryId: c.deliveryId,
    idempotencyKey: c.idempotencyKey,
    receivedAt: c.receivedAt,
    bodySize: delivery.body.length,
    attempt: c.attempt,
    leaseUntil: c.leaseUntil,
    expiresAt: c.expiresAt,
    status: e.status,
    routes: e.routes.map((r) => r.id),
    headers,
  };
  if (delivery.sourceIp !== undefined) item.sourceIp = delivery.sourceIp;
  if (delivery.userAgent !== undefined) item.userAgent = delivery.userAgent;
  if (c.bodyRef) {
    item.bodyRef = c.bodyRef.ref;
    item.bodySha256 = c.bodyRef.sha256;
  } else item.body = delivery.body;
  if (delivery.replay) item.replayOf = delivery.replay.of.deliveryId;
  if (e.reason !== undefined) item.reason = e.reason;
  if (e.eventKey !== undefined) item.eventKey = e.eventKey;
  if (e.scope !== undefined) item.scope = e.scope;
  return item;
}

function expiry(receivedAt: Date, days: number): number {
  return Math.floor(receivedAt.getTime() / 1000) + Math.round(days * 86400);
}

/** Redacted headers, or none when even redacting failed (nothing unredacted is ever stored). */
function safeHeaders(delivery: Delivery, config: WebhookConfig): Record<string, string> {
  try {
    return redactHeaders(delivery.headers, config);
  } catch {
    return {};
  }
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

function toEvent(delivery: Delivery, headers: Readonly<Record<string, string>>): EventResult {
  const { config, routes } = delivery.webhook;
  // A replay keeps the original's key (its own is `<key>#replay-<n>`).
  const dedupKey = delivery.replay ? (delivery.replay.of.idempotencyKey ?? delivery.dedupKey) : delivery.dedupKey;
  const fallback = { idempotencyKey: dedupKey, groupBy: dedupKey, routes: [] };
  if (delivery.failure !== undefined) return { status: 'transform_failed', reason: delivery.failure, ...fallback };
  try {
    const t = transformEvent(compileWebhook(config), {
      input: delivery.input,
      headers,
      query: delivery.query,
      dedupKey,
    });
    if (t.status === 'filtered') return { status: 'filtered', ...fallback };
    if (t.status === 'transform_failed') {
      return { status: 'transform_failed', reason: `${t.expression}: ${t.error}`, ...keyAndScope(t), ...fallback };
    }
    // Built by assignment (spreads of conditional members cost microseconds per delivery).
    const routing = matchRoutes(compileRoutes(routes), routeRequest(config.name, t, headers, delivery.query));
    const result: Mutable<EventResult> = {
      status: 'pending',
      payload: t.payload,
      idempotencyKey: t.idempotencyKey,
      groupBy: t.groupBy,
      routes: [],
      eventKey: t.eventKey,
    };
    if (t.scope !== undefined) result.scope = t.scope;
    if (routing.status === 'routed') result.routes = routing.routes;
    else if (routing.status === 'unrouted') result.status = 'unrouted';
    else {
      result.status = 'transform_failed';
      result.reason = `${routing.expression}: ${routing.error}`;
    }
    return result;
  } catch (error) {
    // An expression that does not compile (synth checks them, so a deployment bug) or any other
    // unexpected error: keep the body for a replay.
    return { status: 'transform_failed', reason: describeError(error), ...fallback };
  }
}

function routeRequest(
  webhook: string,
  t: { eventKey: string; scope?: string; payload: unknown },
  headers: Readonly<Record<string, string>>,
  query: Readonly<Record<string, string>>,
): RoutableEvent {
  const request: Mutable<RoutableEvent> = {
    webhook,
    eventKey: t.eventKey,
    payload: t.payload,
    headers,
    query,
  };
  if (t.scope !== undefined) request.scope = t.scope;
  return request;
}

function keyAndScope(t: { eventKey?: string; scope?: string }): { eventKey?: string; scope?: string } {
  return {
    ...(t.eventKey !== undefined && { eventKey: t.eventKey }),
    ...(t.scope !== undefined && { scope: t.scope }),
  };
}

/**
 * Where the raw body is kept when too large to stay inline (a replay points at the original's), with
 * its SHA-256. An inline body is not hashed here: the history store derives its hash when read.
 */
function storedBodyRef(
  deps: IngestDeps,
  delivery: Delivery,
  idempotencyKey: string,
  writes: Promise<unknown>[],
): RecordCommon['bodyRef'] {
  const original = delivery.replay?.of.bodyRef;
  if (original) return { ref: original, sha256: delivery.replay!.of.bodySha256 ?? sha256Hex(delivery.body) };
  if (delivery.body.length <= Math.min(deps.settings.historyBodyLimit, HISTORY_INLINE_CEILING)) return undefined;
  const sha256 = sha256Hex(delivery.body);
  const key = PAYLOAD_KEYS.body(delivery.webhook.config.name, idempotencyKey, sha256);
  writes.push(
    deps.payloads.put(key, delivery.body, delivery.headers.get('content-type') ?? 'application/octet-stream'),
  );
  return { ref: { bucket: deps.payloads.bucket, key }, sha256 };
}

function workflowInput(
  deps: IngestDeps,
  e: EventResult,
  d: {
    deliveryId: string;
    idempotencyKey: string;
    receivedAt: string;
    config: WebhookConfig;
    headers: Record<string, string>;
    delivery: Delivery;
  },
  writes: Promise<unknown>[],
): WorkflowInput {
  const base: Mutable<WorkflowInput> = {
    webhook: d.config.name,
    deliveryId: d.deliveryId,
    eventKey: e.eventKey!,
    receivedAt: d.receivedAt,
    headers: d.headers,
  };
  if (e.scope !== undefined) base.scope = e.scope;
  if (d.delivery.replay) base.replayOf = d.delivery.replay.of.deliveryId;
  // Measured without building the text (the queue adapter builds it once, to send it); the body as
  // parsed, unchanged, is bounded by its parser, which is enough below the limit.
  const bound = e.payload === d.delivery.input ? d.delivery.inputJsonBytesAtMost : undefined;
  const fits =
    (bound !== undefined && jsonByteLengthAtMost(base)! + PAYLOAD_MEMBER_BYTES + bound <= LIMITS.inlineWorkflowInput) ||
    jsonByteLength(base)! + PAYLOAD_MEMBER_BYTES + (jsonByteLength(e.payload) ?? -PAYLOAD_MEMBER_BYTES) <=
      LIMITS.inlineWorkflowInput;
  if (fits) {
    base.payload = e.payload;
    return base;
  }
  const json = JSON.stringify(e.payload);
  const key = PAYLOAD_KEYS.payload(d.config.name, d.idempotencyKey, sha256Hex(json));
  writes.push(deps.payloads.put(key, json, 'application/json'));
  base.payloadRef = { bucket: deps.payloads.bucket, key };
  return base;
}

/**
 * Lower-cased headers with every credential-bearing value replaced by `[redacted]`: the webhook's
 * scheme's own (an API key under any name), and every well-known credential or signature header
 * (isCredentialHeader), which a misdirected sender may post to a webhook of another scheme.
 */
export function redactHeaders(headers: HttpHeaders, config: WebhookConfig): Record<string, string> {
  return redactRecord(headers.toRecord(), config);
}

/** A redacted copy of a lower-cased header record (redactHeaders). */
function redactRecord(record: Readonly<Record<string, string>>, config: WebhookConfig): Record<string, string> {
  let own = ownSensitive.get(config);
  if (own === undefined) ownSensitive.set(config, (own = new Set(sensitiveHeaders(config.verifier))));
  const out: Record<string, string> = {};
  for (const name in record) out[name] = own.has(name) || isCredentialHeader(name) ? '[redacted]' : record[name]!;
  return out;
}

/** Each config's own sensitive header names (the config objects stay the same while cached). */
const ownSensitive = new WeakMap<WebhookConfig, ReadonlySet<string>>();

/** One line per delivery. Built by assignment: spreads with conditional members cost microseconds. */
function log(deps: IngestDeps, record: DeliveryRecord, outcome: string, previous?: string): void {
  const line: Record<string, unknown> = { webhook: record.webhook, deliveryId: record.deliveryId, outcome };
  if (previous !== undefined) line.previousStatus = previous;
  if (record.reason !== undefined) line.reason = record.reason;
  if (record.eventKey !== undefined) line.eventKey = record.eventKey;
  if (record.scope !== undefined) line.scope = record.scope;
  line.routes = record.routes;
  if (record.replayOf !== undefined) line.replayOf = record.replayOf;
  deps.telemetry.log.info('delivery', line);
}

function warn(deps: IngestDeps, message: string, error: unknown): void {
  deps.telemetry.log.warn(message, { error: describeError(error) });
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
