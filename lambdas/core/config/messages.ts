import { sha256Hex } from '../digest';
import type { WorkflowTarget } from './webhook';

/**
 * What flows between the ingest function, the queue, the dispatcher, the workflows and the
 * history table (docs/ARCHITECTURE.md#contracts: queue messages, workflow input, history items).
 */

/** Where a payload or a raw body too large to travel inline is kept. */
export interface PayloadRef {
  readonly bucket: string;
  readonly key: string;
}

/** The input of every execution a webhook starts. Exactly one of `payload` and `payloadRef`. */
export interface WorkflowInput {
  readonly webhook: string;
  readonly deliveryId: string;
  readonly eventKey: string;
  readonly scope?: string;
  /** ISO-8601, when the gateway received the request. */
  readonly receivedAt: string;
  /** Lower-cased names; credentials replaced by `[redacted]`. */
  readonly headers: Readonly<Record<string, string>>;
  /** The request's input merged with the webhook's static payload. */
  readonly payload?: unknown;
  /** Where the payload object (JSON) is kept when the input would exceed Step Functions' limit. */
  readonly payloadRef?: PayloadRef;
  /** On a replay: the delivery id of the original. */
  readonly replayOf?: string;
}

/** The key of a history item. */
export interface HistoryKey {
  readonly pk: string;
  readonly sk: string;
}

/** Queue message: start `target` with `input`. */
export interface StartMessage {
  readonly kind: 'start';
  readonly routeId: string;
  readonly target: WorkflowTarget;
  readonly webhook: string;
  readonly idempotencyKey: string;
  readonly historyKey: HistoryKey;
  readonly input: WorkflowInput;
}

/**
 * Queue message: offer the event to the webhook's waiters (waitForWebhook states). Sent with the
 * route messages, in the same message group, whenever the webhook has waiters and the event was
 * transformed (routed or not).
 */
export interface WaitersMessage {
  readonly kind: 'waiters';
  readonly webhook: string;
  readonly idempotencyKey: string;
  readonly historyKey: HistoryKey;
  readonly input: WorkflowInput;
}

/** Every message the dispatcher handles, told apart by `kind`. */
export type QueueMessage = StartMessage | WaitersMessage;

/** Stands in for the route id in a waiters message's deduplication id (route ids never start with `#`). */
export const WAITERS_QUEUE_ID = '#waiters';

export const LIMITS = {
  /** Step Functions' largest execution input (UTF-8 bytes). */
  stepFunctionsInput: 256 * 1024,
  /** What the gateway allows an inline workflow input: the limit less room for the queue envelope. */
  inlineWorkflowInput: 248 * 1024,
  /** SQS's largest message, and the largest sum of a SendMessageBatch (we stay within the older 256 KiB). */
  queueBatchBytes: 256 * 1024,
  queueBatchEntries: 10,
  /** Lambda's 6 MB synchronous payload, less API Gateway's base64 encoding (4/3) and the event envelope. */
  defaultMaxBodySize: 4 * 1024 * 1024,
  /** Longer idempotency keys are replaced by their SHA-256 (a DynamoDB sort key holds at most 1 KiB). */
  idempotencyKeyBytes: 512,
  executionName: 80,
} as const;

