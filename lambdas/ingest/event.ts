import type { APIGatewayProxyEvent } from 'aws-lambda';
import { HttpHeaders } from '../core/http/headers';
import { webhookNameOf } from '../core/http/webhook-path';

/** What the ingest reads of an API Gateway (REST, proxy) event. */
export interface HttpExchange {
  readonly method: string;
  /** The `{name}` of `/webhooks/{name}`, if the path has a valid one. */
  readonly webhook?: string;
  readonly headers: HttpHeaders;
  /** Raw body bytes: base64-decoded when API Gateway says isBase64Encoded (binary media types). */
  readonly body: Buffer;
  /** Content-Length as the sender declared it, if it did. */
  readonly declaredLength?: number;
  /** `https://{Host}{requestContext.path}`: the URL the sender addressed, without the query. */
  readonly url: string;
  /** The raw query string rebuilt from the parameters, without `?`; '' when none. */
  readonly query: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
  readonly requestId?: string;
}

export function readEvent(event: APIGatewayProxyEvent): HttpExchange {
  const headers = HttpHeaders.from(event.headers, event.multiValueHeaders);
  const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  const declared = headers.get('content-length');
  const declaredLength = declared !== undefined && /^\d+$/.test(declared.trim()) ? Number(declared) : undefined;
  const host = headers.get('host') ?? event.requestContext?.domainName ?? 'localhost';
  const path = event.requestContext?.path ?? event.path;
  const identity = event.requestContext?.identity;
  const userAgent = identity?.userAgent ?? headers.get('user-agent');
  const webhook = webhookNameOf(event);
  // Built by assignment: spreads of conditional members cost microseconds per request.
  const exchange: { -readonly [K in keyof HttpExchange]: HttpExchange[K] } = {
    method: (event.httpMethod ?? '').toUpperCase(),
    headers,
    body,
    url: `https://${host}${path}`,
    query: queryString(event),
  };
  if (webhook !== undefined) exchange.webhook = webhook;
  if (declaredLength !== undefined) exchange.declaredLength = declaredLength;
  if (identity?.sourceIp) exchange.sourceIp = identity.sourceIp;
  if (userAgent) exchange.userAgent = userAgent;
  if (event.requestContext?.requestId) exchange.requestId = event.requestContext.requestId;
  return exchange;
}

/**
 * REST APIs hand over decoded parameters, not the raw query: rebuild it in the order received,
 * percent-encoding as encodeURIComponent does (what senders produce for ordinary values).
 */
function queryString(event: APIGatewayProxyEvent): string {
  if (!event.multiValueQueryStringParameters && !event.queryStringParameters) return '';
  const multi = event.multiValueQueryStringParameters ?? {};
  const single = event.queryStringParameters ?? {};
  const parts: string[] = [];
  for (const name of new Set([...Object.keys(multi), ...Object.keys(single)])) {
    const values = multi[name] ?? (single[name] !== undefined ? [single[name]] : []);
    for (const v of values) parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(v ?? '')}`);
  }
  return parts.join('&');
}

/** The URL the sender signed: the webhook's publicUrl when set (custom domain), else what API Gateway saw. */
export function signedUrl(exchange: HttpExchange, publicUrl?: string): string {
  const base = publicUrl ?? exchange.url;
  if (exchange.query === '') return base;
  return `${base}${base.includes('?') ? '&' : '?'}${exchange.query}`;
}
