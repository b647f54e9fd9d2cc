import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../lambdas/core/config/environment';
import { WebhookGateway, WebhookSource } from 'aws-webhook-gateway';
import { gatewayFixture, logicalIdOf, testApp } from './helpers';

const f = gatewayFixture();
f.gateway.addWebhook('github', { source: WebhookSource.github(), eventKey: "'github'" });
const template = Template.fromStack(f.stack);
const dashboard = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]);

describe('dashboard', () => {
  it.each([
    METRICS.received,
    METRICS.verified,
    METRICS.duplicate,
    METRICS.filtered,
    METRICS.routed,
    METRICS.executionsStarted,
    METRICS.executionsFailed,
    METRICS.interrupted,
    'Throttled',
  ])('graphs %s in namespace WebhookGateway by Gateway', (metric) => {
    expect(dashboard).toContain(`[\\"WebhookGateway\\",\\"${metric}\\",\\"Gateway\\",\\"Test-Webhooks\\"`);
  });

  it('graphs rejections by reason with a search over the Reason dimension', () => {
    expect(dashboard).toContain(
      `SEARCH('{WebhookGateway,Gateway,Reason} MetricName=\\\\\\"Rejected\\\\\\" Gateway=\\\\\\"Test-Webhooks\\\\\\"', 'Sum', 300)`,
    );
  });

  it('graphs API 4XX, 5XX, latency p50 and p99, and the dead-letter queue depth', () => {
    for (const metric of ['4XXError', '5XXError', 'Count'])
      expect(dashboard).toContain(`\\"AWS/ApiGateway\\",\\"${metric}\\"`);
    expect(dashboard).toMatch(/\\"Latency\\".*\\"stat\\":\\"p50\\"/);
    expect(dashboard).toMatch(/\\"Latency\\".*\\"stat\\":\\"p99\\"/);
    expect(dashboard).toContain('\\"AWS/SQS\\",\\"ApproximateNumberOfMessagesVisible\\"');
  });

  it('graphs the sweeper: the deliveries it failed, its errors and invocations', () => {
    const widget = dashboard.slice(dashboard.indexOf('\\"title\\":\\"Sweeper\\"'));
    expect(widget).toContain('[\\"WebhookGateway\\",\\"Interrupted\\",\\"Gateway\\",\\"Test-Webhooks\\"');
    const sweeper = logicalIdOf(f.gateway.sweeperFunction);
    for (const metric of ['Errors', 'Invocations']) {
      expect(widget).toContain(`[\\"AWS/Lambda\\",\\"${metric}\\",\\"FunctionName\\",\\"",{"Ref":"${sweeper}"}`);
    }
  });
});

describe('alarms', () => {
  it('alarms on a non-empty dead-letter queue', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(f.gateway.deadLetterQueue), 'QueueName'] } },
      ],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms on the 5XX rate', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'IF(requests > 0, 100 * errors / requests, 0)' })]),
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it.each([
    [METRICS.rejected, 50],
    ['Throttled', 25],
  ])('alarms on a spike of %s', (metric, threshold) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'WebhookGateway',
      MetricName: metric,
      Dimensions: [{ Name: 'Gateway', Value: 'Test-Webhooks' }],
      Threshold: threshold,
      AlarmActions: Match.absent(),
    });
  });

  it('alarms as soon as the sweeper fails', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(f.gateway.sweeperFunction) } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms on any delivery the sweeper failed (Interrupted > 0): each needs a replay', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'WebhookGateway',
      MetricName: METRICS.interrupted,
      Dimensions: [{ Name: 'Gateway', Value: 'Test-Webhooks' }],
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmDescription: Match.stringLikeRegexp('replay'),
    });
  });

  it('counts API Gateway 429s from the access logs', () => {
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.status = 429 }',
      MetricTransformations: [
        {
          MetricNamespace: 'WebhookGateway',
          MetricName: 'Throttled',
          MetricValue: '1',
          Dimensions: [{ Key: 'Gateway', Value: '$.gateway' }],
        },
      ],
    });
  });

  it('notifies an SNS topic when one is given', () => {
    const stack = new Stack(testApp(), 'WithTopic');
    const topic = new sns.Topic(stack, 'Alarms');
    const gateway = new WebhookGateway(stack, 'Webhooks', { alarmTopic: topic });
    const alarms = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm');
    expect(Object.keys(alarms)).toHaveLength(6);
    for (const alarm of Object.values(alarms)) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: logicalIdOf(topic) }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: logicalIdOf(topic) }]);
    }
    expect(gateway.alarms).toHaveLength(6);
  });
});

describe('metrics', () => {
  it('exposes the gateway metrics, rejections optionally by reason', () => {
    const stack = f.stack as Stack;
    expect(stack.resolve(f.gateway.metricReceived().dimensions)).toEqual({ Gateway: 'Test-Webhooks' });
    const byReason = f.gateway.metricRejected({ reason: 'signature_mismatch' });
    expect(byReason.metricName).toBe('Rejected');
    expect(byReason.dimensions).toEqual({ Gateway: 'Test-Webhooks', Reason: 'signature_mismatch' });
    expect(f.gateway.metricExecutionsFailed().namespace).toBe('WebhookGateway');
  });
});
