import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { WebhookSource } from 'aws-webhook-gateway';
import { gatewayFixture, type Json, logicalIdOf, nestedTemplates, resourcesOfType } from './helpers';

function fixture(props?: Parameters<typeof gatewayFixture>[0]) {
  const f = gatewayFixture(props);
  f.gateway.addWebhook('github', { source: WebhookSource.github(), eventKey: "'github'" });
  return { ...f, template: Template.fromStack(f.stack) };
}

const key = { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebhooksKey'), 'Arn'] };

describe('WebhookGateway data', () => {
  const { template, gateway } = fixture();

  it('creates one customer-managed key with rotation, usable by CloudWatch Logs', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'CloudWatchLogs',
            Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
          }),
        ]),
      },
    });
  });

  it.each(['ConfigTable', 'HistoryTable'])(
    '%s is on-demand, point-in-time recoverable, with TTL, under the key',
    (id) => {
      const tables = template.findResources('AWS::DynamoDB::Table');
      const [, table] = Object.entries(tables).find(([logicalId]) => logicalId.startsWith(`Webhooks${id}`))!;
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: {
          SSEEnabled: true,
          SSEType: 'KMS',
          KMSMasterKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^WebhooksKey/), 'Arn'] },
        },
        DeletionProtectionEnabled: true,
      });
    },
  );

  it('indexes history by webhook and time, by delivery id, and its pending dedup markers (sparse, keys only)', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byTime',
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'receivedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: 'byDeliveryId',
          KeySchema: [{ AttributeName: 'deliveryId', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: 'byPendingLease',
          KeySchema: [
            { AttributeName: 'pendingShard', KeyType: 'HASH' },
            { AttributeName: 'leaseUntil', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'pendingShard', AttributeType: 'S' },
        { AttributeName: 'leaseUntil', AttributeType: 'N' },
      ]),
    });
  });

  it('keeps payloads in a private, KMS-encrypted, TLS-only bucket that expires them with the history', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key } },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: [Match.objectLike({ ExpirationInDays: 30, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } })],
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('queues events on a high-throughput FIFO queue of 1 MiB messages with a FIFO dead-letter queue', () => {
    const fifo = {
      FifoQueue: true,
      ContentBasedDeduplication: false,
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
      MaximumMessageSize: 1048576,
      KmsMasterKeyId: key,
    };
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.hasResourceProperties('AWS::SQS::Queue', { ...fifo, MessageRetentionPeriod: 1209600 });
    template.hasResourceProperties('AWS::SQS::Queue', {
      ...fifo,
      VisibilityTimeout: 180,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebhooksDeadLetterQueue'), 'Arn'] },
        maxReceiveCount: 5,
      },
    });
    const policies = template.findResources('AWS::SQS::QueuePolicy');
    expect(Object.keys(policies)).toHaveLength(2);
    for (const policy of Object.values(policies)) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('gives the queue a visibility timeout of at least six times the dispatcher timeout', () => {
    const resources = template.toJSON().Resources as Record<string, Json>;
    const dispatcher = resources[logicalIdOf(gateway.dispatcherFunction)];
    const queue = resources[logicalIdOf(gateway.queue)];
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * dispatcher.Properties.Timeout);
  });

  it('retains the tables, key, bucket, log groups and secrets on cdk destroy by default', () => {
    for (const type of ['AWS::DynamoDB::Table', 'AWS::KMS::Key', 'AWS::S3::Bucket', 'AWS::Logs::LogGroup']) {
      for (const resource of Object.values(template.findResources(type))) {
        expect(resource, type).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      }
    }
    const secrets = resourcesOfType(nestedTemplates(gateway), 'Custom::WebhookGatewaySecret');
    expect(secrets).toHaveLength(1);
    for (const [, secret] of secrets) expect(secret).toMatchObject({ DeletionPolicy: 'Retain' });
  });
});

describe('WebhookGateway removalPolicy DESTROY (development stacks)', () => {
  const { template, gateway } = fixture({ removalPolicy: RemovalPolicy.DESTROY, historyRetention: Duration.days(7) });

  it('deletes the tables, key, bucket (emptied first), log groups and secrets', () => {
    for (const type of ['AWS::DynamoDB::Table', 'AWS::KMS::Key', 'AWS::S3::Bucket', 'AWS::Logs::LogGroup']) {
      for (const resource of Object.values(template.findResources(type))) {
        expect(resource, type).toMatchObject({ DeletionPolicy: 'Delete' });
      }
    }
    template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
    template.hasResourceProperties('AWS::KMS::Key', { PendingWindowInDays: 7 });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 1);
    for (const [, secret] of resourcesOfType(nestedTemplates(gateway), 'Custom::WebhookGatewaySecret')) {
      expect(secret).toMatchObject({ DeletionPolicy: 'Delete' });
    }
  });

  it('applies historyRetention to the bucket lifecycle and the functions', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 7 })] },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ HISTORY_RETENTION_DAYS: '7' }) },
    });
  });
});
