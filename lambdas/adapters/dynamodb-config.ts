import {
  GetItemCommand,
  paginateQuery,
  UpdateItemCommand,
  type AttributeValue,
  type QueryCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { CONFIG_IMPORTED_ROUTES_INDEX, CONFIG_ITEMS, TABLE_KEYS } from '../core/config/tables';
import type { RouteConfig, WebhookConfig } from '../core/config/webhook';
import { TtlCache } from './cache';
import { conditionHeld } from './dynamodb-conditions';
import type { Clock, ConfigStore, LoadedWebhook } from './ports';
import { systemClock } from './ports';

export class InvalidConfigItemError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidConfigItemError';
  }
}

interface WebhookItem {
  readonly config: WebhookConfig;
  readonly verifiedAt?: string;
}

/**
 * Webhook and route items of the config table, cached in memory for `ttlSeconds`: one GetItem and
 * two Queries (in parallel: the gateway's routes, the imported routes' index) when the cache is
 * cold, none when warm. Unknown webhooks are cached too.
 */
export class DynamoDbConfigStore implements ConfigStore {
  private readonly webhooks: TtlCache<WebhookItem | undefined>;
  private readonly routes: TtlCache<readonly RouteConfig[]>;
  /** Per routes array and webhook, the same filtered array each time, so compiled filters stay cached. */
  private readonly routesOf = new WeakMap<readonly RouteConfig[], Map<string, readonly RouteConfig[]>>();

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    ttlSeconds = 30,
    clock: Clock = systemClock,
  ) {
    this.webhooks = new TtlCache(ttlSeconds * 1000, clock);
    this.routes = new TtlCache(ttlSeconds * 1000, clock);
  }

  async load(name: string): Promise<LoadedWebhook | undefined> {
    const [webhook, routes] = await Promise.all([this.webhook(name), this.allRoutes()]);
    if (!webhook) return undefined;
    let byWebhook = this.routesOf.get(routes);
    if (!byWebhook) this.routesOf.set(routes, (byWebhook = new Map()));
    let own = byWebhook.get(name);
    if (!own) byWebhook.set(name, (own = routes.filter((r) => r.webhook === undefined || r.webhook === name)));
    return {
      config: webhook.config,
      routes: own,
      ...(webhook.verifiedAt !== undefined ? { verifiedAt: webhook.verifiedAt } : {}),
    };
  }

  /** The webhook item alone (what the authorizer needs). */
  webhook(name: string): Promise<WebhookItem | undefined> {
    return this.webhooks.get(name, async () => {
      const result = await this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: marshall(CONFIG_ITEMS.webhook(name)) }),
      );
      return result.Item ? parseWebhookItem(name, result.Item) : undefined;
    });
  }

  async markVerified(name: string, at: Date): Promise<void> {
    await conditionHeld(
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(CONFIG_ITEMS.webhook(name)),
          UpdateExpression: 'SET #verifiedAt = if_not_exists(#verifiedAt, :at)',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#verifiedAt': 'verifiedAt', '#pk': TABLE_KEYS.partitionKey },
          ExpressionAttributeValues: { ':at': { S: at.toISOString() } },
        }),
      ),
    );
    this.webhooks.update(name, (item) =>
      item && item.verifiedAt === undefined ? { ...item, verifiedAt: at.toISOString() } : item,
    );
  }

  /**
   * The gateway's own routes in configuration order (the config writer stores each one's
   * position), then the routes of imported gateways' writers: by writer (its partition, which IAM
   * confines it to), then position. A route id already taken is skipped, so a writer never
   * replaces the gateway's route or an earlier writer's.
   */
  private allRoutes(): Promise<readonly RouteConfig[]> {
    return this.routes.get(CONFIG_ITEMS.routesPartition, async () => {
      const [own, imported] = await Promise.all([
        this.queryRoutes({
          KeyConditionExpression: '#pk = :routes',
          ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey },
          ExpressionAttributeValues: { ':routes': { S: CONFIG_ITEMS.routesPartition } },
        }),
        this.importedRoutes(),
      ]);
      const byPosition = (a: StoredRoute, b: StoredRoute) =>
        (a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : 0) || a.position - b.position;
      const ids = new Set<string>();
      return [...own.sort(byPosition), ...imported.sort(byPosition)]
        .filter(({ route }) => !ids.has(route.id) && ids.add(route.id))
        .map((r) => r.route);
    });
  }

  /**
   * Another stack's broken item must not stop this gateway: it is skipped (the gateway's own fails
   * loudly). CloudFormation finishes an upgrade that adds the index before DynamoDB has backfilled
   * it, and a Query meanwhile answers ValidationException: imported routes are not served in that
   * window (the version before did not serve them either), rather than a 503 for every delivery.
   */
  private async importedRoutes(): Promise<StoredRoute[]> {
    try {
      return await this.queryRoutes(
        {
          IndexName: CONFIG_IMPORTED_ROUTES_INDEX.name,
          KeyConditionExpression: '#set = :imported',
          ExpressionAttributeNames: { '#set': CONFIG_IMPORTED_ROUTES_INDEX.partitionKey },
          ExpressionAttributeValues: { ':imported': { S: CONFIG_IMPORTED_ROUTES_INDEX.value } },
        },
        true,
      );
    } catch (error) {
      if (isIndexNotReadable(error)) return [];
      throw error;
    }
  }

  private async queryRoutes(query: Omit<QueryCommandInput, 'TableName'>, skipInvalid = false): Promise<StoredRoute[]> {
    const routes: StoredRoute[] = [];
    for await (const page of paginateQuery({ client: this.client }, { TableName: this.tableName, ...query })) {
      for (const item of page.Items ?? []) {
        let route: RouteConfig;
        try {
          route = parseJson<RouteConfig>(item.route?.S, `route ${item.sk?.S}`);
        } catch (error) {
          if (skipInvalid) continue;
          throw error;
        }
        if (
          skipInvalid &&
          (typeof route?.id !== 'string' || typeof route.eventKeyPattern !== 'string' || !route.target)
        )
          continue;
        routes.push({
          route,
          partition: item.pk?.S ?? '',
          position: Number(item.position?.N ?? Number.MAX_SAFE_INTEGER),
        });
      }
    }
    return routes;
  }
}

interface StoredRoute {
  readonly route: RouteConfig;
  readonly partition: string;
  readonly position: number;
}

function isIndexNotReadable(error: unknown): boolean {
  return error instanceof Error && error.name === 'ValidationException' && /index/i.test(error.message);
}

function parseWebhookItem(name: string, item: Record<string, AttributeValue>): WebhookItem {
  const config = parseJson<WebhookConfig>(item.config?.S, `webhook ${name}`);
  const verifiedAt = item.verifiedAt?.S;
  return verifiedAt !== undefined ? { config, verifiedAt } : { config };
}

function parseJson<T>(text: string | undefined, what: string): T {
  if (text === undefined) throw new InvalidConfigItemError(`${what}: the config item has no JSON attribute`);
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new InvalidConfigItemError(`${what}: the stored JSON does not parse`, { cause });
  }
}
