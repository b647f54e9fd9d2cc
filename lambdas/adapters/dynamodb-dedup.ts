import { createHash } from 'node:crypto';
import {
  GetItemCommand,
  PutItemCommand,
  paginateQuery,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { conditionHeld, deleteIfOwner, incrementIfExists } from './dynamodb-conditions';
import type { HistoryKey } from '../core/config/messages';
import {
  HISTORY_ITEMS,
  HISTORY_PENDING_INDEX,
  QUEUE_RETENTION_SECONDS,
  TABLE_KEYS,
  type MarkerStatus,
} from '../core/config/tables';
import type { AttemptRef, ClaimResult, DeliveryClaim, PendingSweep, StaleMarker, SweepOutcome } from './ports';

/**
 * The dedup decision over two items of one delivery, written in parallel in one round trip (dynalite
 * has no transactions, and a transaction would double the write cost): the history item `d#<key>`,
 * which holds the body and expires with the history, and the small marker `k#<key>`, which lives for
 * the dedup retention. Each write is conditional, in named fragments (as Powertools' DynamoDB
 * persistence layer does): write when there is no item, when it outlived its TTL but DynamoDB has not
 * removed it yet, or when its attempt failed; the marker also when it is `pending` and its lease (the
 * ingest timeout) ran out without its messages being queued. Only the marker's lease says that: a
 * history item stays `pending` past its lease while its messages wait on the queue for the
 * dispatcher (its marker is `queued` then), so a late copy must not overwrite it.
 *
 * A delivery is claimed only when both writes succeed. When exactly one does, the attempt that won
 * the marker takes over a history item that a concurrent copy wrote or whose attempt died, and the
 * other copy answers duplicate: so of concurrent copies exactly one is claimed, and a copy of an old
 * delivery whose history expired (but whose marker lives) is a duplicate.
 */
export const RETRYABLE = {
  notExists: 'attribute_not_exists(#pk)',
  expired: '#expiresAt < :now',
  failed: '#status = :failed',
  // Items written before leases existed have none: their pending state is retryable, as it was.
  leaseOver: '(#status = :pending AND (attribute_not_exists(#leaseUntil) OR #leaseUntil < :now))',
} as const;
const MARKER_RETRYABLE = Object.values(RETRYABLE).join(' OR ');
// A failed item is another attempt's to write over; not the failed attempt's own (see markFailed).
const HISTORY_RETRYABLE = [
  RETRYABLE.notExists,
  RETRYABLE.expired,
  '(#status = :failed AND (attribute_not_exists(#attempt) OR #attempt <> :attempt))',
].join(' OR ');

/** Why a history item a copy wrote is failed when another attempt held the marker (see lostMarker). */
const CLAIM_LOST = 'claim_lost: another attempt held the delivery';

/** Why the sweeper fails a delivery's pending history item. */
const INTERRUPTED = 'ingest_interrupted: the ingest attempt ended before its messages were queued';
const NOT_STARTED =
  'not_started: no execution was started while its messages could wait on the queue (see the dead-letter queue)';

/** History statuses that end a delivery's handling: a claim finding one is a duplicate. */
const SETTLED_HISTORY = new Set(['enqueued', 'filtered', 'unrouted', 'transform_failed']);

const NAMES = {
  '#pk': TABLE_KEYS.partitionKey,
  '#status': 'status',
  '#expiresAt': TABLE_KEYS.ttl,
  '#leaseUntil': 'leaseUntil',
} as const;

/** The marker's shard in the pending index: spreads pending markers over partitions. */
export function pendingShard(webhook: string, idempotencyKey: string): string {
  const hash = createHash('sha256').update(webhook).update('\u0000').update(idempotencyKey).digest();
  return String(hash.readUInt32BE(0) % HISTORY_PENDING_INDEX.shards);
}

export class DedupTable {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async claim(claim: DeliveryClaim): Promise<ClaimResult> {
    const { record } = claim;
    const now = Math.floor(Date.parse(record.receivedAt) / 1000);
    const ref: AttemptRef = {
      webhook: record.webhook,
      idempotencyKey: record.idempotencyKey,
      attempt: record.attempt,
      expiresAt: record.expiresAt,
    };
    const [marker, history] = await Promise.allSettled([
      this.conditionalPut(this.markerItem(claim), MARKER_RETRYABLE, now),
      this.conditionalPut(historyItem(record), HISTORY_RETRYABLE, now),
    ]);
    const failure = [marker, history].find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      // Leave nothing this attempt wrote holding the key for its lease: a retry is handled as new.
      await this.markFailed(ref, 'history_write_failed').catch(() => undefined);
      throw failure.reason;
    }
    const markerWritten = (marker as PromiseFulfilledResult<boolean>).value;
    const historyWritten = (history as PromiseFulfilledResult<boolean>).value;
    if (markerWritten && historyWritten) return { claimed: true };
    if (!markerWritten) return this.lostMarker(ref, historyWritten);
    return this.lostHistory(claim, ref, now);
  }

  /**
   * Another attempt holds the marker: this one is not claimed. What it found decides the answer:
   * a `queued` marker still in the sweeper's index means that attempt marked its messages queued
   * alongside its send, and no execution has been started from them yet; the send may still be in
   * flight or may have failed, so this copy is told to send its own messages (`resend`: same
   * deduplication ids, so the queue and the execution names keep the delivery single) before it is
   * answered `duplicate`. A `queued` marker out of the index (the dispatcher started the delivery)
   * or a `settled` one is a plain duplicate; `pending` and `failed` are the sender's to retry.
   *
   * A history item this attempt wrote anyway (over a missing, expired or failed one) is never left
   * pending unless it is the delivery's record from now on: under a marker to resend for, it is (the
   * dispatcher marks it enqueued); under a dispatched or settled marker it is a stray (a delivery
   * whose history expired while its marker lives), removed; otherwise it is failed, so that the
   * marker's attempt writes its own over it if it needs one (lostHistory), and the record, body
   * included, stays should that attempt fail or die.
   */
  private async lostMarker(ref: AttemptRef, historyWritten: boolean): Promise<ClaimResult> {
    const key = HISTORY_ITEMS.delivery(ref.webhook, ref.idempotencyKey);
    const warnings: string[] = [];
    let current: Record<string, unknown> | undefined;
    try {
      [current] = await Promise.all([
        this.read(HISTORY_ITEMS.marker(ref.webhook, ref.idempotencyKey), [
          'status',
          'attempt',
          HISTORY_PENDING_INDEX.partitionKey,
        ]),
        historyWritten
          ? undefined
          : this.countDuplicate(key).catch((e: unknown) => warnings.push(`duplicate not counted: ${describe(e)}`)),
      ]);
    } catch (error) {
      // The marker unread: the item this attempt wrote is failed all the same, never left pending.
      if (historyWritten) await this.failOwnHistory(ref, CLAIM_LOST).catch(() => undefined);
      throw error;
    }
    const previousStatus = current?.status as string | undefined;
    const resend = previousStatus === 'queued' && current?.[HISTORY_PENDING_INDEX.partitionKey] !== undefined;
    if (historyWritten && !resend) {
      // Thrown on: the claim fails (503) rather than leave the item pending.
      if (previousStatus === 'queued' || previousStatus === 'settled')
        await deleteIfOwner(this.client, this.tableName, marshall(key), 'attempt', ref.attempt);
      else await this.failOwnHistory(ref, CLAIM_LOST);
    }
    return {
      claimed: false,
      ...(previousStatus !== undefined && { previousStatus }),
      ...(resend && { resend: true }),
      ...warn(warnings),
    };
  }

  /** This attempt holds the marker but the history item stayed another's. */
  private async lostHistory(claim: DeliveryClaim, ref: AttemptRef, now: number): Promise<ClaimResult> {
    const key = HISTORY_ITEMS.delivery(ref.webhook, ref.idempotencyKey);
    const current = await this.read(key, ['status', 'attempt']);
    const status = current?.status as string | undefined;
    if (status !== undefined && SETTLED_HISTORY.has(status)) {
      // Already handled (its marker had been lost or never written): a duplicate; the marker says so now.
      const warnings: string[] = [];
      await Promise.all([
        this.setMarker(ref, status === 'enqueued' ? 'queued' : 'settled').catch((e: unknown) =>
          warnings.push(`marker not settled: ${describe(e)}`),
        ),
        this.countDuplicate(key).catch((e: unknown) => warnings.push(`duplicate not counted: ${describe(e)}`)),
      ]);
      return { claimed: false, previousStatus: status, ...warn(warnings) };
    }
    // A concurrent copy that lost the marker wrote its pending item first, or the item's attempt died
    // (its marker's lease ran out, or it failed): take it over.
    const seen = current?.attempt as string | undefined;
    const taken = await this.conditionalPut(historyItem(claim.record), HISTORY_RETRYABLE, now, seen);
    if (taken) return { claimed: true };
    await this.markFailed(ref, 'history_contended').catch(() => undefined);
    throw new ClaimContendedError(key);
  }

  /**
   * The attempt sends its messages (this runs alongside the send): the marker stops being retryable
   * but stays in the sweeper's index, its lease now as long as a message can wait on the queue,
   * until the dispatcher starts the delivery (markDispatched). A marker the attempt no longer holds
   * as `pending` is left alone.
   */
  async markQueued(ref: AttemptRef): Promise<void> {
    await conditionHeld(
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(HISTORY_ITEMS.marker(ref.webhook, ref.idempotencyKey)),
          UpdateExpression: 'SET #status = :status, #leaseUntil = #leaseUntil + :retention',
          ConditionExpression: '#attempt = :attempt AND #status = :pending',
          ExpressionAttributeNames: { '#status': 'status', '#attempt': 'attempt', '#leaseUntil': 'leaseUntil' },
          ExpressionAttributeValues: marshall({
            ':status': 'queued',
            ':pending': 'pending',
            ':attempt': ref.attempt,
            ':retention': QUEUE_RETENTION_SECONDS,
          }),
        }),
      ),
    );
  }

  /**
   * The dispatcher started (or offered to waiters) a message of the delivery: its marker, pending or
   * queued under whichever attempt, is `queued` and leaves the sweeper's index; copies are plain
   * duplicates from now on. A failed or settled marker is left to the sweeper and the claims.
   */
  async markDispatched(webhook: string, idempotencyKey: string): Promise<void> {
    await conditionHeld(
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(HISTORY_ITEMS.marker(webhook, idempotencyKey)),
          UpdateExpression: 'SET #status = :status REMOVE #shard',
          ConditionExpression: '#status IN (:status, :pending)',
          ExpressionAttributeNames: { '#status': 'status', '#shard': HISTORY_PENDING_INDEX.partitionKey },
          ExpressionAttributeValues: marshall({ ':status': 'queued', ':pending': 'pending' }),
        }),
      ),
    );
  }

  /**
   * Marker and history item of the attempt become `failed` (an `enqueued` item is kept). A history
   * item that is not there (yet) becomes a `failed` tombstone of the attempt, with no body: its claim
   * write may still be on its way after a timeout, and landing later it would be a pending item with
   * a failed marker. The claim's condition keeps an attempt off its own tombstone, and lets any other
   * attempt write over it. The failed marker stays in the sweeper's index: once its lease is over,
   * the sweeper fails a history item still pending under it (a late write over another attempt's
   * failed item, a copy's item left pending), and takes it out.
   */
  async markFailed(ref: AttemptRef, reason: string): Promise<void> {
    // Both settle before this returns (the caller answers 503 next, and the sender may retry at once).
    const results = await Promise.allSettled([
      this.setMarker(ref, 'failed', { keepIndexed: true }),
      this.failOwnHistory(ref, reason),
    ]);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  }

  /** The attempt's history item becomes `failed` (see markFailed), or its tombstone if it is not there. */
  private async failOwnHistory(ref: AttemptRef, reason: string): Promise<void> {
    await conditionHeld(
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(HISTORY_ITEMS.delivery(ref.webhook, ref.idempotencyKey)),
          UpdateExpression:
            'SET #status = :failed, #reason = :reason, #attempt = :attempt, #expiresAt = if_not_exists(#expiresAt, :expiresAt)',
          ConditionExpression: 'attribute_not_exists(#pk) OR (#attempt = :attempt AND #status <> :enqueued)',
          ExpressionAttributeNames: {
            '#pk': TABLE_KEYS.partitionKey,
            '#status': 'status',
            '#reason': 'reason',
            '#attempt': 'attempt',
            '#expiresAt': TABLE_KEYS.ttl,
          },
          ExpressionAttributeValues: marshall({
            ':failed': 'failed',
            ':enqueued': 'enqueued',
            ':reason': reason,
            ':attempt': ref.attempt,
            ':expiresAt': ref.expiresAt,
          }),
        }),
      ),
    );
  }

  async countDuplicate(key: HistoryKey): Promise<void> {
    await incrementIfExists(this.client, this.tableName, marshall(key), 'duplicates');
  }

  /** Sets the status of the attempt's own marker; a marker another attempt took over is left alone. */
  private async setMarker(
    ref: AttemptRef,
    status: Exclude<MarkerStatus, 'pending'>,
    { keepIndexed = false } = {},
  ): Promise<void> {
    await conditionHeld(
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(HISTORY_ITEMS.marker(ref.webhook, ref.idempotencyKey)),
          UpdateExpression: keepIndexed ? 'SET #status = :status' : 'SET #status = :status REMOVE #shard',
          ConditionExpression: '#attempt = :attempt',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#attempt': 'attempt',
            ...(!keepIndexed && { '#shard': HISTORY_PENDING_INDEX.partitionKey }),
          },
          ExpressionAttributeValues: marshall({ ':status': status, ':attempt': ref.attempt }),
        }),
      ),
    );
  }

  private markerItem(claim: DeliveryClaim): Record<string, AttributeValue> {
    const { record } = claim;
    return marshall({
      ...HISTORY_ITEMS.marker(record.webhook, record.idempotencyKey),
      status: claim.markerStatus,
      attempt: record.attempt,
      leaseUntil: record.leaseUntil,
      expiresAt: claim.markerExpiresAt,
      // Only pending markers are in the sweeper's sparse index.
      ...(claim.markerStatus === 'pending' && {
        [HISTORY_PENDING_INDEX.partitionKey]: pendingShard(record.webhook, record.idempotencyKey),
      }),
    });
  }

  /**
   * Puts the item when `retryable` holds for the key (or, with `takeOver`, it is still the pending
   * item of that attempt); false when the condition failed.
   */
  private async conditionalPut(
    item: Record<string, AttributeValue>,
    retryable: string,
    now: number,
    takeOver?: string,
  ): Promise<boolean> {
    const condition = takeOver === undefined ? retryable : `${retryable} OR (#status = :pending AND #attempt = :seen)`;
    const names: Record<string, string> = { ...NAMES, '#attempt': 'attempt' };
    const values: Record<string, AttributeValue> = {
      ':pending': { S: 'pending' },
      ':failed': { S: 'failed' },
      ':now': { N: String(now) },
      ':attempt': item.attempt!,
      ...(takeOver !== undefined && { ':seen': { S: takeOver } }),
    };
    // DynamoDB refuses names and values that the expression does not use.
    const used = <V>(entries: Record<string, V>) =>
      Object.fromEntries(Object.entries(entries).filter(([placeholder]) => condition.includes(placeholder)));
    return conditionHeld(
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: condition,
          ExpressionAttributeNames: used(names),
          ExpressionAttributeValues: used(values),
        }),
      ),
    );
  }

  /** A strongly consistent read of a few attributes (never a history item's body). */
  async read(key: HistoryKey, attributes = ['status', 'attempt']): Promise<Record<string, unknown> | undefined> {
    const got = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall(key),
        ConsistentRead: true,
        ProjectionExpression: attributes.map((_, i) => `#a${i}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(attributes.map((a, i) => [`#a${i}`, a])),
      }),
    );
    return got.Item ? unmarshall(got.Item) : undefined;
  }
}

