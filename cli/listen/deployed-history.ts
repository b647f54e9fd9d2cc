import { paginateQuery, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { fromItem } from '../../lambdas/adapters/dynamodb-history';
import type { DeliveryRecord } from '../../lambdas/core/config/messages';
import { HISTORY_BY_TIME_INDEX, TABLE_KEYS } from '../../lambdas/core/config/tables';

/** One history item of the deployed gateway: a verified delivery (`d#…`) or a sampled rejection (`r#…`). */
export interface DeployedItem {
  /** The item's sort key: `d#<idempotencyKey>` or `r#<receivedAt>#<random>`. */
  readonly key: string;
  /** True for deliveries, which exist only once the request was verified; false for rejections. */
  readonly verified: boolean;
  readonly record: DeliveryRecord;
}

export interface DeployedHistoryOptions {
  readonly dynamodb: DynamoDBClient;
  readonly historyTable: string;
  readonly webhook: string;
  /** Items received before this time are never returned. */
  readonly since: Date;
  /**
   * How far behind the newest item each poll reads again: an item can show up in the index later
   * than items received after it (an ingest attempt writes it up to its timeout after receiving the
   * request, and the index is updated asynchronously).
   */
  readonly overlapMs: number;
}

/**
 * The new items of one webhook in a deployed history table, oldest first: the byTime index
 * (partition = webhook, sort = receivedAt) read from the newest item handled less the overlap,
 * skipping the keys already handled. An item comes back from every poll until it is marked `done`,
 * so one that could not be handled is read again. One Query a poll, paginated; nothing is read
 * from other webhooks' partitions and no Scan is made.
 */
export class DeployedHistory {
  /** Keys handled within the overlap, with their receivedAt (ms). */
  private readonly seen = new Map<string, number>();
  private newest: number;

  constructor(private readonly options: DeployedHistoryOptions) {
    this.newest = options.since.getTime();
  }

  async poll(): Promise<DeployedItem[]> {
    const { dynamodb, historyTable, webhook, since, overlapMs } = this.options;
    const from = Math.max(since.getTime(), this.newest - overlapMs);
    // Forget what this poll cannot read again.
    for (const [key, at] of this.seen) if (at < from) this.seen.delete(key);
    const pages = paginateQuery(
      { client: dynamodb },
      {
        TableName: historyTable,
        IndexName: HISTORY_BY_TIME_INDEX.name,
        KeyConditionExpression: '#pk = :webhook AND #at >= :from',
        ExpressionAttributeNames: { '#pk': HISTORY_BY_TIME_INDEX.partitionKey, '#at': HISTORY_BY_TIME_INDEX.sortKey },
        ExpressionAttributeValues: { ':webhook': { S: webhook }, ':from': { S: new Date(from).toISOString() } },
        ScanIndexForward: true,
      },
    );
    const fresh: DeployedItem[] = [];
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const key = item[TABLE_KEYS.sortKey]?.S;
        if (key === undefined || this.seen.has(key)) continue;
        const record = fromItem(item);
        if (!(Date.parse(record.receivedAt) >= since.getTime())) continue;
        fresh.push({ key, verified: key.startsWith('d#'), record });
      }
    }
    return fresh;
  }

  /** The item was handled: later polls skip it. */
  done(item: DeployedItem): void {
    const at = Date.parse(item.record.receivedAt);
    this.seen.set(item.key, at);
    this.newest = Math.max(this.newest, at);
  }
}
