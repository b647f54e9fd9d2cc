import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { gatewayOutputKey, readGatewayOutputs, WebhookSource } from '../../lib';
import { gatewayFixture, logicalIdOf } from './helpers';

function fixture(props?: Parameters<typeof gatewayFixture>[0]) {
  const f = gatewayFixture(props);
  f.gateway.addWebhook('github', { source: WebhookSource.github(), eventKey: "'github:' + headers['x-github-event']" });
  f.gateway.addWebhook('stripe', { source: WebhookSource.stripe(), eventKey: "'stripe:' + input.type" });
  return { ...f, template: Template.fromStack(f.stack) };
}

describe('WebhookGateway REST API', () => {
  const { template, gateway } = fixture();
  const ingest = logicalIdOf(gateway.ingestFunction);
  const authorizerFn = logicalIdOf(gateway.authorizerFunction);

  it('is regional, passes every body through as binary and takes usage-plan keys from the authorizer', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['REGIONAL'] },
      BinaryMediaTypes: ['*/*'],
      ApiKeySourceType: 'AUTHORIZER',
    });
  });

  it('deploys stage v1 with X-Ray, metrics and JSON access logs in an encrypted log group', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      TracingEnabled: true,
      MethodSettings: [Match.objectLike({ MetricsEnabled: true, HttpMethod: '*', ResourcePath: '/*' })],
      AccessLogSetting: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebhooksAccessLogs'), 'Arn'] },
        Format: Match.stringLikeRegexp(
          '"status":\\$context\\.status,.*"responseType":"\\$context\\.error\\.responseType"',
        ),
      },
    });
    const [accessLogs] = Object.entries(template.findResources('AWS::Logs::LogGroup')).find(([id]) =>
      id.startsWith('WebhooksAccessLogs'),
    )!;
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebhooksKey'), 'Arn'] } },
    });
    expect(template.toJSON().Resources[accessLogs].Properties.KmsKeyId).toBeDefined();
  });

  it('takes another stage name', () => {
    fixture({ stageName: 'live' }).template.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'live' });
  });

  it('routes POST /webhooks/{name} to the ingest function behind the path authorizer, with an API key required', () => {
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'webhooks' });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{name}' });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      AuthorizationType: 'CUSTOM',
      AuthorizerId: { Ref: Match.stringLikeRegexp('PathAuthorizer') },
      ApiKeyRequired: true,
      Integration: {
        Type: 'AWS_PROXY',
        IntegrationHttpMethod: 'POST',
        Uri: { 'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [ingest, 'Arn'] }])] },
      },
    });
  });

  it('keys the REQUEST authorizer on the path and caches its answer', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      IdentitySource: 'context.path',
      AuthorizerResultTtlInSeconds: 300,
      AuthorizerUri: { 'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [authorizerFn, 'Arn'] }])] },
    });
  });

  it('answers other methods 405 from a MOCK integration without an authorizer', () => {
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'ANY',
      AuthorizationType: 'NONE',
      Integration: {
        Type: 'MOCK',
        IntegrationResponses: [
          {
            StatusCode: '405',
            ResponseParameters: { 'method.response.header.Allow': "'POST'" },
            ResponseTemplates: { 'application/json': '{"message":"Method Not Allowed"}' },
          },
        ],
      },
      MethodResponses: [{ StatusCode: '405', ResponseParameters: { 'method.response.header.Allow': true } }],
    });
  });

  it.each([
    ['ACCESS_DENIED', '404', 'Not Found', undefined],
    ['MISSING_AUTHENTICATION_TOKEN', '404', 'Not Found', undefined],
    ['THROTTLED', '429', 'Too Many Requests', "'1'"],
    ['QUOTA_EXCEEDED', '429', 'Too Many Requests', "'3600'"],
    ['INVALID_API_KEY', '503', 'Service Unavailable', "'5'"],
    ['DEFAULT_5XX', '503', 'Service Unavailable', "'5'"],
  ])('maps API Gateway response %s to %s', (type, status, message, retryAfter) => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: type,
      StatusCode: status,
      ResponseTemplates: { 'application/json': JSON.stringify({ message }) },
      ResponseParameters: retryAfter ? { 'gatewayresponse.header.Retry-After': retryAfter } : Match.absent(),
    });
  });

  it('gives other 4XX answers a generic JSON body', () => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'DEFAULT_4XX',
      ResponseTemplates: { 'application/json': '{"message":$context.error.messageString}' },
    });
  });

  it('outputs the base URL and all webhook paths in one output, under stable keys', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs[gatewayOutputKey('Webhooks', 'apiUrl')]?.Value).toMatchObject({ 'Fn::Join': expect.any(Array) });
    expect(outputs[gatewayOutputKey('Webhooks', 'webhookPaths')]?.Value).toBe('webhooks/github,webhooks/stripe');
    for (const name of ['configTable', 'historyTable', 'payloadBucket', 'queueUrl', 'deadLetterQueueUrl'] as const) {
      expect(outputs[gatewayOutputKey('Webhooks', name)]).toBeDefined();
    }
    expect(outputs[gatewayOutputKey('Webhooks', 'secretPrefix')]?.Value).toBe('Test/Webhooks');
    expect(outputs[gatewayOutputKey('Webhooks', 'gatewayName')]?.Value).toBe('Test-Webhooks');
    expect(Object.keys(outputs).length).toBeLessThan(15);
  });
});

describe('readGatewayOutputs', () => {
  it('groups DescribeStacks outputs by gateway', () => {
    const outputs = [
      { OutputKey: 'WebhooksApiUrl', OutputValue: 'https://a.example/v1/' },
      { OutputKey: 'WebhooksHistoryTable', OutputValue: 'hist' },
      { OutputKey: 'OtherApiUrl', OutputValue: 'https://b.example/v1/' },
      { OutputKey: 'Unrelated', OutputValue: 'x' },
    ];
    expect(readGatewayOutputs(outputs)).toEqual({
      Webhooks: { apiUrl: 'https://a.example/v1/', historyTable: 'hist' },
      Other: { apiUrl: 'https://b.example/v1/' },
    });
  });
});
