import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { LIMITS } from '../core/config/messages';
import { DynamoDbConfigStore } from '../adapters/dynamodb-config';
import { DynamoDbHistoryStore } from '../adapters/dynamodb-history';
import { DynamoDbRateWindows } from '../adapters/dynamodb-rate-windows';
import { systemClock, type PayloadStore, type SecretStore, type Telemetry } from '../adapters/ports';
import { S3PayloadStore } from '../adapters/s3-payloads';
import { SecretsManagerSecretStore } from '../adapters/secrets-manager';
import type { Settings } from '../adapters/settings';
import { SqsQueue } from '../adapters/sqs-queue';
import type { IngestDeps, IngestSettings } from './pipeline';

/** One gateway's tables and queue, with the settings its ingest reads (all but the body size ceiling). */
export interface IngestResources extends Omit<IngestSettings, 'maxBodySize'> {
  readonly configTable: string;
  readonly historyTable: string;
  readonly queueUrl: string;
}

/** What the ingest's ports need besides the gateway's tables and queue. */
export interface IngestParts {
  readonly configCacheSeconds: number;
  readonly secrets: SecretStore;
  readonly payloads: PayloadStore;
  readonly telemetry: Telemetry;
}

/**
 * The ingest's ports on one gateway's tables and queue, through the DynamoDB and SQS adapters; the
 * function passes Secrets Manager and S3 (awsIngestDeps), the local gateway and the CLI their own.
 */
export function gatewayIngestDeps(
  gateway: IngestResources,
  clients: { readonly dynamodb: DynamoDBClient; readonly sqs: SQSClient },
  parts: IngestParts,
): IngestDeps {
  const { dynamodb, sqs } = clients;
  return {
    config: new DynamoDbConfigStore(dynamodb, gateway.configTable, parts.configCacheSeconds),
    secrets: parts.secrets,
    history: new DynamoDbHistoryStore(dynamodb, gateway.historyTable),
    queue: new SqsQueue(sqs, gateway.queueUrl),
    payloads: parts.payloads,
    rateWindows: new DynamoDbRateWindows(dynamodb, gateway.configTable),
    clock: systemClock,
    telemetry: parts.telemetry,
    settings: {
      historyRetentionDays: gateway.historyRetentionDays,
      dedupRetentionDays: gateway.dedupRetentionDays,
      ingestTimeoutSeconds: gateway.ingestTimeoutSeconds,
      historyBodyLimit: gateway.historyBodyLimit,
      maxBodySize: LIMITS.defaultMaxBodySize,
    },
  };
}

export interface AwsClients {
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly secretsManager: SecretsManagerClient;
}

/** The ingest function's ports on AWS: one SDK client per service (created here unless given), reused across invocations. */
export function awsIngestDeps(settings: Settings, telemetry: Telemetry, clients: Partial<AwsClients> = {}): IngestDeps {
  return gatewayIngestDeps(
    settings,
    { dynamodb: clients.dynamodb ?? new DynamoDBClient({}), sqs: clients.sqs ?? new SQSClient({}) },
    {
      configCacheSeconds: settings.configCacheSeconds,
      secrets: new SecretsManagerSecretStore(clients.secretsManager ?? new SecretsManagerClient({})),
      payloads: new S3PayloadStore(clients.s3 ?? new S3Client({}), settings.payloadBucket),
      telemetry,
    },
  );
}