/** Status of a history item. `pending` = recorded, not yet started by the dispatcher. */
export const DELIVERY_STATUSES = [
  'pending',
  'enqueued',
  'filtered',
  'unrouted',
  'transform_failed',
  'failed',
  'rejected',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** What the sender is told in a 2xx answer. */
export type AcceptStatus = 'accepted' | 'duplicate' | 'filtered' | 'unrouted' | 'transform_failed';

/** One history item as the handlers, the CLI and the local gateway see it (attribute names as stored). */
export interface DeliveryRecord {
  readonly webhook: string;
  readonly deliveryId?: string;
  readonly idempotencyKey?: string;
  readonly receivedAt: string;
  readonly status: DeliveryStatus;
  /** Why it was rejected, filtered, failed …: a reason code, then detail. */
  readonly reason?: string;
  /** The HTTP status answered, for rejections. */
  readonly httpStatus?: number;
  readonly eventKey?: string;
  readonly scope?: string;
  readonly routes?: readonly string[];
  readonly executions?: readonly string[];
  readonly sourceIp?: string;
  readonly userAgent?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly bodySize?: number;
  readonly bodySha256?: string;
  /** The raw body when it is at most the history body limit. */
  readonly body?: Uint8Array;
  /** Where the raw body is kept otherwise. */
  readonly bodyRef?: PayloadRef;
  readonly replayOf?: string;
  /** How many replays of this delivery were started. */
  readonly replays?: number;
  /** How many duplicates of this delivery were answered `duplicate`. */
  readonly duplicates?: number;
  /** The ingest attempt that wrote the item (random), so that attempts never update each other's. */
  readonly attempt?: string;
  /** Epoch seconds until which a `pending` item belongs to its ingest attempt (the ingest timeout). */
  readonly leaseUntil?: number;
  /** Epoch seconds; the item's TTL. */
  readonly expiresAt: number;
}

const NAME_UNSAFE = /[^A-Za-z0-9_-]+/g;

function sha256(...parts: string[]): string {
  // Length-prefixed, so ('a', 'bc') and ('ab', 'c') differ; one update call (each crosses into C++).
  let text = '';
  for (const p of parts) text += `${Buffer.byteLength(p)}:${p}`;
  return sha256Hex(text);
}

/**
 * Deterministic Step Functions execution name: a readable prefix from the webhook, the route and
 * the key, then 32 hex characters of SHA-256 over all three. At most 80 characters of [A-Za-z0-9_-],
 * so a redelivered message asks for the same name and Standard workflows start at most once.
 */
export function executionName(webhook: string, idempotencyKey: string, routeId: string): string {
  const hash = sha256('execution', webhook, idempotencyKey, routeId).slice(0, 32);
  const readable = [webhook, routeId, idempotencyKey]
    .map((p) => p.replace(NAME_UNSAFE, '_'))
    .join('-')
    .slice(0, LIMITS.executionName - hash.length - 1)
    .replace(/[-_]+$/, '');
  return readable === '' ? hash : `${readable}-${hash}`;
}

/** SQS FIFO MessageDeduplicationId for one route of one delivery (64 hex characters). */
export function queueDeduplicationId(webhook: string, idempotencyKey: string, routeId: string): string {
  return sha256('queue', webhook, idempotencyKey, routeId);
}

const GROUP_SAFE = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]+$/;
const GROUP_ID_LENGTH = 128;

/** SQS FIFO MessageGroupId: `<webhook>:<groupBy>`, or its hash when too long or not ASCII punctuation. */
export function queueGroupId(webhook: string, groupBy: string): string {
  const id = `${webhook}:${groupBy}`;
  if (id.length <= GROUP_ID_LENGTH && GROUP_SAFE.test(id)) return id;
  // A 64-character webhook name leaves room for 63 hex characters of the hash.
  return `${webhook}:${sha256('group', groupBy)}`.slice(0, GROUP_ID_LENGTH);
}

/** The idempotency key as stored: itself, or `sha256:<hex>` when longer than the limit. */
export function normalizeIdempotencyKey(key: string): string {
  return Buffer.byteLength(key) <= LIMITS.idempotencyKeyBytes ? key : `sha256:${sha256('key', key)}`;
}

/** Delivery id (and idempotency key) of the n-th replay of a delivery. */
export function replayDeliveryId(original: string, n: number): string {
  return `${original}#replay-${n}`;
}

/**
 * Object keys in the payload bucket, one folder per webhook, one object per delivery and content:
 * the objects are written alongside the dedup write, so a duplicate that carries other content
 * must not replace the original's.
 */
export const PAYLOAD_KEYS = {
  payload: (webhook: string, idempotencyKey: string, contentSha256: string) =>
    `payloads/${webhook}/${sha256('key', idempotencyKey, contentSha256)}.json`,
  body: (webhook: string, idempotencyKey: string, contentSha256: string) =>
    `bodies/${webhook}/${sha256('key', idempotencyKey, contentSha256)}`,
} as const;
