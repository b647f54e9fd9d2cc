import type { Duration } from 'aws-cdk-lib';
import { RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DEFAULTS, visibilityTimeoutFor } from './defaults';

export interface QueueOptions {
  readonly key: kms.IKey;
  /** The dispatcher's timeout: the visibility timeout is six times it. */
  readonly consumerTimeout: Duration;
}

/**
 * One FIFO queue and its FIFO dead-letter queue. The ingest function sets MessageDeduplicationId
 * (idempotency key + route), so content-based deduplication stays off; high-throughput mode
 * deduplicates and throttles per message group.
 */
export function createQueues(
  scope: Construct,
  options: QueueOptions,
): { queue: sqs.Queue; deadLetterQueue: sqs.Queue } {
  const common = {
    fifo: true,
    contentBasedDeduplication: false,
    deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
    fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
    maxMessageSizeBytes: DEFAULTS.maxMessageSizeBytes,
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: options.key,
    enforceSSL: true,
    removalPolicy: RemovalPolicy.DESTROY,
  };
  const deadLetterQueue = new sqs.Queue(scope, 'DeadLetterQueue', {
    ...common,
    retentionPeriod: DEFAULTS.deadLetterRetention,
  });
  const queue = new sqs.Queue(scope, 'Queue', {
    ...common,
    retentionPeriod: DEFAULTS.queueRetention,
    visibilityTimeout: visibilityTimeoutFor(options.consumerTimeout),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: DEFAULTS.maxReceiveCount },
  });
  return { queue, deadLetterQueue };
}
