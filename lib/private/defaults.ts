import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { QUEUE_RETENTION_SECONDS } from '../../lambdas/core/config/tables';

/** Every default of the gateway in one place; the README's props table mirrors it. */
export const DEFAULTS = {
  stageName: 'v1',
  historyRetention: Duration.days(30),
  /** Replay protection: much longer than the bodies, as markers are small. */
  dedupRetention: Duration.days(90),
  /** How often the sweeper fails deliveries whose ingest attempt died before queuing them. */
  sweepInterval: Duration.minutes(5),
  removalPolicy: RemovalPolicy.RETAIN,
  /** waitForWebhook: state machines in the state's stack get their task-token grants at synth. */
  autoGrantResume: true,
  /** Stack outputs the CLI (`--stack`) and the local gateway find the gateway by. */
  outputs: true,
  /** EventMesh's default: 100 requests per second, burst 200, no quota. */
  rate: 100,
  burst: 200,
  /**
   * The stage's default method throttle, every webhook and unknown path together: ten webhooks at
   * their default rate, well under the account's regional 10,000/s (2,500/s in newer regions).
   */
  stageThrottle: { rateLimit: 1000, burstLimit: 2000 },
  /** Sets the region's API Gateway CloudWatch Logs role, which access logging needs. */
  cloudWatchRole: true,
  /** What Lambda takes after API Gateway base64-encodes the body (6 MB payload limit). */
  maxBodySize: Size.mebibytes(4),
  /** A base64 body of this size plus the rest of the event still fits Lambda's synchronous payload. */
  maxBodySizeLimit: Size.mebibytes(4),
  /** Lambda's synchronous invocation payload limit ("6 MB"), in bytes. */
  lambdaPayloadLimitBytes: 6 * 1024 * 1024,
  /** What the proxy event holds besides the body: headers twice (10 KiB of values each way), context, names. */
  proxyEventOverheadBytes: 64 * 1024,
  /** API Gateway's default quota of usage plans per account and region (one per webhook). */
  usagePlanQuota: 300,
  /** Per nested stack; CloudFormation's hard limit is 500. */
  resourceBudget: 450,
  configCacheSeconds: 30,
  historyBodyLimitBytes: 64 * 1024,
  maxReceiveCount: 5,
  logRetention: RetentionDays.THREE_MONTHS,
  authorizerCacheTtl: Duration.minutes(5),
  /** SQS now accepts 1 MiB messages; its default is still 256 KiB. */
  maxMessageSizeBytes: 1024 * 1024,
  queueRetention: Duration.seconds(QUEUE_RETENTION_SECONDS),
  deadLetterRetention: Duration.days(14),
  /** Retry-After (seconds) on API Gateway's own 429 and 503 answers. */
  retryAfterThrottled: 1,
  retryAfterQuota: 3600,
  retryAfterUnavailable: 5,
  /** AWS WAF's per-IP limit (requests per 5 minutes): the default webhook rate, 100/s, from one address. */
  wafRateLimit: 30_000,
  /** Retry-After (seconds) on AWS WAF's 429: the rate is counted over a sliding window of minutes. */
  retryAfterWafRate: 60,
  alarms: {
    serverErrorPercent: 1,
    rejectedPer5Minutes: 50,
    throttledPer5Minutes: 25,
  },
} as const;

export type HandlerKind = 'ingest' | 'authorizer' | 'dispatcher' | 'configWriter' | 'sweeper' | 'waiter';

export interface FunctionDefaults {
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly description: string;
}

/** Memory and timeout per function: the ingest path stays well under API Gateway's 29 s. */
const FUNCTION_DEFAULTS: Record<HandlerKind, FunctionDefaults> = {
  ingest: {
    memorySize: 1024,
    timeout: Duration.seconds(15),
    description: 'Verifies, transforms and enqueues webhooks',
  },
  authorizer: {
    memorySize: 256,
    timeout: Duration.seconds(5),
    description: 'Maps a webhook path to its usage-plan key',
  },
  dispatcher: { memorySize: 512, timeout: Duration.seconds(30), description: 'Starts the workflows of queued events' },
  configWriter: { memorySize: 256, timeout: Duration.minutes(5), description: 'Writes webhook configs at deploy time' },
  sweeper: {
    memorySize: 256,
    timeout: Duration.minutes(2),
    description: 'Fails deliveries whose ingest attempt ended before queuing them',
  },
  waiter: {
    memorySize: 256,
    timeout: Duration.seconds(30),
    description: 'Registers waitForWebhook waiters and resumes them from recent events',
  },
};

export function functionDefaults(kind: HandlerKind): FunctionDefaults {
  return FUNCTION_DEFAULTS[kind];
}

/** SQS asks for a visibility timeout of at least six times the consumer's timeout. */
export function visibilityTimeoutFor(consumerTimeout: Duration): Duration {
  return Duration.seconds(consumerTimeout.toSeconds() * 6);
}
