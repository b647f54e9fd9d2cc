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
  /**
   * One per route added through an imported gateway (`fromGatewayAttributes(...).route`), in the
   * partition of its writer (one per importing construct), so that IAM (`dynamodb:LeadingKeys`)
   * confines each writer to its own items: `route`, `position`, `writer`, and `routeSet`, which puts
   * it in the CONFIG_IMPORTED_ROUTES_INDEX.
   */
  importedRoutesPartition: (writer: string) => `routes#${writer}`,
  importedRoute: (writer: string, id: string) => ({ pk: `routes#${writer}`, sk: id }),
  /** Rate-window counters: `count` (N), TTL after the window ends. */
  rateWindow: (webhook: string, periodSeconds: number, windowStart: number) => ({
    pk: `rate#${webhook}#${periodSeconds}`,
    sk: String(windowStart),
  }),
} as const;

/** GSI of the config table: every imported route item (partition `routeSet` = `imported`), projecting all attributes. */
export const CONFIG_IMPORTED_ROUTES_INDEX = {
  name: 'importedRoutes',
  partitionKey: 'routeSet',
  value: 'imported',
} as const;

/**
 * History table, pk = webhook name:
 * - sk `d#<idempotencyKey>`: one item per delivery (its history), TTL `historyRetention`. Attributes:
 *   receivedAt, deliveryId (the label), status, reason, eventKey, scope, routes, executions, sourceIp,
 *   userAgent, headers, bodySize, bodySha256, body / bodyRef, attempt, leaseUntil, expiresAt.
 * - sk `k#<idempotencyKey>`: the delivery's dedup marker, small and kept longer (TTL `dedupRetention`),
 *   so that replay protection outlives the bodies. Attributes: status (MARKER_STATUSES), attempt,
 *   leaseUntil, expiresAt, and pendingShard until settled (the sweeper's sparse index).
 * - sk `r#<receivedAt>#<random>`: a sampled rejection.
 */
export const HISTORY_ITEMS = {
  delivery: (webhook: string, idempotencyKey: string) => ({ pk: webhook, sk: `d#${idempotencyKey}` }),
  marker: (webhook: string, idempotencyKey: string) => ({ pk: webhook, sk: `k#${idempotencyKey}` }),
  rejection: (webhook: string, receivedAt: string, suffix: string) => ({
    pk: webhook,
    sk: `r#${receivedAt}#${suffix}`,
  }),
} as const;

/** The history key of a marker's delivery (same webhook and idempotency key). */
export function deliveryKeyOfMarker(marker: { pk: string; sk: string }): { pk: string; sk: string } {
  return { pk: marker.pk, sk: `d#${marker.sk.slice(2)}` };
}

/**
 * A dedup marker's status: `pending` while an ingest attempt holds it (until `leaseUntil`), `queued`
 * once its messages are sent (indexed, its lease extended by QUEUE_RETENTION_SECONDS, until the
 * dispatcher starts the delivery), `settled` for a delivery that needed no message (filtered,
 * unrouted, transform_failed), `failed` when the attempt failed (a retry may take it over).
 */
export const MARKER_STATUSES = ['pending', 'queued', 'settled', 'failed'] as const;
export type MarkerStatus = (typeof MARKER_STATUSES)[number];

/**
 * How long the event queue keeps a message (its `retentionPeriod`): a delivery whose messages were
 * sent and that no execution started by then never will be.
 */
export const QUEUE_RETENTION_SECONDS = 4 * 24 * 3600;

/** GSI: a webhook's deliveries by time (partition `pk`, sort `receivedAt`). */
export const HISTORY_BY_TIME_INDEX = { name: 'byTime', partitionKey: 'pk', sortKey: 'receivedAt' } as const;
/** GSI: a delivery by its id (partition `deliveryId`). */
export const HISTORY_BY_DELIVERY_INDEX = { name: 'byDeliveryId', partitionKey: 'deliveryId' } as const;
/**
 * Sparse GSI of markers still pending, queued but not yet dispatched, or failed and not yet looked at
 * by the sweeper (keys only):
 * partition `pendingShard` (`0` … `shards - 1`, by a hash of the key, so no partition takes every
 * delivery's writes), sort `leaseUntil` (epoch seconds). The sweeper queries each shard for leases
 * that ran out.
 */
export const HISTORY_PENDING_INDEX = {
  name: 'byPendingLease',
  partitionKey: 'pendingShard',
  sortKey: 'leaseUntil',
  shards: 16,
} as const;
