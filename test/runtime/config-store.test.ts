import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { DynamoDbConfigStore, InvalidConfigItemError } from '../../lambdas/adapters/dynamodb-config';
import { CONFIG_ITEMS } from '../../lambdas/core/config/tables';
import type { RouteConfig, WebhookConfig } from '../../lambdas/core/config/webhook';
import { ManualClock } from '../support/clock';
import {
  createGatewayResources,
  createTable,
  startLocalAws,
  type GatewayResources,
  type LocalAws,
} from '../support/local-aws';

let local: LocalAws;
let resources: GatewayResources;
let clock: ManualClock;
let store: DynamoDbConfigStore;

const github: WebhookConfig = {
  name: 'github',
  verifier: { type: 'github' },
  secrets: { default: { secretId: 'gh' } },
  expressions: { eventKey: "'github:' + headers['x-github-event']" },
  maxBodySize: 1024,
};

function route(id: string, webhook?: string): RouteConfig {
  return {
    id,
    eventKeyPattern: 'github:*',
    ...(webhook ? { webhook } : {}),
    target: { arn: `arn:aws:states:us-east-1:123456789012:stateMachine:${id}`, type: 'STANDARD' },
  };
}

async function put(item: Record<string, unknown>): Promise<void> {
  await local.dynamodb.send(new PutItemCommand({ TableName: resources.configTable, Item: marshall(item) }));
}

function reads(): number {
  return local.dynamodbServer.requests.filter((r) => /\.(GetItem|Query)$/.test(r)).length;
}

beforeAll(async () => {
  local = await startLocalAws();
});
afterAll(() => local?.stop());
beforeEach(async () => {
  resources = await createGatewayResources(local);
  clock = new ManualClock();
  store = new DynamoDbConfigStore(local.dynamodb, resources.configTable, 30, clock);
  await put({ ...CONFIG_ITEMS.webhook('github'), config: JSON.stringify(github), version: '1' });
  await put({ ...CONFIG_ITEMS.route('all'), route: JSON.stringify(route('all')) });
  await put({ ...CONFIG_ITEMS.route('gh'), route: JSON.stringify(route('gh', 'github')) });
  await put({ ...CONFIG_ITEMS.route('other'), route: JSON.stringify(route('other', 'stripe')) });
});

describe('DynamoDbConfigStore', () => {
  it('loads a webhook with the routes that can match its events', async () => {
    const loaded = await store.load('github');
    expect(loaded?.config).toEqual(github);
    expect(loaded?.routes.map((r) => r.id).sort()).toEqual(['all', 'gh']);
    expect(loaded?.verifiedAt).toBeUndefined();
    // The same objects while cached, so compiled expressions and route filters are reused.
    const again = await store.load('github');
    expect(again?.config).toBe(loaded?.config);
    expect(again?.routes).toBe(loaded?.routes);
  });

  it('answers undefined for an unknown webhook', async () => {
    expect(await store.load('nope')).toBeUndefined();
  });

  it('serves from memory for the cache time, then reads again', async () => {
    await store.load('github');
    const before = reads();
    clock.advance(29_000);
    await store.load('github');
    await store.load('nope');
    await store.load('nope');
    expect(reads() - before).toBe(1); // the unknown webhook, once
    clock.advance(2_000);
    await put({
      ...CONFIG_ITEMS.webhook('github'),
      config: JSON.stringify({ ...github, maxBodySize: 5 }),
      version: '2',
    });
    expect((await store.load('github'))?.config.maxBodySize).toBe(5);
  });

  it('shares one read between concurrent cold loads', async () => {
    const before = reads();
    await Promise.all([store.load('github'), store.load('github'), store.load('github')]);
    expect(reads() - before).toBe(3); // one GetItem, one Query of the gateway's routes, one of the imported routes' index
  });

  it('records the first verification time and keeps it', async () => {
    await store.load('github');
    await store.markVerified('github', new Date('2026-03-01T12:00:00Z'));
    await store.markVerified('github', new Date('2026-03-02T12:00:00Z'));
    expect((await store.load('github'))?.verifiedAt).toBe('2026-03-01T12:00:00.000Z');
    const fresh = new DynamoDbConfigStore(local.dynamodb, resources.configTable, 30, clock);
    expect((await fresh.load('github'))?.verifiedAt).toBe('2026-03-01T12:00:00.000Z');
  });

  it('does not create an item when marking an unknown webhook', async () => {
    await store.markVerified('ghost', new Date());
    expect(await store.load('ghost')).toBeUndefined();
  });

  it('fails if a stored config is not JSON, and does not cache the failure', async () => {
    await put({ ...CONFIG_ITEMS.webhook('broken'), config: '{not json' });
    await expect(store.load('broken')).rejects.toBeInstanceOf(InvalidConfigItemError);
    await put({ ...CONFIG_ITEMS.webhook('broken'), config: JSON.stringify({ ...github, name: 'broken' }) });
    expect((await store.load('broken'))?.config.name).toBe('broken');
  });

  it('fails if DynamoDB is unreachable, and reads again on the next call', async () => {
    const { dynamodb } = local.clients({ maxAttempts: 1 });
    const cold = new DynamoDbConfigStore(dynamodb, resources.configTable, 30, clock);
    local.dynamodbServer.fail('down');
    try {
      await expect(cold.load('github')).rejects.toThrow();
    } finally {
      local.dynamodbServer.heal();
    }
    expect((await cold.load('github'))?.config.name).toBe('github');
  });
});

describe('DynamoDbConfigStore while the imported-routes index cannot be read', () => {
  it('serves the gateway’s own routes (the index is backfilling after an upgrade, or not there yet)', async () => {
    const table = `config-without-index-${Date.now()}`;
    await createTable(local.dynamodb, table);
    await local.dynamodb.send(
      new PutItemCommand({
        TableName: table,
        Item: marshall({ ...CONFIG_ITEMS.webhook('github'), config: JSON.stringify(github), version: '1' }),
      }),
    );
    await local.dynamodb.send(
      new PutItemCommand({
        TableName: table,
        Item: marshall({ ...CONFIG_ITEMS.route('gh'), route: JSON.stringify(route('gh', 'github')) }),
      }),
    );
    const loaded = await new DynamoDbConfigStore(local.dynamodb, table, 30, new ManualClock()).load('github');
    expect(loaded?.routes.map((r) => r.id)).toEqual(['gh']);
  });
});
