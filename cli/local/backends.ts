import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createRequestHandler } from 'local-aws-sqs';
import type { Template } from '../assembly';
import { CliError } from '../errors';
import { LOCAL_ENV } from '../intrinsics';

const require = createRequire(import.meta.url);

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/**
 * The embedded DynamoDB (dynalite: in memory, or a LevelDB store on disk) and SQS (local-aws-sqs,
 * in memory) servers, on 127.0.0.1.
 */
export interface Backends {
  readonly dynamodbEndpoint: string;
  readonly sqsEndpoint: string;
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  stop(): Promise<void>;
}

// Node's client closes a kept-alive socket one second before the server's `Keep-Alive: timeout=N`
// hint: at N = 1 it closes at once, and every SDK call would open a new connection.
const KEEP_ALIVE_MS = 5000;

async function listen(handler: RequestListener): Promise<Server> {
  const server = createServer(handler);
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  return server;
}

const endpointOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((done) => server.close(() => done()));
}

export interface BackendOptions {
  /** dynalite's LevelDB folder; in memory without one. Opened by one process at a time. */
  readonly dynamodbPath?: string;
}

export async function startBackends(options: BackendOptions = {}): Promise<Backends> {
  const dynamo = await startDynalite(options.dynamodbPath);
  // local-aws-sqs writes its port into queue URLs: bind first, then create the handler for that port.
  let sqsHandler: RequestListener = (_req, res) => res.end();
  const sqsServer = await listen((req, res) => sqsHandler(req, res));
  sqsHandler = createRequestHandler({
    port: (sqsServer.address() as AddressInfo).port,
    hostname: '127.0.0.1',
    region: LOCAL_ENV.region,
    accountId: LOCAL_ENV.account,
    emulateQueueCreationLifecycle: false,
  }).requestHandler as RequestListener;

  const common = { region: LOCAL_ENV.region, credentials: LOCAL_CREDENTIALS };
  const dynamodb = new DynamoDBClient({ ...common, endpoint: dynamo.endpoint });
  const sqs = new SQSClient({ ...common, endpoint: endpointOf(sqsServer) });
  return {
    dynamodbEndpoint: dynamo.endpoint,
    sqsEndpoint: endpointOf(sqsServer),
    dynamodb,
    sqs,
    async stop() {
      dynamodb.destroy();
      sqs.destroy();
      await Promise.all([dynamo.stop(), close(sqsServer)]);
    },
  };
}

/**
 * dynalite in a worker thread: parsing every request's expressions and reading and writing LevelDB
 * take a third of the gateway's CPU under load, on another core there. Its own server's close()
 * closes the LevelDB store too (and releases its lock).
 */
async function startDynalite(path: string | undefined): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const worker = new Worker(DYNALITE_WORKER, {
    eval: true,
    workerData: { dynalite: require.resolve('dynalite'), path, keepAliveMs: KEEP_ALIVE_MS },
  });
  const exited = new Promise<void>((done) => worker.once('exit', () => done()));
  const port = await new Promise<number>((done, fail) => {
    worker.once('error', fail);
    worker.once('message', (message: { port?: number; error?: string }) =>
      message.port === undefined ? fail(new Error(message.error)) : done(message.port),
    );
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      worker.postMessage('stop');
      await exited;
    },
  };
}

