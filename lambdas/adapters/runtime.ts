import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { parseBody } from '../core/body';
import { LIMITS } from '../core/config/messages';
import { HISTORY_ITEMS } from '../core/config/tables';
import { HttpHeaders } from '../core/http/headers';
import { InboundRequest } from '../core/http/request';
import { processDelivery, type DeliveryOutcome, type IngestDeps } from '../ingest/pipeline';
import { DynamoDbConfigStore } from './dynamodb-config';
import { DynamoDbHistoryStore } from './dynamodb-history';
import { DynamoDbRateWindows } from './dynamodb-rate-windows';
import { systemClock, type Telemetry } from './ports';
import { S3PayloadStore } from './s3-payloads';
import { SecretsManagerSecretStore } from './secrets-manager';
import type { Settings } from './settings';
import { SqsQueue } from './sqs-queue';

export interface AwsClients {
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly secretsManager: SecretsManagerClient;
}

/** The ingest's ports on AWS: one SDK client per service (created here unless given), reused across invocations. */
export function awsIngestDeps(settings: Settings, telemetry: Telemetry, clients: Partial<AwsClients> = {}): IngestDeps {
  const dynamodb = clients.dynamodb ?? new DynamoDBClient({});
  return {
    config: new DynamoDbConfigStore(dynamodb, settings.configTable, settings.configCacheSeconds),
    secrets: new SecretsManagerSecretStore(clients.secretsManager ?? new SecretsManagerClient({})),
    history: new DynamoDbHistoryStore(dynamodb, settings.historyTable),
    queue: new SqsQueue(clients.sqs ?? new SQSClient({}), settings.queueUrl),
    payloads: new S3PayloadStore(clients.s3 ?? new S3Client({}), settings.payloadBucket),
    rateWindows: new DynamoDbRateWindows(dynamodb, settings.configTable),
    clock: systemClock,
    telemetry,
    settings: {
      historyRetentionDays: settings.historyRetentionDays,
      dedupRetentionDays: settings.dedupRetentionDays,
      ingestTimeoutSeconds: settings.ingestTimeoutSeconds,
      historyBodyLimit: settings.historyBodyLimit,
      maxBodySize: LIMITS.defaultMaxBodySize,
    },
  };
}

export class ReplayError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReplayError';
  }
}

/**
 * Replays a recorded delivery: the stored raw body and (redacted) headers run through the current
 * config's CEL, routes, dedup and queue again, without verification (the original was verified).
 * The replay is a new delivery, `<deliveryId>#replay-<n>` (n counted atomically on the original),
 * whose workflow input carries `replayOf`. Signature headers are `[redacted]` and `query` is empty
 * for the replay's expressions.
 */
export async function replayDelivery(deps: IngestDeps, webhook: string, deliveryId: string): Promise<DeliveryOutcome> {
  const original = await deps.history.getDelivery(webhook, deliveryId);
  if (!original?.idempotencyKey || !original.deliveryId) {
    throw new ReplayError(`webhook "${webhook}" has no recorded delivery "${deliveryId}"`);
  }
  const body = original.body
    ? Buffer.from(original.body)
    : original.bodyRef
      ? await deps.payloads.get(original.bodyRef)
      : Buffer.alloc(0);
  const loaded = await deps.config.load(webhook);
  if (!loaded) throw new ReplayError(`webhook "${webhook}" no longer exists`);
  const headers = HttpHeaders.from(original.headers ?? {});
  const parsed = parseBody(new InboundRequest({ method: 'POST', url: 'https://replay.invalid/', headers, body }));
  if (!parsed.ok) throw new ReplayError(`the recorded body no longer parses: ${parsed.detail}`);
  const n = await deps.history.nextReplayNumber(HISTORY_ITEMS.delivery(webhook, original.idempotencyKey));
  return processDelivery(deps, {
    webhook: loaded,
    headers,
    query: {},
    body,
    input: parsed.input,
    deliveryId: original.deliveryId,
    dedupKey: original.idempotencyKey,
    receivedAt: deps.clock.now(),
    replay: { of: original, n },
  });
}
