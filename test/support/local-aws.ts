import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  type AttributeDefinition,
  type DynamoDBClientConfig,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import { createRequestHandler } from 'local-aws-sqs';
import { fromItem } from '../../lambdas/adapters/dynamodb-history';
import type { DeliveryRecord } from '../../lambdas/core/config/messages';
import {
  CONFIG_IMPORTED_ROUTES_INDEX,
  HISTORY_BY_DELIVERY_INDEX,
  HISTORY_BY_TIME_INDEX,
  HISTORY_ITEMS,
  HISTORY_PENDING_INDEX,
  TABLE_KEYS,
} from '../../lambdas/core/config/tables';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/** How a local server answers while a fault is injected. */
export type FaultMode = 'down' | 'throttle';

interface Fault {
  readonly mode: FaultMode;
  /** Only operations whose X-Amz-Target matches, e.g. /PutItem$/; every operation when absent. */
  readonly operation?: RegExp;
}

/**
 * A request header that makes the server misbehave for that one request (test/support/faults.ts
 * sets it per SDK attempt):
 * - `error;<status>;<code>` answers the service's error `<code>` with that HTTP status;
 * - `reset` drops the connection before the request is handled;
 * - `timeout` holds the request, unhandled, until the client gives up;
 * - `timeout-applied` handles it at once but never answers (the client times out);
 * - `timeout-late` handles it only after the client gave up (LATE_MS after).
 */
export const FAULT_HEADER = 'x-test-fault';

/** How long after its client gave up a `timeout-late` request is handled. */
export const LATE_MS = 25;

/** A request the server handled, with its answer (see `observe`). */
export interface Exchange {
  readonly target: string;
  readonly body: string;
  readonly status: number;
}

/** How a service names its errors on the wire (the JSON protocols' `__type`). */
export interface ErrorDialect {
  readonly type: (code: string) => string;
}

/** A local server behind a front that can inject faults: drop connections or answer errors, slow or lose answers. */
export class LocalServer {
  private fault: Fault | undefined;
  private readonly server: Server;
  readonly requests: string[] = [];
  private readonly observers: ((exchange: Exchange) => void)[] = [];
  /** Requests held, or handled after their client gave up: `quiet()` waits for them. */
  private readonly inflight = new Set<Promise<void>>();

  private constructor(
    handler: RequestListener,
    private readonly dialect: ErrorDialect,
  ) {
    this.server = createServer((req, res) => this.handle(handler, req, res));
    this.server.keepAliveTimeout = 1000;
  }

  static async start(handler: RequestListener, dialect: ErrorDialect): Promise<LocalServer> {
    const local = new LocalServer(handler, dialect);
    await new Promise<void>((resolve, reject) => {
      local.server.once('error', reject);
      local.server.listen(0, '127.0.0.1', () => resolve());
    });
    return local;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Injects a fault until `heal()`. */
  fail(mode: FaultMode, operation?: RegExp): void {
    this.fault = operation ? { mode, operation } : { mode };
  }

  heal(): void {
    this.fault = undefined;
  }

  /** Calls `observer` with every request the service handled and its status (its effect is in the service then). */
  observe(observer: (exchange: Exchange) => void): () => void {
    this.observers.push(observer);
    return () => this.observers.splice(this.observers.indexOf(observer), 1);
  }

  /** Resolves once no request is held and every late one has been handled. */
  async quiet(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(handler: RequestListener, req: IncomingMessage, res: ServerResponse): void {
    const target = String(req.headers['x-amz-target'] ?? '');
    this.requests.push(target);
    const injected = req.headers[FAULT_HEADER];
    if (typeof injected === 'string') return this.inject(handler, req, res, target, injected);
    const fault = this.fault;
    if (fault && (!fault.operation || fault.operation.test(target))) {
      if (fault.mode === 'down') {
        req.socket.destroy();
        return;
      }
      req.resume();
      this.answerError(res, 400, 'ThrottlingException');
      return;
    }
    this.forward(handler, req, res, target);
  }

  private inject(handler: RequestListener, req: IncomingMessage, res: ServerResponse, target: string, fault: string) {
    const [kind, status, code] = fault.split(';');
    switch (kind) {
      case 'error':
        req.resume();
        return this.answerError(res, Number(status), code!);
      case 'reset':
        req.socket.destroy();
        return;
      case 'timeout':
        req.resume();
        return this.track(new Promise<void>((resolve) => res.once('close', () => resolve())));
      case 'timeout-applied': {
        const detached = new DetachedResponse();
        this.forward(handler, req, detached as unknown as ServerResponse, target);
        return this.track(Promise.all([detached.ended, new Promise((resolve) => res.once('close', resolve))]));
      }
      case 'timeout-late':
        return this.track(
          readBody(req)
            .then((body) => new Promise<Buffer>((resolve) => res.once('close', () => resolve(body))))
            // Once the client has moved on (its error handling has begun, e.g. a markFailed).
            .then((body) => new Promise<Buffer>((resolve) => setTimeout(() => resolve(body), LATE_MS)))
            .then((body) => {
              const replayed = Object.assign(new PassThrough(), {
                headers: req.headers,
                method: req.method,
                url: req.url,
                httpVersion: req.httpVersion,
              });
              const detached = new DetachedResponse();
              this.forward(
                handler,
                replayed as unknown as IncomingMessage,
                detached as unknown as ServerResponse,
                target,
              );
              replayed.end(body);
              return detached.ended;
            }),
        );
      default:
        throw new Error(`unknown injected fault "${fault}"`);
    }
  }

  /** Hands the request to the service, telling the observers what it answered. */
  private forward(handler: RequestListener, req: IncomingMessage, res: ServerResponse, target: string): void {
    if (this.observers.length > 0) {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      res.end = ((...args: unknown[]) => {
        const exchange = { target, body: Buffer.concat(chunks).toString('utf8'), status: res.statusCode };
        for (const observer of [...this.observers]) observer(exchange);
        return end(...args);
      }) as ServerResponse['end'];
    }
    handler(req, res);
  }

  private answerError(res: ServerResponse, status: number, code: string): void {
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-query-error': `${code};${status >= 500 ? 'Server' : 'Sender'}`,
    });
    res.end(JSON.stringify({ __type: this.dialect.type(code), message: `${code} (injected by the test)` }));
  }

