import { Size } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { GatewayOutput, GatewayOutputs, WebhookSource } from 'aws-webhook-gateway';
import { readGatewayOutputs } from '../../lib/outputs';
import { DEFAULTS } from '../../lib/private/defaults';
import { gatewayFixture, type Json, logicalIdOf } from './helpers';

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
        // Every media type is binary: without CONVERT_TO_TEXT API Gateway base64-decodes the JSON
        // answer for the sender's Accept type, fails with 500, and the sender sees 503.
        ContentHandling: 'CONVERT_TO_TEXT',
        IntegrationResponses: [
          {
            StatusCode: '405',
            ContentHandling: 'CONVERT_TO_TEXT',
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
    // Keys live as long as their webhook: a cached authorizer answer naming a removed webhook's key.
    ['INVALID_API_KEY', '404', 'Not Found', undefined],
    // Lambda refused the payload (body above 6 MB once base64-encoded): not a retry signal.
    ['REQUEST_TOO_LARGE', '413', 'Payload Too Large', undefined],
    ['DEFAULT_5XX', '503', 'Service Unavailable', "'5'"],
  ])('maps API Gateway response %s to %s', (type, status, message, retryAfter) => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: type,
      StatusCode: status,
      ResponseTemplates: { 'application/json': JSON.stringify({ message }) },
      ResponseParameters: retryAfter ? { 'gatewayresponse.header.Retry-After': retryAfter } : Match.absent(),
    });
  });

  it('maps no 5XX response type to anything but 503, so a genuine failure is never told not to retry', () => {
    const responses = Object.values(template.findResources('AWS::ApiGateway::GatewayResponse'));
    for (const r of responses) {
      if (/5XX|INTEGRATION|CONFIGURATION|AUTHORIZER_FAILURE/.test(r.Properties.ResponseType))
        expect(r.Properties.StatusCode, r.Properties.ResponseType).toBe('503');
    }
  });

  it('gives other 4XX answers a generic JSON body', () => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'DEFAULT_4XX',
      ResponseTemplates: { 'application/json': '{"message":$context.error.messageString}' },
    });
  });

  it('outputs the base URL and all webhook paths in one output, under stable keys', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const key = (output: GatewayOutput) => GatewayOutputs.keyOf('Webhooks', output);
    expect(outputs.WebhooksApiUrl?.Value).toMatchObject({ 'Fn::Join': expect.any(Array) });
    expect(outputs[key(GatewayOutput.WEBHOOK_PATHS)]?.Value).toBe('webhooks/github,webhooks/stripe');
    for (const output of [
      GatewayOutput.CONFIG_TABLE,
      GatewayOutput.HISTORY_TABLE,
      GatewayOutput.PAYLOAD_BUCKET,
      GatewayOutput.QUEUE_URL,
      GatewayOutput.DEAD_LETTER_QUEUE_URL,
    ]) {
      expect(outputs[key(output)]).toBeDefined();
    }
    expect(outputs[key(GatewayOutput.SECRET_PREFIX)]?.Value).toBe('Test/Webhooks');
    expect(outputs[key(GatewayOutput.GATEWAY_NAME)]?.Value).toBe('Test-Webhooks');
    expect(Object.keys(outputs).length).toBeLessThan(15);
  });
});

describe('the API Gateway account role (CloudWatch Logs)', () => {
  it('is set by default, since access logging fails at CREATE in a region without it, and kept on delete', () => {
    const { template } = fixture();
    const [[roleId, role]] = Object.entries(template.findResources('AWS::IAM::Role')).filter(([, r]) =>
      JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('apigateway.amazonaws.com'),
    ) as [[string, Record<string, Json>]];
    expect(role).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain(
      'service-role/AmazonAPIGatewayPushToCloudWatchLogs',
    );
    const accounts = Object.entries(template.findResources('AWS::ApiGateway::Account'));
    expect(accounts).toHaveLength(1);
    const [accountId, account] = accounts[0]!;
    expect(account).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: { CloudWatchRoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] } },
    });
    // The stage (with its access log setting) is created only once the account names the role.
    const [stage] = Object.values(template.findResources('AWS::ApiGateway::Stage'));
    expect(stage!.DependsOn).toContain(accountId);
  });

  it('is left alone with cloudWatchRole: false (an account that manages it itself)', () => {
    const { template } = fixture({ cloudWatchRole: false });
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
    template.hasResourceProperties('AWS::ApiGateway::Stage', { AccessLogSetting: Match.anyValue() });
  });
});

