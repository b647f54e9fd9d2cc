/**
 * DynamoDB layout shared by the constructs (table definitions), the config writer (deploy time),
 * the handlers and the CLI. Both tables: partition key `pk` (S), sort key `sk` (S), TTL attribute
 * `expiresAt` (epoch seconds).
 */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk', ttl: 'expiresAt' } as const;

/** Config table items. */
export const CONFIG_ITEMS = {
  /** One per webhook: `config` (S, JSON WebhookConfig), `version` (S), `verifiedAt` (S, set at run time). */
  webhook: (name: string) => ({ pk: `webhook#${name}`, sk: 'config' }),
  webhookPrefix: 'webhook#',
  /**
   * One per route: `route` (S, JSON RouteConfig), `position` (N, its place in the configuration).
   * Queried together under pk `routes`.
   */
  routesPartition: 'routes',
  route: (id: string) => ({ pk: 'routes', sk: id }),
  /** Rate-window counters: `count` (N), TTL after the window ends. */
  rateWindow: (webhook: string, periodSeconds: number, windowStart: number) => ({
    pk: `rate#${webhook}#${periodSeconds}`,
    sk: String(windowStart),
  }),
} as const;

/**
 * History table: one item per delivery, which is also its dedup record.
 *   pk = webhook name; sk = `d#<idempotencyKey>` for deliveries, `r#<receivedAt>#<random>` for
 *   sampled rejections. Attributes: receivedAt, deliveryId, status, reason, eventKey, scope, routes,
 *   executions, sourceIp, userAgent, headers, bodySize, bodySha256, body / bodyRef, expiresAt.
 */
export const HISTORY_ITEMS = {
  delivery: (webhook: string, idempotencyKey: string) => ({ pk: webhook, sk: `d#${idempotencyKey}` }),
  rejection: (webhook: string, receivedAt: string, suffix: string) => ({ pk: webhook, sk: `r#${receivedAt}#${suffix}` }),
} as const;

/** GSI: a webhook's deliveries by time (partition `pk`, sort `receivedAt`). */
export const HISTORY_BY_TIME_INDEX = { name: 'byTime', partitionKey: 'pk', sortKey: 'receivedAt' } as const;
/** GSI: a delivery by its id (partition `deliveryId`). */
export const HISTORY_BY_DELIVERY_INDEX = { name: 'byDeliveryId', partitionKey: 'deliveryId' } as const;
