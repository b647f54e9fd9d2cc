import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { WebhookGateway, type WebhookGatewayProps, WebhookSource } from 'aws-webhook-gateway';
import { ENV } from '../../lambdas/core/config/environment';
import { type Json, logicalIdOf, testApp } from './helpers';

function build(props: (stack: Stack) => WebhookGatewayProps) {
  const app = testApp();
  const stack = new Stack(app, 'Test');
  const gateway = new WebhookGateway(stack, 'Webhooks', props(stack));
  gateway.addWebhook('github', { source: WebhookSource.github(), eventKey: "'github'" });
  return { app, stack, gateway };
}

function synthError(props: WebhookGatewayProps): string | undefined {
  const { stack } = build(() => props);
  try {
    Template.fromStack(stack);
    return undefined;
  } catch (error) {
    return String(error);
  }
}

describe('encryptionKey', () => {
  it('uses a key of the app for everything, creates none, and adds the CloudWatch statements to its policy', () => {
    let own: kms.Key | undefined;
    const { stack, gateway } = build((s) => ({ encryptionKey: (own = new kms.Key(s, 'Mine')) }));
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    expect(gateway.encryptionKey).toBe(own);
    const keyArn = { 'Fn::GetAtt': [logicalIdOf(own!), 'Arn'] };
    template.hasResourceProperties('AWS::DynamoDB::Table', { SSESpecification: { KMSMasterKeyId: keyArn } });
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: keyArn });
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: keyArn });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'CloudWatchLogs' }),
          Match.objectLike({ Sid: 'CloudWatchAlarmsToEncryptedTopic' }),
        ]),
      },
    });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('imported-key'))).toEqual([]);
  });

  it('uses an imported key, and warns once, with a stable id, what its policy must allow', () => {
    const arn = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
    const { stack } = build((s) => ({ encryptionKey: kms.Key.fromKeyArn(s, 'Theirs', arn) }));
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: arn });
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: arn });
    const warnings = Annotations.fromStack(stack).findWarning('/Test/Webhooks', Match.stringLikeRegexp('logs\\.'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.entry.data).toMatch(/encryptionKey is imported.*\[ack: webhook-gateway:imported-key\]$/s);
  });
});

