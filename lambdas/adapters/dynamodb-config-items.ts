import { createHash } from 'node:crypto';
import {
  BatchWriteItemCommand,
  GetItemCommand,
  paginateQuery,
  ResourceNotFoundException,
  UpdateItemCommand,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { CONFIG_IMPORTED_ROUTES_INDEX, CONFIG_ITEMS, TABLE_KEYS } from '../core/config/tables';
import type { RouteConfig, WebhookConfig } from '../core/config/webhook';

const BATCH_SIZE = 25;
const MAX_BATCH_ATTEMPTS = 8;
const PARALLEL_WRITES = 8;

/**
 * The webhook and route items of a config table, as the config writer changes them at deploy time
 * (DynamoDbConfigStore reads them at run time). The table is named per call: the custom resource's
 * properties carry it.
 */
export class DynamoDbConfigItems {
  constructor(private readonly client: DynamoDBClient) {}

  /** UpdateItem (not PutItem) so that attributes written at run time, like `verifiedAt`, survive a deploy. */
  async putWebhooks(table: string, webhooks: readonly WebhookConfig[]): Promise<void> {
    const pending = [...webhooks];
    const worker = async () => {
      for (let w = pending.shift(); w; w = pending.shift()) {
        const json = JSON.stringify(w);
        await this.client.send(
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
    await Promise.all(Array.from({ length: Math.min(PARALLEL_WRITES, pending.length) }, worker));
  }

  /** Each route with its position, so that the config store returns them in configuration order. */
  putRoutes(table: string, routes: readonly RouteConfig[]): Promise<void> {
    return this.batchWrite(
      table,
      routes.map((r, position) => ({
        PutRequest: { Item: marshall({ ...CONFIG_ITEMS.route(r.id), route: JSON.stringify(r), position }) },
      })),
    );
  }

  /** The ids of every route the gateway's own writer stored. */
  routeIds(table: string): Promise<string[]> {
    return this.sortKeys(table, CONFIG_ITEMS.routesPartition);
  }

  /**
   * The routes of one imported gateway's writer, with their positions, in its own partition and in
   * the imported-routes index (where the config store finds every writer's routes).
   */
  putImportedRoutes(table: string, writer: string, routes: readonly RouteConfig[]): Promise<void> {
    return this.batchWrite(
      table,
      routes.map((r, position) => ({
        PutRequest: {
          Item: marshall({
            ...CONFIG_ITEMS.importedRoute(writer, r.id),
            route: JSON.stringify(r),
            position,
            writer,
            [CONFIG_IMPORTED_ROUTES_INDEX.partitionKey]: CONFIG_IMPORTED_ROUTES_INDEX.value,
          }),
        },
      })),
    );
  }

  /** The ids of the routes one imported gateway's writer stored; none when the table is gone. */
  async importedRouteIds(table: string, writer: string): Promise<string[]> {
    try {
      return await this.sortKeys(table, CONFIG_ITEMS.importedRoutesPartition(writer));
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return [];
      throw error;
    }
  }

  /** Deletes these routes of one imported gateway's writer. */
  deleteImportedRoutes(table: string, writer: string, ids: readonly string[]): Promise<void> {
    return this.batchWrite(
      table,
      ids.map((id) => ({ DeleteRequest: { Key: marshall(CONFIG_ITEMS.importedRoute(writer, id)) } })),
    );
  }

  /** Whether the gateway has a webhook of this name (its config item exists). */
  async hasWebhook(table: string, name: string): Promise<boolean> {
    const result = await this.client.send(
      new GetItemCommand({
        TableName: table,
        Key: marshall(CONFIG_ITEMS.webhook(name)),
        ProjectionExpression: '#pk',
        ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey },
      }),
    );
    return result.Item !== undefined;
  }

  private async sortKeys(table: string, partition: string): Promise<string[]> {
    const ids: string[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: table,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey, '#sk': TABLE_KEYS.sortKey },
        ExpressionAttributeValues: { ':pk': { S: partition } },
        ProjectionExpression: '#sk',
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) if (item.sk?.S !== undefined) ids.push(item.sk.S);
    }
    return ids;
  }

  /** Deletes the items of these webhooks and routes. */
  delete(table: string, items: { readonly webhooks: readonly string[]; readonly routes: readonly string[] }) {
    return this.batchWrite(
      table,
      [
        ...items.webhooks.map((name) => CONFIG_ITEMS.webhook(name)),
        ...items.routes.map((id) => CONFIG_ITEMS.route(id)),
      ].map((key) => ({ DeleteRequest: { Key: marshall(key) } })),
    );
  }

  /** Deletes these webhooks and every route; a table that is gone (or was never created) has nothing left. */
  async removeAll(table: string, webhooks: readonly string[]): Promise<void> {
    try {
      await this.delete(table, { webhooks, routes: await this.routeIds(table) });
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }

  /** BatchWriteItem in chunks of 25, retrying UnprocessedItems with backoff. */
  private async batchWrite(table: string, requests: WriteRequest[]): Promise<void> {
    for (let i = 0; i < requests.length; i += BATCH_SIZE) {
      let chunk = requests.slice(i, i + BATCH_SIZE);
      for (let attempt = 1; chunk.length > 0; attempt++) {
        if (attempt > MAX_BATCH_ATTEMPTS)
          throw new Error(`${chunk.length} config items still unprocessed after ${MAX_BATCH_ATTEMPTS} attempts`);
        if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** (attempt - 2)));
        const result = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [table]: chunk } }));
        chunk = result.UnprocessedItems?.[table] ?? [];
      }
    }
  }
}
