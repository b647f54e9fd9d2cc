/** Environment variables the constructs set on the functions and the handlers read. */
export const ENV = {
  configTable: 'CONFIG_TABLE_NAME',
  historyTable: 'HISTORY_TABLE_NAME',
  queueUrl: 'QUEUE_URL',
  payloadBucket: 'PAYLOAD_BUCKET_NAME',
  /** Days a history item (body, headers, status) lives. */
  historyRetentionDays: 'HISTORY_RETENTION_DAYS',
  /** Days a delivery's dedup marker lives (at least the history): how long a copy is a duplicate. */
  dedupRetentionDays: 'DEDUP_RETENTION_DAYS',
  /** The ingest function's timeout: how long an ingest attempt holds a delivery it has not queued yet. */
  ingestTimeoutSeconds: 'INGEST_TIMEOUT_SECONDS',
  /** Seconds a webhook config is cached in memory. */
  configCacheSeconds: 'CONFIG_CACHE_SECONDS',
  /** Largest raw body kept inline in a history item, in bytes; larger bodies are kept in the bucket. */
  historyBodyLimit: 'HISTORY_BODY_LIMIT_BYTES',
  /** Value of the `Gateway` metric dimension. */
  gatewayId: 'GATEWAY_ID',
  waiterTable: 'WAITER_TABLE_NAME',
} as const;

/** CloudWatch namespace and metric names, emitted by the handlers and graphed by the constructs. */
export const METRICS = {
  namespace: 'WebhookGateway',
  dimensions: { gateway: 'Gateway', reason: 'Reason' },
  received: 'Received',
  verified: 'Verified',
  /** Dimensions Gateway + Reason, and Gateway alone. */
  rejected: 'Rejected',
  duplicate: 'Duplicate',
  filtered: 'Filtered',
  unrouted: 'Unrouted',
  transformFailed: 'TransformFailed',
  routed: 'Routed',
  enqueued: 'Enqueued',
  dependencyFailed: 'DependencyFailed',
  rateWindowExceeded: 'RateWindowExceeded',
  executionsStarted: 'ExecutionsStarted',
  executionsFailed: 'ExecutionsFailed',
  waitersResumed: 'WaitersResumed',
  /** Deliveries whose ingest attempt ended before queuing them, found and failed by the sweeper. */
  interrupted: 'Interrupted',
} as const;
