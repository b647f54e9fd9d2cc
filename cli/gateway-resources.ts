import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbConfigStore } from '../lambdas/adapters/dynamodb-config';
import { DynamoDbHistoryStore } from '../lambdas/adapters/dynamodb-history';
import { DynamoDbRateWindows } from '../lambdas/adapters/dynamodb-rate-windows';
import { systemClock, type PayloadStore, type SecretStore, type Telemetry } from '../lambdas/adapters/ports';
import { SqsQueue } from '../lambdas/adapters/sqs-queue';
import { LIMITS } from '../lambdas/core/config/messages';
import type { IngestDeps, IngestSettings } from '../lambdas/ingest/pipeline';

/**
 * One gateway's tables, queues and bucket, with the settings its ingest reads alongside them (all
 * but the body size ceiling, which is the same everywhere): what the local gateway's state file
 * records for each of its gateways, and what the commands find through a deployed stack's outputs
 * (target.ts).
 */
export interface GatewayResources extends Omit<IngestSettings, 'maxBodySize'> {
  /** Output key prefix (the construct id without non-alphanumerics). */
  readonly id: string;
  readonly configTable: string;
  readonly historyTable: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly payloadBucket: string;
}

/** What the ingest's ports need besides the gateway's tables and queue. */
export interface IngestParts {
  readonly configCacheSeconds: number;
  readonly secrets: SecretStore;
  readonly payloads: PayloadStore;
  readonly telemetry: Telemetry;
}

/** The ingest's ports on one gateway's tables and queue, through the adapters the ingest function uses on AWS. */
export function gatewayIngestDeps(
  gateway: GatewayResources,
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
