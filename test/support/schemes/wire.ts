import type { APIGatewayProxyEvent } from 'aws-lambda';
import { proxyParameters } from '../../../cli/local/server';
import { API_HOST, proxyEvent } from '../api-event';

/**
 * A request as a sender puts it on the wire: headers in order (a name may repeat, in any case),
 * the raw body, the query in order. `base64` is API Gateway's isBase64Encoded (binary media types);
 * without it the body travels as UTF-8 text, which changes bytes that are not valid UTF-8.
 */
export interface WireRequest {
  readonly method: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
  readonly query: readonly (readonly [string, string])[];
  readonly base64: boolean;
}

/** The stage path API Gateway puts in requestContext.path for `POST /{stage}/webhooks/{name}`. */
export const STAGE = 'v1';

/** What the sender signs as "the URL" before the query: `https://{Host}/{stage}/webhooks/{name}`. */
export function apiUrl(webhook: string, host = API_HOST): string {
  return `https://${host}/${STAGE}/webhooks/${webhook}`;
}

/** The query as the ingest rebuilds it from API Gateway's decoded parameters (encodeURIComponent). */
export function queryText(query: readonly (readonly [string, string])[]): string {
  return query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

export function withQuery(url: string, query: readonly (readonly [string, string])[]): string {
  return query.length === 0 ? url : `${url}?${queryText(query)}`;
}

/**
 * The API Gateway REST proxy event for a wire request (as test/support/api-event.ts, with repeated
 * headers and query parameters kept): `multiValueHeaders` by name as sent, `headers` the last value
 * of each; Content-Length as a sender's HTTP client sets it, unless the request carries its own.
 */
export function toApiEvent(webhook: string, request: WireRequest): APIGatewayProxyEvent {
  const sent: (readonly [string, string])[] = [...request.headers];
  if (!sent.some(([n]) => n.toLowerCase() === 'host')) sent.unshift(['Host', API_HOST]);
  if (!sent.some(([n]) => n.toLowerCase() === 'content-length'))
    sent.push(['Content-Length', String(request.body.length)]);
  return proxyEvent({
    webhook,
    method: request.method,
    headers: proxyParameters(sent),
    query: request.query.length > 0 ? proxyParameters(request.query) : undefined,
    body: request.body,
    base64: request.base64,
    stage: STAGE,
    sourceIp: '192.0.2.10',
    userAgent: sent.find(([n]) => n.toLowerCase() === 'user-agent')?.[1] ?? 'fuzz-sender/1.0',
  });
}

/**
 * What a receiver gets from a wire request, for deciding whether a mutation touched what the
 * provider signs: the body bytes after the event's encoding, header values by lower-cased name
 * (with optional whitespace removed, RFC 9110 §5.5), and the URL the sender addressed.
 */
export class Received {
  readonly body: Buffer;
  readonly url: string;
  readonly method: string;
  private readonly values = new Map<string, string[]>();

  constructor(webhook: string, request: WireRequest, baseUrl = apiUrl(webhook)) {
    this.body =
      request.body.length === 0
        ? Buffer.alloc(0)
        : request.base64
          ? request.body
          : Buffer.from(request.body.toString('utf8'), 'utf8');
    this.method = request.method.toUpperCase();
    for (const [name, value] of request.headers) {
      const key = name.toLowerCase();
      this.values.set(key, [...(this.values.get(key) ?? []), value.trim()]);
    }
    const host = this.values.get('host');
    const base =
      host && host.length > 0 ? baseUrl.replace(/^(https?:\/\/)[^/]+/, `$1${host[host.length - 1]}`) : baseUrl;
    this.url = withQuery(base, request.query);
  }

  /** The header's one value: undefined when absent, or sent several times with different values. */
  one(name: string): string | undefined {
    const list = this.values.get(name.toLowerCase());
    if (!list || list.length === 0) return undefined;
    return list.every((v) => v === list[0]) ? list[0] : undefined;
  }

  has(name: string): boolean {
    return this.values.has(name.toLowerCase());
  }

  /** Every value of the query parameter, decoded. */
  queryValues(name: string): string[] {
    const q = this.url.indexOf('?');
    return q < 0 ? [] : new URLSearchParams(this.url.slice(q + 1)).getAll(name);
  }

  /** The media type of the one Content-Type, lower-cased, without parameters. */
  get mediaType(): string {
    return (this.values.get('content-type')?.[0] ?? '').split(';')[0]!.trim().toLowerCase();
  }
}