/** Stale markers are read page by page, at most this many per shard and run (the next run continues). */
const SWEEP_LIMIT_PER_SHARD = 500;

/**
 * The sweeper's side: pending markers whose lease ran out, found through the sparse, sharded
 * pending index (keys only) rather than a scan, then settled one by one with conditional updates
 * (a marker an ingest attempt or the dispatcher changed meanwhile is left alone).
 */
export class DynamoDbPendingSweep implements PendingSweep {
  private readonly dedup: DedupTable;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.dedup = new DedupTable(client, tableName);
  }

  async stalePending(before: number): Promise<StaleMarker[]> {
    const shards = Array.from({ length: HISTORY_PENDING_INDEX.shards }, (_, i) => String(i));
    const found = await Promise.all(shards.map((shard) => this.staleInShard(shard, before)));
    return found.flat();
  }

  private async staleInShard(shard: string, before: number): Promise<StaleMarker[]> {
    const markers: StaleMarker[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        IndexName: HISTORY_PENDING_INDEX.name,
        KeyConditionExpression: '#shard = :shard AND #lease < :before',
        ExpressionAttributeNames: {
          '#shard': HISTORY_PENDING_INDEX.partitionKey,
          '#lease': HISTORY_PENDING_INDEX.sortKey,
        },
        ExpressionAttributeValues: { ':shard': { S: shard }, ':before': { N: String(before) } },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const { pk, sk } = unmarshall(item) as { pk: string; sk: string };
        if (sk.startsWith('k#')) markers.push({ webhook: pk, idempotencyKey: sk.slice(2) });
      }
      if (markers.length >= SWEEP_LIMIT_PER_SHARD) break;
    }
    return markers;
  }

  async settle(marker: StaleMarker, now: number): Promise<SweepOutcome> {
    const markerKey = HISTORY_ITEMS.marker(marker.webhook, marker.idempotencyKey);
    const historyKey = HISTORY_ITEMS.delivery(marker.webhook, marker.idempotencyKey);
    const [held, history] = await Promise.all([
      this.dedup.read(markerKey, ['status', 'attempt', 'leaseUntil', HISTORY_PENDING_INDEX.partitionKey]),
      this.dedup.read(historyKey, ['status']),
    ]);
    const lease = held?.leaseUntil as number | undefined;
    if (!held || lease === undefined || lease >= now) return 'skipped';
    const attempt = held.attempt as string;
    const status = history?.status as string | undefined;
    const indexed = held[HISTORY_PENDING_INDEX.partitionKey] !== undefined;
    if (held.status === 'failed' && indexed) return this.clearFailed(markerKey, historyKey, attempt, status, now);
    const from = held.status as MarkerStatus;
    if (from !== 'pending' && !(from === 'queued' && indexed)) return 'skipped';
    const outcome: SweepOutcome =
      status === 'enqueued' ? 'queued' : status !== undefined && SETTLED_HISTORY.has(status) ? 'settled' : 'failed';
    // A queued marker's lease ran as long as a message can wait on the queue: not started by then, never.
    const settled = await this.settleMarker(markerKey, attempt, from, outcome);
    if (!settled) return 'skipped';
    if (outcome === 'failed') await this.failHistory(historyKey, now, from === 'queued' ? NOT_STARTED : INTERRUPTED);
    return outcome;
  }

  /**
   * A failed marker (markFailed leaves it indexed): a history item still pending past its lease is
   * failed (`failed`, an interrupted delivery), then the marker leaves the index (`cleared`). An item
   * whose lease is still running (a newer attempt's) keeps the marker for a later run.
   */
  private async clearFailed(
    markerKey: HistoryKey,
    historyKey: HistoryKey,
    attempt: string,
    status: string | undefined,
    now: number,
  ): Promise<SweepOutcome> {
    let outcome: SweepOutcome = 'cleared';
    if (status === 'pending') {
      if (!(await this.failHistory(historyKey, now))) return 'skipped';
      outcome = 'failed';
    }
    await conditionHeld(
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(markerKey),
          UpdateExpression: 'REMOVE #shard',
          ConditionExpression: '#status = :failed AND #attempt = :attempt',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#attempt': 'attempt',
            '#shard': HISTORY_PENDING_INDEX.partitionKey,
          },
          ExpressionAttributeValues: marshall({ ':failed': 'failed', ':attempt': attempt }),
        }),
      ),
    );
    return outcome;
  }

  /** The marker, if still `from` under the same attempt, takes the outcome and leaves the index. */
  private async settleMarker(
    key: HistoryKey,
    attempt: string,
    from: MarkerStatus,
    status: Exclude<SweepOutcome, 'skipped' | 'cleared'>,
  ): Promise<boolean> {
    return conditionHeld(
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(key),
          UpdateExpression: 'SET #status = :status REMOVE #shard',
          ConditionExpression: '#status = :from AND #attempt = :attempt',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#attempt': 'attempt',
            '#shard': HISTORY_PENDING_INDEX.partitionKey,
          },
          ExpressionAttributeValues: marshall({ ':status': status, ':from': from, ':attempt': attempt }),
        }),
      ),
    );
  }

  /** A history item still pending past its lease is failed for `reason`. False if it was not. */
  private async failHistory(key: HistoryKey, now: number, reason = INTERRUPTED): Promise<boolean> {
    return conditionHeld(
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(key),
          UpdateExpression: 'SET #status = :failed, #reason = :reason',
          ConditionExpression: `#status = :pending AND (attribute_not_exists(#leaseUntil) OR #leaseUntil < :now)`,
          ExpressionAttributeNames: { '#status': 'status', '#reason': 'reason', '#leaseUntil': 'leaseUntil' },
          ExpressionAttributeValues: marshall({
            ':failed': 'failed',
            ':pending': 'pending',
            ':reason': reason,
            ':now': now,
          }),
        }),
      ),
    );
  }
}

/** Two attempts kept replacing each other's history item: the sender's retry settles it. */
export class ClaimContendedError extends Error {
  constructor(key: HistoryKey) {
    super(`history item ${key.pk}/${key.sk} changed while being claimed`);
    this.name = 'ClaimContendedError';
  }
}

function historyItem(record: DeliveryClaim['record']): Record<string, AttributeValue> {
  const { executions: _executions, webhook, ...rest } = record;
  return marshall(
    { ...rest, ...HISTORY_ITEMS.delivery(webhook, record.idempotencyKey) },
    { removeUndefinedValues: true },
  );
}

function warn(warnings: string[]): { warnings?: readonly string[] } {
  return warnings.length > 0 ? { warnings } : {};
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
