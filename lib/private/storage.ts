import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import {
  CONFIG_IMPORTED_ROUTES_INDEX,
  HISTORY_BY_DELIVERY_INDEX,
  HISTORY_BY_TIME_INDEX,
  HISTORY_PENDING_INDEX,
  TABLE_KEYS,
} from '../../lambdas/core/config/tables';
import type { GatewayTableOptions } from '../storage-options';

/** What every table of the gateway takes from it. */
export interface TableOptions {
  readonly key: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
  /** The user's settings of this table (`configTableProps`, `historyTableProps`). @default - the defaults */
  readonly table?: GatewayTableOptions;
}

export interface StorageOptions extends TableOptions {
  readonly historyRetention: Duration;
  readonly serverAccessLogsBucket?: s3.IBucket;
}

/**
 * A gateway table: string partition and sort keys, on demand, point-in-time recovery, TTL, the
 * gateway's KMS key, deletion protection unless the removal policy is DESTROY.
 */
function table(scope: Construct, id: string, options: TableOptions): dynamodb.Table {
  const own = options.table ?? {};
  const removalPolicy = own.removalPolicy ?? options.removalPolicy;
  return new dynamodb.Table(scope, id, {
    partitionKey: { name: TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
    sortKey: { name: TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: own.pointInTimeRecovery ?? true },
    timeToLiveAttribute: TABLE_KEYS.ttl,
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: options.key,
    deletionProtection: own.deletionProtection ?? removalPolicy !== RemovalPolicy.DESTROY,
    removalPolicy,
    ...(own.tableClass !== undefined && { tableClass: own.tableClass }),
    ...(own.contributorInsights !== undefined && {
      contributorInsightsSpecification: { enabled: own.contributorInsights },
    }),
  });
}

/**
 * Webhook configs and routes (written at deploy time), plus rate-window counters (TTL); one index,
 * of the routes that imported gateways' writers add, each in a partition of its own.
 */
export function createConfigTable(scope: Construct, options: StorageOptions): dynamodb.Table {
  const config = table(scope, 'ConfigTable', options);
  config.addGlobalSecondaryIndex({
    indexName: CONFIG_IMPORTED_ROUTES_INDEX.name,
    partitionKey: { name: CONFIG_IMPORTED_ROUTES_INDEX.partitionKey, type: dynamodb.AttributeType.STRING },
  });
  return config;
}

/** waitForWebhook waiters and the recent events a new waiter looks back on (lambdas/core/waiters/keys.ts), TTL. */
export function createWaiterTable(scope: Construct, options: TableOptions): dynamodb.Table {
  return table(scope, 'Table', options);
}

/**
 * One item per delivery and one small dedup marker per delivery, TTL; indexes: by webhook and time,
 * by delivery id, and the sparse pending-marker index the sweeper reads (keys only).
 */
export function createHistoryTable(scope: Construct, options: StorageOptions): dynamodb.Table {
  const history = table(scope, 'HistoryTable', options);
  history.addGlobalSecondaryIndex({
    indexName: HISTORY_BY_TIME_INDEX.name,
    partitionKey: { name: HISTORY_BY_TIME_INDEX.partitionKey, type: dynamodb.AttributeType.STRING },
    sortKey: { name: HISTORY_BY_TIME_INDEX.sortKey, type: dynamodb.AttributeType.STRING },
  });
  history.addGlobalSecondaryIndex({
    indexName: HISTORY_BY_DELIVERY_INDEX.name,
    partitionKey: { name: HISTORY_BY_DELIVERY_INDEX.partitionKey, type: dynamodb.AttributeType.STRING },
  });
  history.addGlobalSecondaryIndex({
    indexName: HISTORY_PENDING_INDEX.name,
    partitionKey: { name: HISTORY_PENDING_INDEX.partitionKey, type: dynamodb.AttributeType.STRING },
    sortKey: { name: HISTORY_PENDING_INDEX.sortKey, type: dynamodb.AttributeType.NUMBER },
    projectionType: dynamodb.ProjectionType.KEYS_ONLY,
  });
  return history;
}

/** Claim checks (events too large for a workflow input) and large raw bodies kept for replay. */
export function createPayloadBucket(scope: Construct, options: StorageOptions): s3.Bucket {
  const destroy = options.removalPolicy === RemovalPolicy.DESTROY;
  return new s3.Bucket(scope, 'PayloadBucket', {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: options.key,
    bucketKeyEnabled: true,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycleRules: [
      {
        id: 'HistoryRetention',
        expiration: Duration.days(Math.max(1, Math.ceil(options.historyRetention.toDays({ integral: false })))),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
    serverAccessLogsBucket: options.serverAccessLogsBucket,
    serverAccessLogsPrefix: options.serverAccessLogsBucket ? 'webhook-gateway-payloads/' : undefined,
    removalPolicy: options.removalPolicy,
    autoDeleteObjects: destroy,
  });
}
