import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { type IWebhookGateway, WebhookGateway, WebhookSource } from 'aws-webhook-gateway';
import { attributesOf, GATEWAY_ATTRIBUTES, gatewayFixture, type Json, testApp } from './helpers';

const ATTRS = GATEWAY_ATTRIBUTES;

function importingStack() {
  const app = testApp();
  const stack = new Stack(app, 'Workflows', { env: { account: '123456789012', region: 'eu-west-1' } });
  const gateway: IWebhookGateway = WebhookGateway.fromGatewayAttributes(stack, 'Gateway', ATTRS);
  const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
  return { app, stack, gateway, role };
}

/** Every statement of every AWS::IAM::Policy in the template. */
function statements(template: Template): Json[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p: Json) => p.Properties.PolicyDocument.Statement,
  );
}

describe('WebhookGateway.fromGatewayAttributes', () => {
  it('creates no resources of its own', () => {
    const { stack, gateway } = importingStack();
    expect(gateway.gatewayName).toBe(ATTRS.gatewayName);
    expect(gateway.url).toBe(ATTRS.url);
    expect(gateway.encryptionKey.keyArn).toBe(ATTRS.encryptionKeyArn);
    expect(Object.values(Template.fromStack(stack).toJSON().Resources).map((r: Json) => r.Type)).toEqual([
      'AWS::IAM::Role',
    ]);
  });

  it('grants reading history on the table and its two indexes by name, and decrypting with the key only', () => {
    const { stack, gateway, role } = importingStack();
    gateway.grantReadHistory(role);
    const table = `:dynamodb:eu-west-1:123456789012:table/${ATTRS.historyTableName}`;
    const arn = (suffix: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `${table}${suffix}`]] });
    expect(statements(Template.fromStack(stack))).toEqual([
      {
        Action: [
          'dynamodb:BatchGetItem',
          'dynamodb:GetItem',
          'dynamodb:Query',
          'dynamodb:Scan',
          'dynamodb:DescribeTable',
        ],
        Effect: 'Allow',
        Resource: [arn(''), arn('/index/byTime'), arn('/index/byDeliveryId')],
      },
      { Action: 'kms:Decrypt', Effect: 'Allow', Resource: ATTRS.encryptionKeyArn },
    ]);
  });

  it('grants reading payload objects of that bucket only, with the cdk-nag IAM5 finding acknowledged', () => {
    const { app, stack, gateway, role } = importingStack();
    gateway.grantReadPayloads(role);
    expect(statements(Template.fromStack(stack))).toEqual([
      {
        Action: 's3:GetObject',
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${ATTRS.payloadBucketName}/*`]] },
      },
      { Action: 'kms:Decrypt', Effect: 'Allow', Resource: ATTRS.encryptionKeyArn },
    ]);
    const violations = new AwsSolutionsChecks(app).validateScope(app).violations.map((v) => v.ruleName);
    expect(violations).toEqual([]);
  });

  it('gives metrics with the Gateway dimension of the imported gateway', () => {
    const { stack, gateway } = importingStack();
    const rendered = stack.resolve(gateway.metricRejected({ reason: 'signature_mismatch' }).toMetricConfig());
    expect(rendered.metricStat).toMatchObject({
      namespace: 'WebhookGateway',
      metricName: 'Rejected',
      dimensions: [
        { name: 'Gateway', value: ATTRS.gatewayName },
        { name: 'Reason', value: 'signature_mismatch' },
      ],
    });
  });

  it("synthesizes in a second stack of the gateway's app with the gateway's own attributes", () => {
    const {
      app,
      stack,
      gateway: owner,
    } = gatewayFixture({}, { env: { account: '123456789012', region: 'eu-west-1' } });
    owner.addWebhook('github', { source: WebhookSource.github(), eventKey: "'github'" });
    const other = new Stack(app, 'Other', { env: { account: '123456789012', region: 'eu-west-1' } });
    const imported = WebhookGateway.fromGatewayAttributes(other, 'Gateway', attributesOf(owner));
    const role = new iam.Role(other, 'Reader', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
    imported.grantReadHistory(role);
    const template = Template.fromStack(other);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'kms:Decrypt',
            Resource: { 'Fn::ImportValue': Match.stringLikeRegexp('WebhooksKey') },
          }),
        ]),
      },
    });
    // The owner exports what the importer reads.
    expect(Object.keys(Template.fromStack(stack).toJSON().Outputs)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^ExportsOutput.*WebhooksKey/)]),
    );
  });

  it('writes the encryption key ARN as an output, next to the other attributes', () => {
    const { stack, gateway } = gatewayFixture();
    gateway.addWebhook('github', { source: WebhookSource.github(), eventKey: "'github'" });
    const outputs = Template.fromStack(stack).toJSON().Outputs;
    expect(outputs.WebhooksEncryptionKeyArn.Value).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^WebhooksKey/), 'Arn'],
    });
    for (const key of ['WebhooksGatewayName', 'WebhooksApiUrl', 'WebhooksHistoryTable', 'WebhooksPayloadBucket'])
      expect(outputs).toHaveProperty(key);
  });
});
