import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';

/**
 * Settings of one of the gateway's tables (`configTableProps`, `historyTableProps`). Keys, indexes,
 * TTL attribute, encryption (the gateway's key) and on-demand capacity are fixed: the functions
 * rely on them.
 */
export interface GatewayTableOptions {
  /** Point-in-time recovery (continuous backups, 35 days). @default true */
  readonly pointInTimeRecovery?: boolean;
  /** The table class; `STANDARD_INFREQUENT_ACCESS` costs less to store and more per request. @default dynamodb.TableClass.STANDARD */
  readonly tableClass?: dynamodb.TableClass;
  /** What `cdk destroy` does with the table. @default - the gateway's `removalPolicy` */
  readonly removalPolicy?: RemovalPolicy;
  /** Whether DynamoDB refuses to delete the table. @default - true, unless the table's removal policy is DESTROY */
  readonly deletionProtection?: boolean;
  /** CloudWatch Contributor Insights (the most accessed and throttled keys), billed per event. @default false */
  readonly contributorInsights?: boolean;
}

/** Settings of the dead-letter queue (`deadLetterQueueProps`): where events go that the dispatcher could not start. */
export interface GatewayDeadLetterQueueOptions {
  /**
   * How long the dead-letter queue keeps a message, from 1 minute to 14 days. A FIFO queue's
   * message starts this period when it moves to the dead-letter queue.
   * @default Duration.days(14)
   */
  readonly retentionPeriod?: Duration;
  /** How many times the dispatcher receives a message before it moves to the dead-letter queue, from 1 to 1,000. @default 5 */
  readonly maxReceiveCount?: number;
}