describe('largest body', () => {
  it('lets every body that maxBodySize allows reach the ingest function: base64 plus the event fit Lambda', () => {
    const limit = DEFAULTS.maxBodySizeLimit.toBytes();
    expect(Math.ceil(limit / 3) * 4 + DEFAULTS.proxyEventOverheadBytes).toBeLessThanOrEqual(
      DEFAULTS.lambdaPayloadLimitBytes,
    );
    const f = gatewayFixture();
    f.gateway.addWebhook('big', {
      source: WebhookSource.github(),
      eventKey: "'b'",
      maxBodySize: Size.bytes(limit + 1),
    });
    expect(() => f.app.synth()).toThrow(
      /webhook "big": maxBodySize 4194305 bytes must be between 1 byte and 4194304 bytes/,
    );
  });
});

describe('stage throttle', () => {
  it('limits the stage to 1,000 requests per second, burst 2,000 by default (every webhook and unknown path)', () => {
    fixture().template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 1000,
          ThrottlingBurstLimit: 2000,
        }),
      ],
    });
  });

  it('takes stageThrottle, field by field', () => {
    fixture({ stageThrottle: { rateLimit: 300 } }).template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 300, ThrottlingBurstLimit: 2000 })],
    });
  });

  it('fails synth if a webhook may go faster than the stage, naming both limits and the fix', () => {
    const f = gatewayFixture({ stageThrottle: { rateLimit: 50, burstLimit: 100 } });
    f.gateway.addWebhook('fast', { source: WebhookSource.github(), eventKey: "'fast'" });
    f.gateway.addWebhook('slow', {
      source: WebhookSource.github(),
      eventKey: "'slow'",
      rateLimit: { rate: 5, burst: 10 },
    });
    const synth = () => f.app.synth();
    expect(synth).toThrow(
      /webhook "fast": rateLimit\.rate 100 is above the stage's 50 requests per second.*raise stageThrottle\.rateLimit/,
    );
    expect(synth).toThrow(/webhook "fast": rateLimit\.burst 200 is above the stage's burst 100/);
    expect(synth).not.toThrow(/webhook "slow"/);
  });

  it('fails synth on a stage throttle that is not positive', () => {
    const f = gatewayFixture({ stageThrottle: { rateLimit: 0, burstLimit: 1.5 } });
    f.gateway.addWebhook('a', { source: WebhookSource.github(), eventKey: "'a'", rateLimit: { rate: 0.5, burst: 1 } });
    expect(() => f.app.synth()).toThrow(
      /stageThrottle\.rateLimit 0 must be a positive number[\s\S]*stageThrottle\.burstLimit 1\.5/,
    );
  });
});

describe('GatewayOutputs', () => {
  it('keys outputs by the construct id without non-alphanumerics', () => {
    expect(GatewayOutputs.keyOf('Web-hooks 2', GatewayOutput.API_URL)).toBe('Webhooks2ApiUrl');
    expect(GatewayOutputs.keyOf('Webhooks', GatewayOutput.DEAD_LETTER_QUEUE_URL)).toBe('WebhooksDeadLetterQueueUrl');
  });

  it('groups output values by gateway', () => {
    expect(
      GatewayOutputs.read({
        WebhooksApiUrl: 'https://a.example/v1/',
        WebhooksQueueUrl: 'https://sqs.example/q',
        OtherApiUrl: 'https://b.example/v1/',
        OtherDomainTarget: 'd-1.execute-api.example',
        Unrelated: 'x',
      }),
    ).toEqual({
      Webhooks: { apiUrl: 'https://a.example/v1/', queueUrl: 'https://sqs.example/q' },
      Other: { apiUrl: 'https://b.example/v1/', domainTarget: 'd-1.execute-api.example' },
    });
  });

  it('groups DescribeStacks outputs by gateway (readGatewayOutputs, for the CLI)', () => {
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
