import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/core/config/environment';
import { WebhookSource } from 'aws-webhook-gateway';
import { gatewayFixture, type Json, logicalIdOf } from './helpers';

const f = gatewayFixture();
f.gateway.addWebhook('github', { source: WebhookSource.github(), eventKey: "'github'" });
const template = Template.fromStack(f.stack);
const resources = template.toJSON().Resources as Record<string, Json>;
const { gateway } = f;

/** The statements of the role policy of a function. */
function statements(fn: { role?: iam.IRole }): { Action: string | string[]; Resource: unknown }[] {
  const role = logicalIdOf(fn.role!);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}
const actions = (s: { Action: string | string[] }) => [s.Action].flat();
const refs = (value: unknown) =>
  [...JSON.stringify(value).matchAll(/"(?:Ref|Fn::GetAtt)":\["?([A-Za-z0-9]+)/g)].map((m) => m[1]);

describe('WebhookGateway functions', () => {
  const functions = {
    ingest: gateway.ingestFunction,
    authorizer: gateway.authorizerFunction,
    dispatcher: gateway.dispatcherFunction,
    configWriter: gateway.configWriterFunction,
    sweeper: gateway.sweeperFunction,
  };

  it.each(Object.entries(functions))(
    '%s runs on nodejs24.x, arm64, with X-Ray active tracing and its own encrypted log group',
    (_, fn) => {
      const props = resources[logicalIdOf(fn)].Properties;
      expect(props).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Handler: 'index.handler',
        LoggingConfig: { LogGroup: { Ref: expect.stringMatching(/Logs/) } },
      });
      const logGroup = resources[props.LoggingConfig.LogGroup.Ref];
      expect(logGroup.Properties).toMatchObject({ KmsKeyId: expect.anything(), RetentionInDays: 90 });
      expect(props.Environment.Variables).toMatchObject({
        POWERTOOLS_METRICS_NAMESPACE: 'WebhookGateway',
        [ENV.gatewayId]: 'Test-Webhooks',
      });
      // Source maps are opt-in: Node.js reading them would cost every cold start.
      expect(props.Environment.Variables).not.toHaveProperty('NODE_OPTIONS');
    },
  );

  it('enables source maps only for the functions whose props ask for them', () => {
    const withMaps = gatewayFixture({ ingestFunctionProps: { sourceMaps: true }, dispatcherFunctionProps: {} });
    withMaps.gateway.addWebhook('github', { source: WebhookSource.github(), eventKey: "'github'" });
    const all = Template.fromStack(withMaps.stack).toJSON().Resources as Record<string, Json>;
    const variables = (fn: IConstruct) => all[logicalIdOf(fn)].Properties.Environment.Variables;
    expect(variables(withMaps.gateway.ingestFunction)).toMatchObject({ NODE_OPTIONS: '--enable-source-maps' });
    expect(variables(withMaps.gateway.dispatcherFunction)).not.toHaveProperty('NODE_OPTIONS');
  });

  it('runs every function, the config provider framework included, on nodejs24.x, arm64, with X-Ray', () => {
    expect(Object.keys(template.findResources('AWS::Lambda::Function'))).toHaveLength(6);
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
    });
  });

  it('gives the ingest function the names of its tables, queue and bucket', () => {
    expect(resources[logicalIdOf(gateway.ingestFunction)].Properties.Environment.Variables).toMatchObject({
      [ENV.configTable]: { Ref: logicalIdOf(gateway.configTable) },
      [ENV.historyTable]: { Ref: logicalIdOf(gateway.historyTable) },
      [ENV.queueUrl]: { Ref: logicalIdOf(gateway.queue) },
      [ENV.payloadBucket]: { Ref: logicalIdOf(gateway.payloadBucket) },
      [ENV.historyRetentionDays]: '30',
      [ENV.dedupRetentionDays]: '90',
      // The lease of a pending claim is the function's own timeout.
      [ENV.ingestTimeoutSeconds]: String(resources[logicalIdOf(gateway.ingestFunction)].Properties.Timeout),
      [ENV.configCacheSeconds]: '30',
      [ENV.historyBodyLimit]: '65536',
    });
  });

  it('runs the sweeper every 5 minutes, letting it query the pending index and update history items only', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalIdOf(gateway.sweeperFunction), 'Arn'] } })],
    });
    const granted = statements(gateway.sweeperFunction).filter((s) => actions(s)[0]!.startsWith('dynamodb:'));
    expect(granted.flatMap(actions).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    const query = granted.find((s) => actions(s).includes('dynamodb:Query'))!;
    expect(JSON.stringify(query.Resource)).toContain('/index/byPendingLease');
    expect(granted.flatMap((s) => refs(s.Resource))).toEqual([
      logicalIdOf(gateway.historyTable),
      logicalIdOf(gateway.historyTable),
    ]);
    expect(resources[logicalIdOf(gateway.sweeperFunction)].Properties.Environment.Variables).toMatchObject({
      [ENV.historyTable]: { Ref: logicalIdOf(gateway.historyTable) },
    });
  });

  it('feeds the dispatcher from the queue in batches, reporting partial failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(gateway.dispatcherFunction) },
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(gateway.queue), 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('lets the ingest function touch only its own tables, secrets, bucket, queue and key', () => {
    const own = new Set(
      [gateway.configTable, gateway.historyTable, gateway.payloadBucket, gateway.queue, gateway.encryptionKey].map(
        logicalIdOf,
      ),
    );
    const ingestLogs = resources[logicalIdOf(gateway.ingestFunction)].Properties.LoggingConfig.LogGroup.Ref;
    own.add(ingestLogs);
    for (const statement of statements(gateway.ingestFunction)) {
      if (statement.Resource === '*') {
        expect(actions(statement)).toEqual(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
        continue;
      }
      if (actions(statement).includes('secretsmanager:GetSecretValue')) {
        expect(JSON.stringify(statement.Resource)).toContain(':secret:Test/Webhooks/*');
        continue;
      }
      const referenced = refs(statement.Resource);
      expect(referenced.length, JSON.stringify(statement)).toBeGreaterThan(0);
      for (const id of referenced) expect(own, JSON.stringify(statement)).toContain(id);
    }
    expect(statements(gateway.ingestFunction).flatMap(actions).sort()).toEqual(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'dynamodb:UpdateItem',
        'kms:Decrypt',
        'kms:GenerateDataKey',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:PutObject',
        'secretsmanager:GetSecretValue',
        'sqs:SendMessage',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
  });

  it('names the history indexes instead of a wildcard', () => {
    const history = statements(gateway.ingestFunction).find((s) => actions(s).includes('dynamodb:PutItem'))!;
    const text = JSON.stringify(history.Resource);
    expect(text).toContain('/index/byTime');
    expect(text).toContain('/index/byDeliveryId');
    expect(text).not.toContain('index/*');
  });

  it('lets the authorizer read config items only', () => {
    const granted = statements(gateway.authorizerFunction).filter((s) => s.Resource !== '*');
    expect(granted.flatMap(actions).sort()).toEqual(
      ['dynamodb:GetItem', 'kms:Decrypt', 'logs:CreateLogStream', 'logs:PutLogEvents'].sort(),
    );
    const table = granted.find((s) => actions(s).includes('dynamodb:GetItem'))!;
    expect(refs(table.Resource)).toEqual([logicalIdOf(gateway.configTable)]);
  });

  it('lets the config writer update, batch-write and query the config table only', () => {
    const granted = statements(gateway.configWriterFunction).filter((s) => actions(s)[0]!.startsWith('dynamodb:'));
    expect(granted.flatMap(actions).sort()).toEqual([
      'dynamodb:BatchWriteItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(granted.flatMap((s) => refs(s.Resource))).toEqual([logicalIdOf(gateway.configTable)]);
  });

  it('grants intent-level reads: history (table, indexes, key) and payloads (objects, key)', () => {
    const { stack, gateway: other } = gatewayFixture();
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    other.grantReadHistory(role);
    other.grantReadPayloads(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(role) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: Match.arrayWith(['dynamodb:GetItem', 'dynamodb:Query']) }),
          Match.objectLike({
            Action: 'kms:Decrypt',
            Resource: { 'Fn::GetAtt': [logicalIdOf(other.encryptionKey), 'Arn'] },
          }),
          Match.objectLike({
            Action: 's3:GetObject',
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalIdOf(other.payloadBucket), 'Arn'] }, '/*']] },
          }),
        ]),
      },
    });
  });
});
