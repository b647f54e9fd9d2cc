import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { CliError } from '../errors';
import type { DeliveryDetails, DeliveryLine } from '../output';
import type { Report } from './deliveries';
import { requestTraces, type RequestTrace } from './telemetry';
import type { UsagePlanThrottle } from './throttle';

export type IngestHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

export interface ServeOptions {
  /** The ingest handler serving a webhook name (unknown names too: the ingest answers 404 itself). */
  readonly ingestFor: (webhook: string) => IngestHandler;
  readonly throttleFor: (webhook: string) => UsagePlanThrottle | undefined;
  readonly report: Report;
  /** A delivery was accepted (enqueued): the dispatcher can poll now. */
  readonly onAccepted: () => void;
}

/** API Gateway's own limit on a request payload. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
const WEBHOOK_PATH = /^\/webhooks\/([^/]+)\/?$/;

/**
 * The local stand-in for API Gateway: `POST /webhooks/{name}` → usage-plan throttle → the ingest
 * handler with a REST proxy event (every body base64, as with binary media type `*\/*`). It listens
 * before the app is synthesized, answering 503 until `serve()`, so that a port in use fails fast.
 */
export class LocalHttpServer {
  private options: ServeOptions | undefined;

  private constructor(private readonly server: Server) {}

  static async listen(port: number, host: string): Promise<LocalHttpServer> {
    const server = createServer();
    const local = new LocalHttpServer(server);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      // A sender that hangs up mid-body must not take the gateway down.
      local.handle(req, res).catch(() => {
        if (res.headersSent) res.destroy();
        else send(res, 400, { message: 'Bad Request' });
      });
    });
    await new Promise<void>((done, fail) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE')
          fail(
            new CliError(`port ${port} on ${host} is in use: stop the process using it, or pass --port ${port + 1}`),
          );
        else if (error.code === 'EACCES')
          fail(new CliError(`cannot listen on ${host}:${port} (permission denied): pass --port 8787 or higher`));
        else fail(error);
      });
      server.listen(port, host, () => done());
    });
    return local;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  serve(options: ServeOptions): void {
    this.options = options;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((done) => this.server.close(() => done()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname === '/_local/status') {
      return send(res, 200, { pid: process.pid, ready: this.options !== undefined });
    }
    const name = WEBHOOK_PATH.exec(url.pathname)?.[1];
    if (name === undefined) {
      req.resume();
      return send(res, 404, { message: 'Not Found' });
    }
    const time = new Date().toISOString();
    const webhook = safeDecode(name);
    const body = await readBody(req, MAX_PAYLOAD_BYTES);
    const options = this.options;
    if (!options) return send(res, 503, { message: 'Service Unavailable' }, { 'retry-after': '5' });
    const rejected = (status: number, reason: string, headers: Record<string, string> = {}) => {
      send(res, status, { message: status === 429 ? 'Too Many Requests' : 'Payload Too Large' }, headers);
      options.report(line(time, webhook, 'rejected', reason), { httpStatus: status });
    };
    if (body === undefined) return rejected(413, 'body_too_large');

    const throttle = options.throttleFor(webhook)?.take();
    if (throttle && !throttle.allowed) {
      return rejected(429, throttle.reason, { 'retry-after': String(throttle.retryAfterSeconds) });
    }

    const proto = String(req.headers['x-forwarded-proto'] ?? 'http')
      .split(',')[0]!
      .trim();
    const host = String(req.headers['x-forwarded-host'] ?? req.headers.host ?? '127.0.0.1');
    const trace: RequestTrace = { url: `${proto}://${host}${url.pathname}` };
    let result: APIGatewayProxyResult;
    try {
      result = await requestTraces.run(trace, () => options.ingestFor(webhook)(toApiEvent(req, url, name, body)));
    } catch (error) {
      send(res, 503, { message: 'Service Unavailable' }, { 'retry-after': '5' });
      const reason = `internal_error: ${(error as Error).message ?? String(error)}`;
      return options.report(line(time, webhook, 'failed', reason), { httpStatus: 503 });
    }
    res.writeHead(result.statusCode, stringHeaders(result.headers));
    res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);

    const outcome = traceLine(trace, time, webhook, result.statusCode);
    if (outcome === 'accepted') options.onAccepted();
    else options.report(outcome.line, outcome.details);
  }
}

function line(time: string, webhook: string, status: string, reason?: string): DeliveryLine {
  return {
    time,
    webhook,
    deliveryId: null,
    status,
    ...(reason !== undefined && { reason }),
    routes: [],
    executions: [],
  };
}

/** The request's line from what the ingest logged; `accepted` when the dispatcher will report it. */
function traceLine(
  trace: RequestTrace,
  time: string,
  webhook: string,
  httpStatus: number,
): 'accepted' | { line: DeliveryLine; details: DeliveryDetails } {
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const d = trace.delivery;
  if (d) {
    if (d.outcome === 'accepted') return 'accepted';
    const [reason, eventKey, scope] = [str(d.reason), str(d.eventKey), str(d.scope)];
    return {
      line: {
        time,
        webhook: str(d.webhook) ?? webhook,
        deliveryId: str(d.deliveryId) ?? null,
        status: str(d.outcome) ?? 'failed',
        ...(reason !== undefined && { reason }),
        ...(eventKey !== undefined && { eventKey }),
        ...(scope !== undefined && { scope }),
        routes: Array.isArray(d.routes) ? d.routes.map(String) : [],
        executions: [],
      },
      details: { httpStatus },
    };
  }
  if (trace.handshake) return { line: line(time, webhook, 'handshake'), details: { httpStatus } };
  const r = trace.rejection;
  if (r) {
    const detail = str(r.detail);
    return {
      line: line(time, webhook, 'rejected', str(r.reason) ?? 'rejected'),
      details: { httpStatus, ...(detail !== undefined && { detail }) },
    };
  }
  const reason = str(trace.failure?.reason) ?? `http_${httpStatus}`;
  return { line: line(time, webhook, 'failed', reason), details: { httpStatus } };
}

/** A REST API proxy event for the request, as API Gateway builds it (binary media types `*\/*`). */
function toApiEvent(req: IncomingMessage, url: URL, name: string, body: Buffer): APIGatewayProxyEvent {
  const sent: [string, string][] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) sent.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
  const { single: headers, multi: multiValueHeaders } = proxyParameters(sent);
  const { single: query, multi: multiQuery } = proxyParameters(url.searchParams);
  const hasQuery = Object.keys(query).length > 0;
  const userAgent = req.headers['user-agent'];
  return {
    resource: '/webhooks/{name}',
    path: url.pathname,
    httpMethod: req.method ?? 'GET',
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: { name },
    stageVariables: null,
    body: body.length > 0 ? body.toString('base64') : null,
    isBase64Encoded: body.length > 0,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: req.headers.host ?? '127.0.0.1',
      httpMethod: req.method ?? 'GET',
      path: url.pathname,
      protocol: `HTTP/${req.httpVersion}`,
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: '/webhooks/{name}',
      stage: 'local',
      identity: {
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        ...(userAgent !== undefined && { userAgent }),
      },
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

/**
 * Name–value pairs (headers, query parameters) as a REST API proxy event carries them: `single`
 * the last value of each name, `multi` all of them in order.
 */
export function proxyParameters(pairs: Iterable<readonly [string, string]>): {
  single: Record<string, string>;
  multi: Record<string, string[]>;
} {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of pairs) {
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  return { single, multi };
}

/** The body, or undefined when larger than `limit` (the rest is drained). */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  return size > limit ? undefined : Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function stringHeaders(headers: APIGatewayProxyResult['headers']): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, String(v)]));
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
