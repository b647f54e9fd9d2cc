import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { fromItem } from '../../lambdas/adapters/dynamodb-history';
import { SfnWorkflowStarter } from '../../lambdas/adapters/sfn-starter';
import { DynamoDbHistoryStore } from '../../lambdas/adapters/dynamodb-history';
import { DEFAULT_SETTINGS, type Settings } from '../../lambdas/adapters/settings';
import { DynamoDbConfigItems } from '../../lambdas/adapters/dynamodb-config-items';
import { createConfigWriter } from '../../lambdas/config-writer/config';
import type { DeliveryRecord, StartMessage } from '../../lambdas/core/config/messages';
import type { GatewayConfig } from '../../lambdas/core/config/webhook';
import { createDispatcher } from '../../lambdas/dispatcher/handler';
import { awsIngestDeps } from '../../lambdas/ingest/aws-deps';
import type { IngestDeps } from '../../lambdas/ingest/pipeline';
import { createIngestHandler } from '../../lambdas/ingest/request-handler';
import { apiEvent, type ApiRequest } from './api-event';
import { ManualClock } from './clock';
import { drain } from './event-source';
import { fakeS3, fakeSecretsManager } from './fakes';
import { fakeStepFunctions, type Started } from './fake-sfn';
import { createGatewayResources, readDelivery, type GatewayResources, type LocalAws } from './local-aws';
import { RoundTripRecorder } from './round-trips';
import { RecordingTelemetry } from './telemetry';

export const PAYLOAD_BUCKET = 'payload-bucket';

export interface TestGatewayOptions {
  /** Secrets Manager values by SecretId. */
  readonly secrets?: Record<string, string>;
  readonly settings?: Partial<Settings>;
  /** SDK attempts of the handlers' DynamoDB and SQS clients (fault tests use 1 to fail fast). */
  readonly maxAttempts?: number;
  readonly run?: (started: Started) => Promise<void>;
}

/**
 * The ingest function and the dispatcher on their real adapters: DynamoDB and SQS on the local
 * servers, Secrets Manager, S3 and Step Functions stubbed (no local server), a manual clock, every
 * SDK call recorded with its timing.
 */
export async function testGateway(local: LocalAws, config: GatewayConfig, options: TestGatewayOptions = {}) {
  const resources: GatewayResources = await createGatewayResources(local);
  await writeConfig(local, resources, config);
  const recorder = new RoundTripRecorder();
  const { dynamodb, sqs } = local.clients(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {});
  recorder.attach('dynamodb', dynamodb).attach('sqs', sqs);
  const secretsManager = fakeSecretsManager(options.secrets ?? {}, recorder);
  const s3 = fakeS3(recorder);
  const sfn = fakeStepFunctions(options.run);
  const clock = new ManualClock(Date.now());
  const telemetry = new RecordingTelemetry();
  const settings = gatewaySettings(resources, options.settings);
  const base = awsIngestDeps(settings, telemetry, {
    dynamodb,
    sqs,
    s3: s3.client,
    secretsManager: secretsManager.client,
  });
  const deps: IngestDeps = { ...base, clock };
  const ingest = createIngestHandler(deps);
  const dispatcherTelemetry = new RecordingTelemetry();
  const dispatcher = createDispatcher({
    starter: new SfnWorkflowStarter(sfn.client),
    history: new DynamoDbHistoryStore(local.dynamodb, resources.historyTable),
    telemetry: dispatcherTelemetry,
  });

  const post = async (request: ApiRequest) => {
    const response: APIGatewayProxyResult = await ingest(apiEvent(request));
    return { ...response, json: () => JSON.parse(response.body) as Record<string, unknown> };
  };

  return {
    resources,
    deps,
    ingest,
    dispatcher,
    recorder,
    secretsManager,
    s3,
    sfn,
    clock,
    telemetry,
    dispatcherTelemetry,
    post,
    /** Runs the dispatcher over everything on the queue, as Lambda's event source mapping would. */
    dispatch: () => drain(local.sqs, resources.queueUrl, dispatcher),
    /** Messages on the queue, removed from it (for tests that do not dispatch). */
    async takeMessages(): Promise<StartMessage[]> {
      const out: StartMessage[] = [];
      for (;;) {
        const got = await local.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: resources.queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }),
        );
        if (!got.Messages?.length) return out;
        out.push(...got.Messages.map((m) => JSON.parse(m.Body!) as StartMessage));
      }
    },
    /** The history item of a delivery, found by its label (the provider's id) as `history`/`replay` find it. */
    async delivery(webhook: string, deliveryId: string): Promise<DeliveryRecord | undefined> {
      return new DynamoDbHistoryStore(local.dynamodb, resources.historyTable).getDelivery(webhook, deliveryId);
    },
    /** The history item under its idempotency key. */
    deliveryByKey(webhook: string, idempotencyKey: string): Promise<DeliveryRecord | undefined> {
      return readDelivery(local.dynamodb, resources.historyTable, webhook, idempotencyKey);
    },
    /** Every history item of a webhook (deliveries `d#…`, dedup markers `k#…` and sampled rejections `r#…`). */
    async history(webhook: string): Promise<(DeliveryRecord & { sk: string })[]> {
      const got = await local.dynamodb.send(
        new QueryCommand({
          TableName: resources.historyTable,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: webhook } },
          ConsistentRead: true,
        }),
      );
      return (got.Items ?? []).map((item) => ({ ...fromItem(item), sk: item.sk!.S! }));
    },
  };
}

export type TestGateway = Awaited<ReturnType<typeof testGateway>>;

/** Writes the config through the real config writer, as the custom resource does at deploy time. */
export async function writeConfig(local: LocalAws, resources: GatewayResources, config: GatewayConfig): Promise<void> {
  await createConfigWriter(new DynamoDbConfigItems(local.dynamodb))({
    RequestType: 'Create',
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
    ResponseURL: '...',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/test/1',
    RequestId: 'create',
    LogicalResourceId: 'WebhooksConfig',
    ResourceType: 'Custom::WebhookGatewayConfig',
    ResourceProperties: {
      ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
      ConfigTableName: resources.configTable,
      Config: JSON.stringify(config),
    },
  });
}

/** The handlers' settings for tables and a queue created in local AWS, with any overrides. */
export function gatewaySettings(
  resources: Pick<GatewayResources, 'configTable' | 'historyTable' | 'queueUrl'>,
  overrides: Partial<Settings> = {},
): Settings {
  return {
    ...DEFAULT_SETTINGS,
    configTable: resources.configTable,
    historyTable: resources.historyTable,
    queueUrl: resources.queueUrl,
    payloadBucket: PAYLOAD_BUCKET,
    ...overrides,
  };
}
