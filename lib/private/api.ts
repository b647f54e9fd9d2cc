import { RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { DEFAULTS } from './defaults';

export interface ApiOptions {
  readonly apiName: string;
  readonly stageName: string;
  readonly gatewayName: string;
  readonly ingest: lambda.IFunction;
  readonly authorizer: lambda.IFunction;
  readonly key: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;
  /** Sets the region's API Gateway CloudWatch Logs role (kept when the stack is deleted). */
  readonly cloudWatchRole: boolean;
  /** Default method throttle of the stage: every webhook and unknown path together. */
  readonly stageThrottle: Required<apigw.ThrottleSettings>;
  /** Turns off the default execute-api endpoint (a custom domain is the way in). */
  readonly disableExecuteApiEndpoint?: boolean;
}

export interface GatewayApi {
  readonly api: apigw.RestApi;
  readonly accessLogs: logs.LogGroup;
  readonly webhookResource: apigw.Resource;
}

const json = (message: string) => ({ 'application/json': JSON.stringify({ message }) });
const retryAfter = (seconds: number) => ({ 'Retry-After': `'${seconds}'` });

/** Access log fields; `status` is a number so that metric filters can compare it. */
function accessLogFormat(gatewayName: string): apigw.AccessLogFormat {
  const fields = [
    '"requestId":"$context.requestId"',
    '"time":"$context.requestTime"',
    '"ip":"$context.identity.sourceIp"',
    '"userAgent":"$context.identity.userAgent"',
    '"method":"$context.httpMethod"',
    '"path":"$context.path"',
    '"status":$context.status',
    '"responseType":"$context.error.responseType"',
    '"error":"$context.error.message"',
    '"authorizerError":"$context.authorizer.error"',
    // WAF_ALLOW or WAF_BLOCK once a web ACL guards the stage; empty without one.
    '"waf":"$context.wafResponseCode"',
    '"apiKeyId":"$context.identity.apiKeyId"',
    '"latency":"$context.responseLatency"',
    '"integrationLatency":"$context.integrationLatency"',
    '"responseLength":"$context.responseLength"',
    '"xrayTraceId":"$context.xrayTraceId"',
    `"gateway":${JSON.stringify(gatewayName)}`,
  ];
  return apigw.AccessLogFormat.custom(`{${fields.join(',')}}`);
}

/**
 * The REST API: `POST /webhooks/{name}` → ingest (Lambda proxy) behind a REQUEST authorizer keyed
 * on the path, which returns the webhook's usage-plan key (throttle and quota apply before any
 * verifier runs). Every body arrives base64 (every media type is binary) so the verifier sees
 * the exact bytes. Other methods answer 405 from a MOCK integration; API Gateway's own answers are
 * mapped to the gateway's HTTP answers.
 */
export function createApi(scope: Construct, options: ApiOptions): GatewayApi {
  const accessLogs = new logs.LogGroup(scope, 'AccessLogs', {
    encryptionKey: options.key,
    retention: options.logRetention,
    removalPolicy: options.removalPolicy,
  });
  const api = new apigw.RestApi(scope, 'Api', {
    restApiName: options.apiName,
    description: 'Webhook gateway: POST /webhooks/{name}',
    endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
    binaryMediaTypes: ['*/*'],
    apiKeySourceType: apigw.ApiKeySourceType.AUTHORIZER,
    ...(options.disableExecuteApiEndpoint && { disableExecuteApiEndpoint: true }),
    // Access logging fails at CREATE in a region whose account settings name no CloudWatch Logs role.
    cloudWatchRole: options.cloudWatchRole,
    ...(options.cloudWatchRole && { cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN }),
    deployOptions: {
      stageName: options.stageName,
      tracingEnabled: true,
      metricsEnabled: true,
      throttlingRateLimit: options.stageThrottle.rateLimit,
      throttlingBurstLimit: options.stageThrottle.burstLimit,
      accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
      accessLogFormat: accessLogFormat(options.gatewayName),
    },
  });

  const authorizer = new apigw.RequestAuthorizer(scope, 'PathAuthorizer', {
    handler: options.authorizer,
    identitySources: [apigw.IdentitySource.context('path')],
    resultsCacheTtl: DEFAULTS.authorizerCacheTtl,
  });

  const webhookResource = api.root.addResource('webhooks').addResource('{name}');
  webhookResource.addMethod(
    'POST',
    new apigw.LambdaIntegration(options.ingest, { proxy: true, allowTestInvoke: false }),
    {
      authorizer,
      apiKeyRequired: true,
      requestParameters: { 'method.request.path.name': true },
    },
  );
  // Any other method: 405 without invoking anything. POST stays specific, so it wins over ANY.
  // Every media type is binary, so without CONVERT_TO_TEXT API Gateway would base64-decode the
  // mock's JSON answer for the sender's Accept type and fail with 500 (then 503 below).
  webhookResource.addMethod(
    'ANY',
    new apigw.MockIntegration({
      passthroughBehavior: apigw.PassthroughBehavior.WHEN_NO_TEMPLATES,
      contentHandling: apigw.ContentHandling.CONVERT_TO_TEXT,
      integrationResponses: [
        {
          statusCode: '405',
          contentHandling: apigw.ContentHandling.CONVERT_TO_TEXT,
          responseParameters: { 'method.response.header.Allow': "'POST'" },
          responseTemplates: json('Method Not Allowed'),
        },
      ],
    }),
    {
      authorizationType: apigw.AuthorizationType.NONE,
      methodResponses: [{ statusCode: '405', responseParameters: { 'method.response.header.Allow': true } }],
    },
  );

  const responses: [string, apigw.ResponseType, string, string, Record<string, string>?][] = [
    // The authorizer denies unknown webhooks; a path outside /webhooks/{name} has no route at all.
    ['UnknownWebhook', apigw.ResponseType.ACCESS_DENIED, '404', 'Not Found'],
    ['UnknownPath', apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, '404', 'Not Found'],
    ['Throttled', apigw.ResponseType.THROTTLED, '429', 'Too Many Requests', retryAfter(DEFAULTS.retryAfterThrottled)],
    [
      'QuotaExceeded',
      apigw.ResponseType.QUOTA_EXCEEDED,
      '429',
      'Too Many Requests',
      retryAfter(DEFAULTS.retryAfterQuota),
    ],
    // The authorizer's cached answer names the key of a webhook removed since: a key lives as long
    // as its webhook and the config names it only once it exists, so nothing else leads here.
    ['RemovedWebhook', apigw.ResponseType.INVALID_API_KEY, '404', 'Not Found'],
    // Lambda refused the invocation payload (the body, base64, above 6 MB): never a retry signal.
    ['TooLarge', apigw.ResponseType.REQUEST_TOO_LARGE, '413', 'Payload Too Large'],
    [
      'Unavailable',
      apigw.ResponseType.DEFAULT_5XX,
      '503',
      'Service Unavailable',
      retryAfter(DEFAULTS.retryAfterUnavailable),
    ],
  ];
  for (const [id, type, statusCode, message, headers] of responses) {
    api.addGatewayResponse(id, { type, statusCode, templates: json(message), responseHeaders: headers });
  }
  api.addGatewayResponse('ClientError', {
    type: apigw.ResponseType.DEFAULT_4XX,
    templates: { 'application/json': '{"message":$context.error.messageString}' },
  });
  return { api, accessLogs, webhookResource };
}
