import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';

export const API_HOST = 'abc123.execute-api.us-east-1.amazonaws.com';

export interface ApiRequest {
  readonly webhook?: string;
  readonly method?: string;
  readonly body?: string | Buffer;
  readonly headers?: Record<string, string | string[]>;
  readonly query?: Record<string, string>;
  /** API Gateway with binary media types `*\/*` base64-encodes every body. @default true */
  readonly base64?: boolean;
  readonly sourceIp?: string;
  readonly stage?: string;
}

/** An API Gateway REST proxy event as the ingest function receives it for `POST /{stage}/webhooks/{name}`. */
export function apiEvent(init: ApiRequest): APIGatewayProxyEvent {
  const body = init.body === undefined ? Buffer.alloc(0) : Buffer.from(init.body);
  const webhook = init.webhook ?? 'test';
  const single: Record<string, string> = { Host: API_HOST, 'Content-Length': String(body.length) };
  const multi: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(init.headers ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    single[name] = values[values.length - 1]!;
    multi[name] = values;
  }
  for (const [name, value] of Object.entries(single)) multi[name] ??= [value];
  const query = init.query;
  return proxyEvent({
    webhook,
    method: init.method ?? 'POST',
    headers: { single, multi },
    query: query && { single: query, multi: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])) },
    body,
    base64: init.base64 ?? true,
    stage: init.stage ?? 'v1',
    sourceIp: init.sourceIp ?? '192.0.2.10',
    userAgent: single['User-Agent'] ?? single['user-agent'] ?? 'test-sender/1.0',
  });
}

/** Parameters by name: the last value of each (`single`) and every value in order (`multi`). */
export interface ProxyParameters {
  readonly single: Record<string, string>;
  readonly multi: Record<string, string[]>;
}

/** What differs between the proxy events the tests build. */
export interface ProxyEventParts {
  readonly webhook: string;
  readonly method: string;
  readonly headers: ProxyParameters;
  /** @default - no query string (null parameters) */
  readonly query?: ProxyParameters | undefined;
  readonly body: Buffer;
  /** API Gateway's isBase64Encoded (binary media types); false sends the body as UTF-8 text. */
  readonly base64: boolean;
  readonly stage: string;
  readonly sourceIp: string;
  readonly userAgent: string;
}

/** An API Gateway REST proxy event for `POST /{stage}/webhooks/{name}`, the rest filled as API Gateway fills it. */
export function proxyEvent(parts: ProxyEventParts): APIGatewayProxyEvent {
  const { webhook, method, headers, query, body, base64, stage, sourceIp, userAgent } = parts;
  return {
    resource: '/webhooks/{name}',
    path: `/webhooks/${webhook}`,
    httpMethod: method,
    headers: headers.single,
    multiValueHeaders: headers.multi,
    queryStringParameters: query?.single ?? null,
    multiValueQueryStringParameters: query?.multi ?? null,
    pathParameters: { name: webhook },
    stageVariables: null,
    body: body.length === 0 ? null : base64 ? body.toString('base64') : body.toString('utf8'),
    isBase64Encoded: base64 && body.length > 0,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      authorizer: { principalId: webhook },
      domainName: API_HOST,
      httpMethod: method,
      path: `/${stage}/webhooks/${webhook}`,
      protocol: 'HTTP/1.1',
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      requestTimeEpoch: Date.now(),
      resourceId: 'res',
      resourcePath: '/webhooks/{name}',
      stage,
      identity: { sourceIp, userAgent } as APIGatewayProxyEvent['requestContext']['identity'],
    },
  };
}

/** The REQUEST authorizer's event for `POST /{stage}/webhooks/{name}`, as API Gateway sends it. */
export function authorizerEvent(
  name: string,
  requestContext = {} as APIGatewayRequestAuthorizerEvent['requestContext'],
  account = '123456789012',
): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: `arn:aws:execute-api:us-east-1:${account}:abc123/v1/POST/webhooks/${name}`,
    resource: '/webhooks/{name}',
    path: `/v1/webhooks/${name}`,
    httpMethod: 'POST',
    headers: {},
    multiValueHeaders: {},
    pathParameters: { name },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext,
  };
}
