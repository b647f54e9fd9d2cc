import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import { METRICS } from '../lambdas/core/config/environment';
import { HISTORY_BY_DELIVERY_INDEX, HISTORY_BY_TIME_INDEX } from '../lambdas/core/config/tables';
import { gatewayMetric, THROTTLED_METRIC } from './private/monitoring';
import { acknowledgePayloadReads } from './private/nag';
import { defined } from './private/objects';
import type { RouteOptions } from './webhook';
import type { RejectedMetricOptions } from './webhook-gateway-props';

const HISTORY_READS = [
  'dynamodb:BatchGetItem',
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:DescribeTable',
];
const HISTORY_INDEXES = [HISTORY_BY_TIME_INDEX.name, HISTORY_BY_DELIVERY_INDEX.name];

/**
 * A webhook gateway, defined in this app (`new WebhookGateway`) or imported from another stack or
 * app (`WebhookGateway.fromGatewayAttributes`): what a workflow or a dashboard needs from it.
 */
export interface IWebhookGateway extends IConstruct {
  /** The value of the `Gateway` dimension of the gateway's metrics. */
  readonly gatewayName: string;
  /** The base URL senders call, ending in `/`. */
  readonly url: string;
  /** The key that encrypts the gateway's tables, queues, payloads, secrets and logs. */
  readonly encryptionKey: kms.IKey;
  /**
   * Starts `target` for every event whose key matches `eventKeyPattern` (`*` matches any run of
   * characters), and grants the gateway's dispatcher states:StartExecution on exactly the target.
   * On an imported gateway the route is written by a config writer of the importing stack.
   */
  route(eventKeyPattern: string, target: sfn.IStateMachine, options?: RouteOptions): void;
  /** Lets `grantee` read delivery history: dynamodb:BatchGetItem, GetItem, Query, Scan, DescribeTable on the table and its two indexes; kms:Decrypt. */
  grantReadHistory(grantee: iam.IGrantable): iam.Grant;
  /** Lets a workflow read `payloadRef` objects: s3:GetObject on the payload bucket's objects, kms:Decrypt on the key. */
  grantReadPayloads(grantee: iam.IGrantable): iam.Grant;
  /** A gateway metric by name (namespace `WebhookGateway`, dimension `Gateway`; Sum over 5 minutes unless overridden). */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Requests that reached the ingest function. */
  metricReceived(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Requests whose verification passed. */
  metricVerified(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Rejected requests (4xx after the function ran); with `reason`, only those. */
  metricRejected(props?: RejectedMetricOptions): cloudwatch.Metric;
  /** Copies of a delivery already received, answered `duplicate`. */
  metricDuplicates(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Deliveries with at least one matching route or waiter. */
  metricRouted(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Executions the dispatcher started. */
  metricExecutionsStarted(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Executions the dispatcher failed to start. */
  metricExecutionsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Waiting workflows (waitForWebhook) resumed by an event. */
  metricWaitersResumed(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/**
 * Grants and metrics common to a gateway defined here and an imported one (as `QueueBase` is to
 * `Queue` in aws-cdk-lib). Use `WebhookGateway` or `WebhookGateway.fromGatewayAttributes`.
 */
export abstract class WebhookGatewayBase extends Construct implements IWebhookGateway {
  abstract readonly gatewayName: string;
  abstract readonly url: string;
  abstract readonly encryptionKey: kms.IKey;

  /** Starts `target` for every event whose key matches `eventKeyPattern`; see `IWebhookGateway.route`. */
  abstract route(eventKeyPattern: string, target: sfn.IStateMachine, options?: RouteOptions): void;

  /**
   * Lets `grantee` read delivery history: dynamodb:BatchGetItem, GetItem, Query, Scan and
   * DescribeTable on the history table and its two indexes (by time, by delivery id); kms:Decrypt
   * on the key.
   */
  grantReadHistory(grantee: iam.IGrantable): iam.Grant {
    const { tableArn } = this._historyTable();
    return iam.Grant.addToPrincipal({
      grantee,
      actions: HISTORY_READS,
      resourceArns: [tableArn, ...HISTORY_INDEXES.map((i) => `${tableArn}/index/${i}`)],
    }).combine(this.encryptionKey.grantDecrypt(grantee));
  }

  /**
   * Lets a workflow read `payloadRef` objects: s3:GetObject on the payload bucket's objects,
   * kms:Decrypt on the key. Acknowledges the resulting cdk-nag IAM5 finding (object keys are
   * per delivery) on the grantee.
   */
  grantReadPayloads(grantee: iam.IGrantable): iam.Grant {
    const bucket = this._payloadBucket();
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject'],
      resourceArns: [bucket.arnForObjects('*')],
    }).combine(this.encryptionKey.grantDecrypt(grantee));
    if (Construct.isConstruct(grantee)) acknowledgePayloadReads(grantee, bucket);
    return grant;
  }

  /** A gateway metric by name (namespace `WebhookGateway`, dimension `Gateway`; Sum over 5 minutes unless overridden). */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return gatewayMetric(this.gatewayName, metricName, props);
  }

  /** Requests that reached the ingest function (after the authorizer and the usage plan let them through). */
  metricReceived(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.received, props);
  }

  /** Requests whose verification passed. */
  metricVerified(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.verified, props);
  }

  /** Rejected requests (4xx after the ingest function ran); with `reason`, only those (e.g. `signature_mismatch`). */
  metricRejected(props: RejectedMetricOptions = {}): cloudwatch.Metric {
    const { reason, ...rest } = props;
    const dimensionsMap = reason
      ? { [METRICS.dimensions.gateway]: this.gatewayName, [METRICS.dimensions.reason]: reason }
      : undefined;
    return this.metric(METRICS.rejected, { ...rest, ...defined({ dimensionsMap }) });
  }

  /** Copies of a delivery already received, answered `duplicate`. */
  metricDuplicates(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.duplicate, props);
  }

  /** Deliveries the webhook's `filter` dropped, answered `filtered`. */
  metricFiltered(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.filtered, props);
  }

  /** Deliveries no route or waiter matched, answered `unrouted`. */
  metricUnrouted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.unrouted, props);
  }

  /** Deliveries whose CEL expressions failed at run time, answered `transform_failed`. */
  metricTransformFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.transformFailed, props);
  }

  /** Deliveries with at least one matching route or waiter. */
  metricRouted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.routed, props);
  }

  /** Messages sent to the event queue (one per matching route or waiter). */
  metricEnqueued(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.enqueued, props);
  }

  /** Requests answered 503 because a dependency (DynamoDB, SQS, S3, Secrets Manager, KMS) failed. */
  metricDependencyFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.dependencyFailed, props);
  }

  /** Requests answered 429 by a webhook's rate windows (`rateLimit.windows`). */
  metricRateWindowExceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.rateWindowExceeded, props);
  }

  /** Requests API Gateway answered 429 (usage plans and the stage throttle), counted from the access logs. */
  metricThrottled(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(THROTTLED_METRIC, props);
  }

  /** Executions the dispatcher started. */
  metricExecutionsStarted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.executionsStarted, props);
  }

  /** Executions the dispatcher failed to start. */
  metricExecutionsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.executionsFailed, props);
  }

  /** Waiting workflows (waitForWebhook) resumed by an event. */
  metricWaitersResumed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.waitersResumed, props);
  }

  /** Deliveries whose ingest attempt ended before queuing them, failed by the sweeper. */
  metricInterrupted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.interrupted, props);
  }

  /** @internal */
  protected abstract _historyTable(): dynamodb.ITable;

  /** @internal */
  protected abstract _payloadBucket(): s3.IBucket;
}