const DYNALITE_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const dynalite = require(workerData.dynalite);
const server = dynalite({
  createTableMs: 0,
  deleteTableMs: 0,
  updateTableMs: 0,
  ...(workerData.path !== undefined && { path: workerData.path }),
});
server.keepAliveTimeout = workerData.keepAliveMs;
server.once('error', (error) => {
  parentPort.postMessage({ error: error.message });
  process.exit(1);
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.once('message', () => {
  server.closeAllConnections();
  server.close(() => parentPort.close());
});
`;

/** What was created for one template: local names of tables, URLs and ARNs of queues, by logical id. */
export interface CreatedResources {
  readonly tables: ReadonlyMap<string, string>;
  readonly queues: ReadonlyMap<
    string,
    { readonly url: string; readonly arn: string; readonly maxReceiveCount?: number }
  >;
}

/** SQS's visibility timeout is 6× the dispatcher's timeout on AWS; locally a failed message comes back sooner. */
const LOCAL_MAX_VISIBILITY_TIMEOUT = 30;

const arnTarget = (value: unknown) => (value as { 'Fn::GetAtt'?: [string, string] } | null)?.['Fn::GetAtt']?.[0];

/**
 * Creates the template's DynamoDB tables and SQS queues, named `<prefix>-<logical id>` so that the
 * stacks of one app cannot collide: key schema, indexes, FIFO settings, redrive policies.
 */
export async function createTemplateResources(
  backends: Backends,
  template: Template,
  prefix: string,
): Promise<CreatedResources> {
  const resources = Object.entries(template.Resources ?? {});
  const tables = new Map<string, string>();
  for (const [id, r] of resources) {
    if (r.Type !== 'AWS::DynamoDB::Table' && r.Type !== 'AWS::DynamoDB::GlobalTable') continue;
    const name = `${prefix}-${id}`;
    await createTable(backends.dynamodb, tableInput(name, r.Properties ?? {}));
    tables.set(id, name);
  }

  const queues = new Map<string, { url: string; arn: string; maxReceiveCount?: number }>();
  const queueResources = resources.filter(([, r]) => r.Type === 'AWS::SQS::Queue');
  // Dead-letter queues first: a redrive policy names an existing queue.
  const ordered = [
    ...queueResources.filter(([, r]) => r.Properties?.RedrivePolicy === undefined),
    ...queueResources.filter(([, r]) => r.Properties?.RedrivePolicy !== undefined),
  ];
  for (const [id, r] of ordered) {
    const props = r.Properties ?? {};
    const fifo = props.FifoQueue === true || props.FifoQueue === 'true';
    const attributes: Record<string, string> = {};
    if (fifo) attributes.FifoQueue = 'true';
    const fifoOnly = ['ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit'];
    for (const key of [...(fifo ? fifoOnly : []), 'DelaySeconds', 'MessageRetentionPeriod']) {
      if (props[key] !== undefined) attributes[key] = String(props[key]);
    }
    attributes.VisibilityTimeout = String(
      Math.min(Number(props.VisibilityTimeout ?? 30), LOCAL_MAX_VISIBILITY_TIMEOUT),
    );
    const redrive = props.RedrivePolicy as { deadLetterTargetArn?: unknown; maxReceiveCount?: number } | undefined;
    const dlq = redrive ? queues.get(arnTarget(redrive.deadLetterTargetArn) ?? '') : undefined;
    if (redrive && dlq) {
      attributes.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: dlq.arn,
        maxReceiveCount: Number(redrive.maxReceiveCount ?? 5),
      });
    }
    const name = `${prefix}-${id}`.slice(0, fifo ? 75 : 80) + (fifo ? '.fifo' : '');
    const created = await backends.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    const arn = await backends.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: created.QueueUrl!, AttributeNames: ['QueueArn'] }),
    );
    queues.set(id, {
      url: created.QueueUrl!,
      arn: arn.Attributes!.QueueArn!,
      ...(redrive && dlq && { maxReceiveCount: Number(redrive.maxReceiveCount ?? 5) }),
    });
  }
  return { tables, queues };
}

interface CfnIndex {
  IndexName: string;
  KeySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
  Projection?: { ProjectionType?: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; NonKeyAttributes?: string[] };
}

function tableInput(name: string, props: Record<string, unknown>): CreateTableCommandInput {
  const index = (i: CfnIndex) => ({
    IndexName: i.IndexName,
    KeySchema: i.KeySchema,
    Projection: i.Projection ?? { ProjectionType: 'ALL' as const },
  });
  const gsis = (props.GlobalSecondaryIndexes as CfnIndex[] | undefined) ?? [];
  const lsis = (props.LocalSecondaryIndexes as CfnIndex[] | undefined) ?? [];
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: props.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
    KeySchema: props.KeySchema as CreateTableCommandInput['KeySchema'],
    ...(gsis.length > 0 && { GlobalSecondaryIndexes: gsis.map(index) }),
    ...(lsis.length > 0 && { LocalSecondaryIndexes: lsis.map(index) }),
  };
}

/**
 * Creates the table, or keeps the one a data folder already has when its keys and indexes are the
 * template's (a folder written for other keys cannot serve this app: the error says what to do).
 */
async function createTable(client: DynamoDBClient, input: CreateTableCommandInput): Promise<void> {
  try {
    await client.send(new CreateTableCommand(input));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    const existing = (await client.send(new DescribeTableCommand({ TableName: input.TableName }))).Table;
    type Keys = readonly { AttributeName?: string; KeyType?: string }[] | undefined;
    const keys = (k: Keys) => (k ?? []).map((e) => `${e.AttributeName}:${e.KeyType}`).join(',');
    const shape = (t: { KeySchema?: Keys; GlobalSecondaryIndexes?: { IndexName?: string; KeySchema?: Keys }[] }) =>
      [
        keys(t.KeySchema),
        ...(t.GlobalSecondaryIndexes ?? []).map((g) => `${g.IndexName}=${keys(g.KeySchema)}`).sort(),
      ].join(';');
    if (existing && shape(existing) !== shape(input)) {
      throw new TableShapeError(input.TableName!);
    }
  }
  for (let i = 0; i < 500; i++) {
    const table = await client.send(new DescribeTableCommand({ TableName: input.TableName }));
    const indexesActive = (table.Table?.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE');
    if (table.Table?.TableStatus === 'ACTIVE' && indexesActive) return;
    await new Promise((done) => setTimeout(done, 10));
  }
  throw new Error(`table ${input.TableName} did not become ACTIVE`);
}

/** A table kept in the data folder has other keys or indexes than the app's template defines. */
export class TableShapeError extends CliError {
  constructor(readonly table: string) {
    super(
      `table ${table} in the data folder has other keys or indexes than the app defines (written by another version): delete the data folder to start with an empty history, or pass --in-memory`,
    );
    this.name = 'TableShapeError';
  }
}
