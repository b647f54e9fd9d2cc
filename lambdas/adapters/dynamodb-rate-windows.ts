import { ConditionalCheckFailedException, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { CONFIG_ITEMS, TABLE_KEYS } from '../core/config/tables';
import type { RateWindow } from '../core/config/webhook';
import type { RateDecision, RateWindows } from './ports';

/**
 * Fixed rate windows (e.g. 10 an hour and 100 a day at once), one atomic counter item per webhook,
 * period and window in the config table, removed by TTL after the window ends. A request is
 * counted only in windows that still have room; the windows are updated in parallel.
 */
export class DynamoDbRateWindows implements RateWindows {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async hit(webhook: string, windows: readonly RateWindow[], now: Date): Promise<RateDecision> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const refusals = await Promise.all(windows.map((w) => this.hitOne(webhook, w, nowSeconds)));
    const waits = refusals.filter((r): r is number => r !== undefined);
    return waits.length === 0 ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.max(...waits) };
  }

  /** Seconds until the window ends when it is full, else undefined. */
  private async hitOne(webhook: string, window: RateWindow, nowSeconds: number): Promise<number | undefined> {
    const start = nowSeconds - (nowSeconds % window.periodSeconds);
    const end = start + window.periodSeconds;
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(CONFIG_ITEMS.rateWindow(webhook, window.periodSeconds, start)),
          UpdateExpression: 'ADD #count :one SET #expiresAt = if_not_exists(#expiresAt, :end)',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
          ExpressionAttributeNames: { '#count': 'count', '#expiresAt': TABLE_KEYS.ttl },
          ExpressionAttributeValues: {
            ':one': { N: '1' },
            ':limit': { N: String(window.limit) },
            ':end': { N: String(end + 60) },
          },
        }),
      );
      return undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return Math.max(1, end - nowSeconds);
      throw error;
    }
  }
}

/** The same windows in memory, for the local gateway and tests of one process. */
export class InMemoryRateWindows implements RateWindows {
  private readonly windows = new Map<string, { count: number; end: number }>();

  async hit(webhook: string, windows: readonly RateWindow[], now: Date): Promise<RateDecision> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    for (const [key, w] of this.windows) if (w.end <= nowSeconds) this.windows.delete(key);
    let wait = 0;
    for (const w of windows) {
      const start = nowSeconds - (nowSeconds % w.periodSeconds);
      const key = `${webhook}#${w.periodSeconds}#${start}`;
      const current = this.windows.get(key) ?? { count: 0, end: start + w.periodSeconds };
      if (current.count >= w.limit) wait = Math.max(wait, Math.max(1, current.end - nowSeconds));
      else this.windows.set(key, { ...current, count: current.count + 1 });
    }
    return wait === 0 ? { allowed: true } : { allowed: false, retryAfterSeconds: wait };
  }
}