describe('ingestFunctionProps and dispatcherFunctionProps', () => {
  it('set memory, timeout, reserved concurrency and log retention of the two functions only', () => {
    const { stack, gateway } = build(() => ({
      ingestFunctionProps: { memorySize: 2048, timeout: Duration.seconds(20), reservedConcurrentExecutions: 50 },
      dispatcherFunctionProps: { memorySize: 256, timeout: Duration.minutes(2), logRetention: RetentionDays.ONE_WEEK },
    }));
    const template = Template.fromStack(stack);
    const resources = template.toJSON().Resources as Record<string, Json>;
    const ingest = resources[logicalIdOf(gateway.ingestFunction)].Properties;
    expect(ingest).toMatchObject({ MemorySize: 2048, Timeout: 20, ReservedConcurrentExecutions: 50 });
    // The lease of a pending claim follows the ingest timeout.
    expect(ingest.Environment.Variables[ENV.ingestTimeoutSeconds]).toBe('20');
    const dispatcher = resources[logicalIdOf(gateway.dispatcherFunction)].Properties;
    expect(dispatcher).toMatchObject({ MemorySize: 256, Timeout: 120 });
    expect(dispatcher.ReservedConcurrentExecutions).toBeUndefined();
    expect(resources[logicalIdOf(gateway.authorizerFunction)].Properties).toMatchObject({
      MemorySize: 256,
      Timeout: 5,
    });
    // SQS asks for a visibility timeout of six times the consumer's timeout.
    expect(resources[logicalIdOf(gateway.queue)].Properties.VisibilityTimeout).toBe(720);
    const retention = (fn: typeof gateway.ingestFunction) =>
      resources[logicalIdOf(fn.logGroup)].Properties.RetentionInDays as number;
    expect(retention(gateway.dispatcherFunction)).toBe(7);
    expect(retention(gateway.ingestFunction)).toBe(90);
  });

  it('keep the defaults when left out', () => {
    const { stack, gateway } = build(() => ({}));
    const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Json>;
    expect(resources[logicalIdOf(gateway.ingestFunction)].Properties).toMatchObject({ MemorySize: 1024, Timeout: 15 });
    expect(resources[logicalIdOf(gateway.queue)].Properties.VisibilityTimeout).toBe(180);
  });

  it('fails if the ingest timeout is longer than API Gateway waits', () => {
    expect(synthError({ ingestFunctionProps: { timeout: Duration.seconds(30) } })).toMatch(
      /ingestFunctionProps.timeout is 30 seconds: use at most 29 seconds \(API Gateway answers 504 after its 29-second integration timeout/,
    );
    expect(synthError({ ingestFunctionProps: { timeout: Duration.seconds(29) } })).toBeUndefined();
  });

  it("fails if the dispatcher timeout is above Lambda's 15 minutes or not whole seconds", () => {
    expect(synthError({ dispatcherFunctionProps: { timeout: Duration.minutes(16) } })).toMatch(
      /dispatcherFunctionProps.timeout is 960 seconds: use at most 900 seconds \(Lambda's limit is 15 minutes\)/,
    );
    expect(synthError({ dispatcherFunctionProps: { timeout: Duration.millis(1500) } })).toMatch(
      /dispatcherFunctionProps.timeout is 1.5 seconds: use whole seconds, at least 1/,
    );
  });

  it('fails if memory or reserved concurrency are out of range, naming the field, the value and the fix', () => {
    expect(synthError({ ingestFunctionProps: { memorySize: 64 } })).toMatch(
      /ingestFunctionProps.memorySize is 64: use a whole number of MB from 128 to 10240/,
    );
    expect(synthError({ dispatcherFunctionProps: { reservedConcurrentExecutions: 0 } })).toMatch(
      /dispatcherFunctionProps.reservedConcurrentExecutions is 0: use a whole number of at least 1 \(0 would stop the function\)/,
    );
  });
});

describe('configTableProps, historyTableProps and deadLetterQueueProps', () => {
  it('set each table on its own: recovery, class, removal policy, deletion protection, Contributor Insights', () => {
    const { stack, gateway } = build(() => ({
      historyTableProps: {
        tableClass: dynamodb.TableClass.STANDARD_INFREQUENT_ACCESS,
        pointInTimeRecovery: false,
        removalPolicy: RemovalPolicy.DESTROY,
        contributorInsights: true,
      },
      configTableProps: { deletionProtection: false },
    }));
    const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Json>;
    const history = resources[logicalIdOf(gateway.historyTable)];
    expect(history.DeletionPolicy).toBe('Delete');
    expect(history.Properties).toMatchObject({
      TableClass: 'STANDARD_INFREQUENT_ACCESS',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
      DeletionProtectionEnabled: false,
      ContributorInsightsSpecification: { Enabled: true },
    });
    const config = resources[logicalIdOf(gateway.configTable)];
    expect(config.DeletionPolicy).toBe('Retain');
    expect(config.Properties).toMatchObject({
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: false,
    });
    expect(config.Properties.TableClass).toBeUndefined();
    // What the functions rely on stays: keys, on-demand capacity, TTL, the gateway's key.
    expect(history.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('keep recovery and deletion protection on by default', () => {
    const { stack, gateway } = build(() => ({}));
    const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Json>;
    for (const table of [gateway.configTable, gateway.historyTable]) {
      expect(resources[logicalIdOf(table)].Properties).toMatchObject({
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      });
      expect(resources[logicalIdOf(table)].Properties.ContributorInsightsSpecification).toBeUndefined();
    }
  });

  it("set the dead-letter queue's retention and the event queue's maximum receive count", () => {
    const { stack, gateway } = build(() => ({
      deadLetterQueueProps: { retentionPeriod: Duration.days(7), maxReceiveCount: 10 },
    }));
    const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Json>;
    expect(resources[logicalIdOf(gateway.deadLetterQueue)].Properties.MessageRetentionPeriod).toBe(7 * 24 * 3600);
    expect(resources[logicalIdOf(gateway.queue)].Properties.RedrivePolicy.maxReceiveCount).toBe(10);
    const defaults = build(() => ({}));
    const queue = Template.fromStack(defaults.stack).toJSON().Resources[logicalIdOf(defaults.gateway.queue)];
    expect(queue.Properties.RedrivePolicy.maxReceiveCount).toBe(5);
  });

  it("fails if the dead-letter queue's settings are outside SQS's limits", () => {
    expect(synthError({ deadLetterQueueProps: { retentionPeriod: Duration.days(15) } })).toMatch(
      /deadLetterQueueProps.retentionPeriod is 1296000 seconds: use whole seconds from 60 \(1 minute\) to 1209600 \(14 days\)/,
    );
    expect(synthError({ deadLetterQueueProps: { maxReceiveCount: 0 } })).toMatch(
      /deadLetterQueueProps.maxReceiveCount is 0: use a whole number from 1 to 1000/,
    );
  });
});
