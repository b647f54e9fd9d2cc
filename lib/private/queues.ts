import { type Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { GatewayDeadLetterQueueOptions } from '../storage-options';
import { DEFAULTS, visibilityTimeoutFor } from './defaults';

/** SQS's limits: MessageRetentionPeriod 60 seconds to 14 days, maxReceiveCount 1 to 1,000. */
const RETENTION_SECONDS = { min: 60, max: 14 * 24 * 3600 };
const MAX_RECEIVE_COUNT = 1000;

export interface QueueOptions {
  readonly key: kms.IKey;
  /** The dispatcher's timeout: the visibility timeout is six times it. */
  readonly consumerTimeout: Duration;
  /** `deadLetterQueueProps`; invalid values fail synth (deadLetterQueueProblems) and fall back to the defaults here. */
  readonly deadLetter?: GatewayDeadLetterQueueOptions;
}

/** What is wrong with `deadLetterQueueProps`, each naming the field, the value and the fix. */
export function deadLetterQueueProblems(options: GatewayDeadLetterQueueOptions | undefined): string[] {
  const problems: string[] = [];
  const retention = options?.retentionPeriod;
  if (retention && !Token.isUnresolved(retention.toMilliseconds())) {
    const seconds = retention.toSeconds({ integral: false });
    if (!Number.isInteger(seconds) || seconds < RETENTION_SECONDS.min || seconds > RETENTION_SECONDS.max)
      problems.push(
        `deadLetterQueueProps.retentionPeriod is ${seconds} seconds: use whole seconds from ${RETENTION_SECONDS.min} (1 minute) to ${RETENTION_SECONDS.max} (14 days)`,
      );
  }
  const count = options?.maxReceiveCount;
  if (
    count !== undefined &&
    !Token.isUnresolved(count) &&
    (!Number.isInteger(count) || count < 1 || count > MAX_RECEIVE_COUNT)
  )
    problems.push(
      `deadLetterQueueProps.maxReceiveCount is ${count}: use a whole number from 1 to ${MAX_RECEIVE_COUNT}`,
    );
  return problems;
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
  const valid = deadLetterQueueProblems(options.deadLetter).length === 0 ? options.deadLetter : undefined;
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
    retentionPeriod: valid?.retentionPeriod ?? DEFAULTS.deadLetterRetention,
  });
  const queue = new sqs.Queue(scope, 'Queue', {
    ...common,
    retentionPeriod: DEFAULTS.queueRetention,
    visibilityTimeout: visibilityTimeoutFor(options.consumerTimeout),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: valid?.maxReceiveCount ?? DEFAULTS.maxReceiveCount },
  });
  return { queue, deadLetterQueue };
}