  private track(work: Promise<unknown>): void {
    const done = work.then(
      () => undefined,
      () => undefined,
    );
    this.inflight.add(done);
    void done.then(() => this.inflight.delete(done));
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A response nobody receives: what a service answers after its client gave up. */
class DetachedResponse extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  finished = false;
  private readonly headers = new Map<string, unknown>();
  private finish!: () => void;
  readonly ended = new Promise<void>((resolve) => (this.finish = resolve));

  setHeader(name: string, value: unknown): this {
    this.headers.set(name.toLowerCase(), value);
    return this;
  }
  getHeader(name: string): unknown {
    return this.headers.get(name.toLowerCase());
  }
  hasHeader(name: string): boolean {
    return this.headers.has(name.toLowerCase());
  }
  removeHeader(name: string): void {
    this.headers.delete(name.toLowerCase());
  }
  writeHead(status: number, headers?: Record<string, unknown>): this {
    this.statusCode = status;
    for (const [name, value] of Object.entries(headers ?? {})) this.setHeader(name, value);
    this.headersSent = true;
    return this;
  }
  write(): boolean {
    this.headersSent = true;
    return true;
  }
  end(): this {
    this.headersSent = true;
    this.finished = true;
    this.emit('finish');
    this.finish();
    return this;
  }
}

/** Client settings for the handlers under test: a short request timeout, fewer and faster retries. */
export type ClientOptions = Partial<
  Pick<DynamoDBClientConfig & SQSClientConfig, 'maxAttempts' | 'requestHandler' | 'retryStrategy'>
>;

export interface LocalAws {
  readonly dynamodbServer: LocalServer;
  readonly sqsServer: LocalServer;
  /** SDK clients pointed at the local servers. */
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  /** New clients (e.g. for a handler under test, with its own middleware). */
  clients(options?: ClientOptions): { dynamodb: DynamoDBClient; sqs: SQSClient };
  stop(): Promise<void>;
}

/** Starts dynalite (in memory) and local-aws-sqs on 127.0.0.1, random ports. Call `stop()` in afterAll. */
export async function startLocalAws(): Promise<LocalAws> {
  const db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const dynamoHandler = db.listeners('request')[0] as RequestListener;
  const dynamodbServer = await LocalServer.start(dynamoHandler, {
    type: (code) => `com.amazonaws.dynamodb.v20120810#${code}`,
  });

  // local-aws-sqs builds queue URLs from the port it is told: start the front first, then bind the handler.
  let sqsHandler: RequestListener = (_req, res) => res.end();
  let sqsServer: LocalServer;
  try {
    sqsServer = await LocalServer.start((req, res) => sqsHandler(req, res), { type: (code) => code });
  } catch (error) {
    await dynamodbServer.stop();
    throw error;
  }
  sqsHandler = createRequestHandler({
    port: sqsServer.port,
    hostname: '127.0.0.1',
    region: LOCAL_REGION,
    emulateQueueCreationLifecycle: false,
  }).requestHandler as RequestListener;

  const clients = (options: ClientOptions = {}) => ({
    dynamodb: new DynamoDBClient({
      endpoint: dynamodbServer.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      ...options,
    }),
    sqs: new SQSClient({
      endpoint: sqsServer.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      ...options,
    }),
  });
  const { dynamodb, sqs } = clients();
  return {
    dynamodbServer,
    sqsServer,
    dynamodb,
    sqs,
    clients,
    async stop() {
      dynamodb.destroy();
      sqs.destroy();
      await Promise.all([dynamodbServer.stop(), sqsServer.stop()]);
    },
  };
}

export interface GatewayResources {
  readonly configTable: string;
  readonly historyTable: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
}

/** Fresh tables and queues (unique names) laid out as the constructs create them. */
export async function createGatewayResources(
  local: LocalAws,
  options: { visibilityTimeout?: number; maxReceiveCount?: number } = {},
): Promise<GatewayResources> {
  const suffix = randomBytes(4).toString('hex');
  const configTable = `config-${suffix}`;
  const historyTable = `history-${suffix}`;
  await Promise.all([
    createTable(
      local.dynamodb,
      configTable,
      [{ AttributeName: CONFIG_IMPORTED_ROUTES_INDEX.partitionKey, AttributeType: 'S' }],
      [
        {
          IndexName: CONFIG_IMPORTED_ROUTES_INDEX.name,
          KeySchema: [{ AttributeName: CONFIG_IMPORTED_ROUTES_INDEX.partitionKey, KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    ),
    createTable(
      local.dynamodb,
      historyTable,
      [
        { AttributeName: HISTORY_BY_TIME_INDEX.sortKey, AttributeType: 'S' },
        { AttributeName: HISTORY_BY_DELIVERY_INDEX.partitionKey, AttributeType: 'S' },
        { AttributeName: HISTORY_PENDING_INDEX.partitionKey, AttributeType: 'S' },
        { AttributeName: HISTORY_PENDING_INDEX.sortKey, AttributeType: 'N' },
      ],
      [
        {
          IndexName: HISTORY_BY_TIME_INDEX.name,
          KeySchema: [
            { AttributeName: HISTORY_BY_TIME_INDEX.partitionKey, KeyType: 'HASH' },
            { AttributeName: HISTORY_BY_TIME_INDEX.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: HISTORY_BY_DELIVERY_INDEX.name,
          KeySchema: [{ AttributeName: HISTORY_BY_DELIVERY_INDEX.partitionKey, KeyType: 'HASH' }],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
        {
          IndexName: HISTORY_PENDING_INDEX.name,
          KeySchema: [
            { AttributeName: HISTORY_PENDING_INDEX.partitionKey, KeyType: 'HASH' },
            { AttributeName: HISTORY_PENDING_INDEX.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    ),
  ]);
  const dlq = await local.sqs.send(
    new CreateQueueCommand({ QueueName: `dlq-${suffix}.fifo`, Attributes: { FifoQueue: 'true' } }),
  );
  const dlqArn = await local.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl!, AttributeNames: ['QueueArn'] }),
  );
  const queue = await local.sqs.send(
    new CreateQueueCommand({
      QueueName: `events-${suffix}.fifo`,
      Attributes: {
        FifoQueue: 'true',
        VisibilityTimeout: String(options.visibilityTimeout ?? 30),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn.Attributes!.QueueArn,
          maxReceiveCount: options.maxReceiveCount ?? 3,
        }),
      },
    }),
  );
  return { configTable, historyTable, queueUrl: queue.QueueUrl!, deadLetterQueueUrl: dlq.QueueUrl! };
}

/** A delivery's history item under its idempotency key, read strongly consistent. */
export async function readDelivery(
  dynamodb: DynamoDBClient,
  historyTable: string,
  webhook: string,
  idempotencyKey: string,
): Promise<DeliveryRecord | undefined> {
  const got = await dynamodb.send(
    new GetItemCommand({
      TableName: historyTable,
      Key: marshall(HISTORY_ITEMS.delivery(webhook, idempotencyKey)),
      ConsistentRead: true,
    }),
  );
  return got.Item ? fromItem(got.Item) : undefined;
}

/** A table keyed (pk, sk) as the constructs' tables are, with these indexes; resolves once it and they are ACTIVE. */
export async function createTable(
  client: DynamoDBClient,
  name: string,
  extraAttributes: AttributeDefinition[] = [],
  indexes: GlobalSecondaryIndex[] = [],
): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: TABLE_KEYS.partitionKey, AttributeType: 'S' },
        { AttributeName: TABLE_KEYS.sortKey, AttributeType: 'S' },
        ...extraAttributes,
      ],
      KeySchema: [
        { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes } : {}),
    }),
  );
  for (let i = 0; i < 200; i++) {
    const table = await client.send(new DescribeTableCommand({ TableName: name }));
    const indexesActive = (table.Table?.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE');
    if (table.Table?.TableStatus === 'ACTIVE' && indexesActive) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`table ${name} did not become ACTIVE`);
}
