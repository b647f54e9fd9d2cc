import type { APIGatewayProxyEvent } from 'aws-lambda';

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
  const stage = init.stage ?? 'v1';
  const single: Record<string, string> = { Host: API_HOST, 'Content-Length': String(body.length) };
  const multi: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(init.headers ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    single[name] = values[values.length - 1]!;
    multi[name] = values;
  }
  for (const [name, value] of Object.entries(single)) multi[name] ??= [value];
  const base64 = init.base64 ?? true;
  const query = init.query;
  return {
    resource: '/webhooks/{name}',
    path: `/webhooks/${webhook}`,
    httpMethod: init.method ?? 'POST',
    headers: single,
    multiValueHeaders: multi,
    queryStringParameters: query ?? null,
    multiValueQueryStringParameters: query ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])) : null,
    pathParameters: { name: webhook },
    stageVariables: null,
    body: body.length === 0 ? null : base64 ? body.toString('base64') : body.toString('utf8'),
    isBase64Encoded: base64 && body.length > 0,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      authorizer: { principalId: webhook },
      domainName: API_HOST,
      httpMethod: init.method ?? 'POST',
      path: `/${stage}/webhooks/${webhook}`,
      protocol: 'HTTP/1.1',
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      requestTimeEpoch: Date.now(),
      resourceId: 'res',
      resourcePath: '/webhooks/{name}',
      stage,
      identity: {
        sourceIp: init.sourceIp ?? '192.0.2.10',
        userAgent: (single['User-Agent'] ?? single['user-agent'] ?? 'test-sender/1.0') as string,
      } as APIGatewayProxyEvent['requestContext']['identity'],
    },
  };
}
