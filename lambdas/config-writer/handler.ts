import { createHash } from 'node:crypto';
import {
  BatchWriteItemCommand,
  QueryCommand,
  ResourceNotFoundException,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { CONFIG_ITEMS, TABLE_KEYS } from '../core/config/tables';
import { WEBHOOK_NAME_PATTERN, type GatewayConfig } from '../core/config/webhook';

/** Properties of the Custom::WebhookGatewayConfig resource. */
export interface ConfigResourceProperties {
  readonly ConfigTableName: string;
  /** JSON of GatewayConfig: `{ webhooks: WebhookConfig[], routes: RouteConfig[] }`. */
  readonly Config: string;
}

export interface ConfigWriterResult {
  readonly PhysicalResourceId: string;
  readonly Data: { readonly Webhooks: number; readonly Routes: number };
}

export class InvalidGatewayConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidGatewayConfigError';
  }
}

const BATCH_SIZE = 25;
const MAX_BATCH_ATTEMPTS = 8;

/**
 * The custom resource that writes the gateway's config table at deploy time, as an `onEvent`
 * handler of the custom-resources Provider framework. Create/Update write every webhook (keeping
 * run-time attributes such as `verifiedAt`) and every route, then delete what is no longer there;
 * Delete removes every webhook and route item.
 */
export function createConfigWriter(client: DynamoDBClient) {
  return async (event: CloudFormationCustomResourceEvent): Promise<ConfigWriterResult> => {
    const props = event.ResourceProperties as unknown as ConfigResourceProperties;
    const config = parseConfig(props.Config);
    const table = props.ConfigTableName;
    const physicalId = `${table}/webhook-gateway-config`;
    const counts = { Webhooks: config.webhooks.length, Routes: config.routes.length };

    if (event.RequestType === 'Delete') {
      try {
        const routeIds = await listRouteIds(client, table);
        await batchDelete(client, table, [
          ...config.webhooks.map((w) => CONFIG_ITEMS.webhook(w.name)),
          ...routeIds.map((id) => CONFIG_ITEMS.route(id)),
        ]);
      } catch (error) {
        // The table went first (or was never created): nothing is left to remove.
        if (!(error instanceof ResourceNotFoundException)) throw error;
      }
      return { PhysicalResourceId: event.PhysicalResourceId, Data: counts };
    }

    await writeWebhooks(client, table, config);
    await batchWrite(
      client,
      table,
      config.routes.map((r, position) => ({
        PutRequest: { Item: marshall({ ...CONFIG_ITEMS.route(r.id), route: JSON.stringify(r), position }) },
      })),
    );

    const names = new Set(config.webhooks.map((w) => w.name));
    const oldProps =
      event.RequestType === 'Update' ? (event.OldResourceProperties as unknown as ConfigResourceProperties) : undefined;
    const oldWebhooks = oldProps && oldProps.ConfigTableName === table ? parseConfig(oldProps.Config).webhooks : [];
    const routeIds = new Set(config.routes.map((r) => r.id));
    const staleRoutes = (await listRouteIds(client, table)).filter((id) => !routeIds.has(id));
    await batchDelete(client, table, [
      ...oldWebhooks.filter((w) => !names.has(w.name)).map((w) => CONFIG_ITEMS.webhook(w.name)),
      ...staleRoutes.map((id) => CONFIG_ITEMS.route(id)),
    ]);
    return { PhysicalResourceId: physicalId, Data: counts };
  };
}

function parseConfig(text: string | undefined): GatewayConfig {
  let value: unknown;
  try {
    value = JSON.parse(text ?? '');
  } catch (cause) {
    throw new InvalidGatewayConfigError('Config is not JSON', { cause });
  }
  const config = value as Partial<GatewayConfig> | null;
  if (!config || !Array.isArray(config.webhooks) || !Array.isArray(config.routes)) {
    throw new InvalidGatewayConfigError('Config must be { "webhooks": [...], "routes": [...] }');
  }
  for (const w of config.webhooks) {
    if (typeof w?.name !== 'string' || !WEBHOOK_NAME_PATTERN.test(w.name)) {
      throw new InvalidGatewayConfigError(
        `webhook name ${JSON.stringify(w?.name)} does not match ${WEBHOOK_NAME_PATTERN}`,
      );
    }
  }
  for (const r of config.routes) {
    if (typeof r?.id !== 'string' || r.id === '')
      throw new InvalidGatewayConfigError('every route needs a non-empty id');
  }
  return config as GatewayConfig;
}

/** UpdateItem (not PutItem) so that attributes written at run time, like `verifiedAt`, survive a deploy. */
async function writeWebhooks(client: DynamoDBClient, table: string, config: GatewayConfig): Promise<void> {
  const pending = [...config.webhooks];
  const worker = async () => {
    for (let w = pending.shift(); w; w = pending.shift()) {
      const json = JSON.stringify(w);
      await client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: marshall(CONFIG_ITEMS.webhook(w.name)),
          UpdateExpression: 'SET #config = :config, #version = :version',
          ExpressionAttributeNames: { '#config': 'config', '#version': 'version' },
          ExpressionAttributeValues: {
            ':config': { S: json },
            ':version': { S: createHash('sha256').update(json).digest('hex').slice(0, 16) },
          },
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, pending.length) }, worker));
}

async function listRouteIds(client: DynamoDBClient, table: string): Promise<string[]> {
  const ids: string[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#pk = :routes',
        ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey, '#sk': TABLE_KEYS.sortKey },
        ExpressionAttributeValues: { ':routes': { S: CONFIG_ITEMS.routesPartition } },
        ProjectionExpression: '#sk',
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) if (item.sk?.S !== undefined) ids.push(item.sk.S);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return ids;
}

function batchDelete(client: DynamoDBClient, table: string, keys: { pk: string; sk: string }[]): Promise<void> {
  return batchWrite(
    client,
    table,
    keys.map((key) => ({ DeleteRequest: { Key: marshall(key) } })),
  );
}

/** BatchWriteItem in chunks of 25, retrying UnprocessedItems with backoff. */
async function batchWrite(client: DynamoDBClient, table: string, requests: WriteRequest[]): Promise<void> {
  for (let i = 0; i < requests.length; i += BATCH_SIZE) {
    let chunk = requests.slice(i, i + BATCH_SIZE);
    for (let attempt = 1; chunk.length > 0; attempt++) {
      if (attempt > MAX_BATCH_ATTEMPTS)
        throw new Error(`${chunk.length} config items still unprocessed after ${MAX_BATCH_ATTEMPTS} attempts`);
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** (attempt - 2)));
      const result = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: chunk } }));
      chunk = result.UnprocessedItems?.[table] ?? [];
    }
  }
}
