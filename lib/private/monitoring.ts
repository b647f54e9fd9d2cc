import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS } from '../../lambdas/core/config/environment';
import { DEFAULTS } from './defaults';

/** Counted from the access logs (API Gateway publishes no metric for its own 429s). */
export const THROTTLED_METRIC = 'Throttled';
const PERIOD = Duration.minutes(5);

/** A gateway metric as the handlers emit it (namespace WebhookGateway, dimension Gateway). */
export function gatewayMetric(gatewayName: string, metricName: string, props: cloudwatch.MetricOptions = {}) {
  return new cloudwatch.Metric({
    namespace: METRICS.namespace,
    metricName,
    dimensionsMap: { [METRICS.dimensions.gateway]: gatewayName },
    statistic: cloudwatch.Stats.SUM,
    period: PERIOD,
    ...props,
  });
}

export interface MonitoringOptions {
  readonly gatewayName: string;
  readonly api: apigw.RestApi;
  readonly accessLogs: logs.ILogGroup;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** The scheduled sweeper: its errors and the deliveries it failed (`Interrupted`) are alarmed on. */
  readonly sweeper: lambda.IFunction;
  readonly alarmTopic?: sns.ITopic;
  readonly dashboardName?: string;
}

/**
 * The gateway's dashboard and alarms (DLQ not empty, 5xx rate, rejection spike, throttling, the
 * sweeper failing, deliveries interrupted).
 */
export class Monitoring extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, options: MonitoringOptions) {
    super(scope, id);
    const { gatewayName, api } = options;
    const metric = (name: string, props?: cloudwatch.MetricOptions) => gatewayMetric(gatewayName, name, props);
    new logs.MetricFilter(this, 'ThrottledFilter', {
      logGroup: options.accessLogs,
      filterPattern: logs.FilterPattern.numberValue('$.status', '=', 429),
      metricNamespace: METRICS.namespace,
      metricName: THROTTLED_METRIC,
      metricValue: '1',
      dimensions: { [METRICS.dimensions.gateway]: '$.gateway' },
    });
    const rejectedByReason = new cloudwatch.MathExpression({
      expression: `SEARCH('{${METRICS.namespace},${METRICS.dimensions.gateway},${METRICS.dimensions.reason}} MetricName="${METRICS.rejected}" ${METRICS.dimensions.gateway}="${gatewayName}"', 'Sum', 300)`,
      label: '',
      period: PERIOD,
    });
    const requests = api.metricCount({ period: PERIOD, statistic: cloudwatch.Stats.SUM });
    const serverErrors = api.metricServerError({ period: PERIOD, statistic: cloudwatch.Stats.SUM });
    const serverErrorRate = new cloudwatch.MathExpression({
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: { requests, errors: serverErrors },
      label: '5XX %',
      period: PERIOD,
    });
    const dlqDepth = options.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: cloudwatch.Stats.MAXIMUM,
    });

    const interrupted = metric(METRICS.interrupted, { label: 'Interrupted (failed by the sweeper)' });
    const sweeperErrors = options.sweeper.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM });

    const graph = (title: string, left: cloudwatch.IMetric[], width = 8) =>
      new cloudwatch.GraphWidget({ title, left, width, height: 6 });
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: options.dashboardName });
    this.dashboard.addWidgets(
      graph(
        'Received, verified, routed',
        [METRICS.received, METRICS.verified, METRICS.routed, METRICS.enqueued].map((n) => metric(n)),
      ),
      graph('Rejected by reason', [rejectedByReason]),
      graph(
        'Duplicates, filtered, unrouted',
        [
          METRICS.duplicate,
          METRICS.filtered,
          METRICS.unrouted,
          METRICS.transformFailed,
          METRICS.rateWindowExceeded,
        ].map((n) => metric(n)),
      ),
    );
    this.dashboard.addWidgets(
      graph('API requests and errors', [
        requests,
        api.metricClientError({ period: PERIOD }),
        serverErrors,
        metric(THROTTLED_METRIC),
      ]),
      graph('API latency', [
        api.metricLatency({ period: PERIOD, statistic: cloudwatch.Stats.p(50), label: 'p50' }),
        api.metricLatency({ period: PERIOD, statistic: cloudwatch.Stats.p(99), label: 'p99' }),
      ]),
      graph('Queue', [
        options.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
        options.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1) }),
        dlqDepth,
      ]),
    );
    this.dashboard.addWidgets(
      graph(
        'Executions',
        [METRICS.executionsStarted, METRICS.executionsFailed, METRICS.waitersResumed, METRICS.dependencyFailed].map(
          (n) => metric(n),
        ),
      ),
      graph(
        'Function errors and throttles',
        Object.entries({ ...options.functions, sweeper: options.sweeper }).flatMap(([name, fn]) => [
          fn.metricErrors({ period: PERIOD, label: `${name} errors` }),
          fn.metricThrottles({ period: PERIOD, label: `${name} throttles` }),
        ]),
      ),
      graph('Sweeper', [interrupted, sweeperErrors, options.sweeper.metricInvocations({ period: PERIOD })]),
    );

    const alarm = (alarmId: string, description: string, props: Omit<cloudwatch.AlarmProps, 'alarmDescription'>) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        alarmDescription: `${gatewayName}: ${description}`,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...props,
      });
      if (options.alarmTopic) {
        created.addAlarmAction(new actions.SnsAction(options.alarmTopic));
        created.addOkAction(new actions.SnsAction(options.alarmTopic));
      }
      this.alarms.push(created);
    };
    const { alarms } = DEFAULTS;
    alarm('DeadLetterQueueNotEmpty', 'events could not be dispatched and wait in the dead-letter queue', {
      metric: dlqDepth,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    alarm('ServerErrorRate', `more than ${alarms.serverErrorPercent}% of requests answered 5XX`, {
      metric: serverErrorRate,
      threshold: alarms.serverErrorPercent,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    alarm(
      'RejectionSpike',
      `${alarms.rejectedPer5Minutes}+ requests rejected in 5 minutes (wrong secret or an attack)`,
      {
        metric: metric(METRICS.rejected),
        threshold: alarms.rejectedPer5Minutes,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      },
    );
    alarm('Throttling', `${alarms.throttledPer5Minutes}+ requests throttled (429) in 5 minutes`, {
      metric: metric(THROTTLED_METRIC),
      threshold: alarms.throttledPer5Minutes,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    alarm('SweeperErrors', 'the sweeper failed: pending deliveries may stay pending', {
      metric: sweeperErrors,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    alarm(
      'DeliveriesInterrupted',
      'the sweeper failed deliveries whose ingest attempt ended before queuing them: replay them (webhook-gateway history <webhook> --status failed)',
      {
        metric: metric(METRICS.interrupted),
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      },
    );
    this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }));
  }
}
