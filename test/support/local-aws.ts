import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type AttributeDefinition,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createRequestHandler } from 'local-aws-sqs';
import {
  HISTORY_BY_DELIVERY_INDEX,
  HISTORY_BY_TIME_INDEX,
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

/** A local server behind a front that can inject faults: drop connections or answer throttling errors. */
export class LocalServer {
  private fault: Fault | undefined;
  private readonly server: Server;
  readonly requests: string[] = [];

  private constructor(
    handler: RequestListener,
    private readonly throttleType: string,
  ) {
    this.server = createServer((req, res) => this.handle(handler, req, res));
    this.server.keepAliveTimeout = 1000;
  }

  static async start(handler: RequestListener, throttleType: string): Promise<LocalServer> {
    const local = new LocalServer(handler, throttleType);
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

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(handler: RequestListener, req: IncomingMessage, res: ServerResponse): void {
    const target = String(req.headers['x-amz-target'] ?? '');
    this.requests.push(target);
    const fault = this.fault;
    if (fault && (!fault.operation || fault.operation.test(target))) {
      if (fault.mode === 'down') {
        req.socket.destroy();
        return;
      }
      req.resume();
      res.writeHead(400, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-query-error': 'ThrottlingException;Sender',
      });
      res.end(JSON.stringify({ __type: this.throttleType, message: 'Rate exceeded (injected by the test)' }));
      return;
    }
    handler(req, res);
  }
}

export interface LocalAws {
  readonly dynamodbServer: LocalServer;
  readonly sqsServer: LocalServer;
  /** SDK clients pointed at the local servers. */
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  /** New clients (e.g. for a handler under test, with its own middleware). */
  clients(options?: { maxAttempts?: number }): { dynamodb: DynamoDBClient; sqs: SQSClient };
  stop(): Promise<void>;
}

/** Starts dynalite (in memory) and local-aws-sqs on 127.0.0.1, random ports. Call `stop()` in afterAll. */
export async function startLocalAws(): Promise<LocalAws> {
  const db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const dynamoHandler = db.listeners('request')[0] as RequestListener;
  const dynamodbServer = await LocalServer.start(dynamoHandler, 'com.amazonaws.dynamodb.v20120810#ThrottlingException');

  // local-aws-sqs builds queue URLs from the port it is told: start the front first, then bind the handler.
  let sqsHandler: RequestListener = (_req, res) => res.end();
  let sqsServer: LocalServer;
  try {
    sqsServer = await LocalServer.start((req, res) => sqsHandler(req, res), 'ThrottlingException');
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

  const clients = (options: { maxAttempts?: number } = {}) => ({
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
  options: { visibilityTimeout?: number } = {},
): Promise<GatewayResources> {
  const suffix = randomBytes(4).toString('hex');
  const configTable = `config-${suffix}`;
  const historyTable = `history-${suffix}`;
  await Promise.all([
    createTable(local.dynamodb, configTable, [], []),
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
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn.Attributes!.QueueArn, maxReceiveCount: 3 }),
      },
    }),
  );
  return { configTable, historyTable, queueUrl: queue.QueueUrl!, deadLetterQueueUrl: dlq.QueueUrl! };
}

async function createTable(
  client: DynamoDBClient,
  name: string,
  extraAttributes: AttributeDefinition[],
  indexes: GlobalSecondaryIndex[],
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
