import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BatchWriteItemCommand, DynamoDBClient, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { DynamoDbConfigStore } from '../../lambdas/adapters/dynamodb-config';
import { DynamoDbConfigItems } from '../../lambdas/adapters/dynamodb-config-items';
import { createConfigWriter, InvalidGatewayConfigError } from '../../lambdas/config-writer/config';
import type { GatewayConfig, RouteConfig, WebhookConfig } from '../../lambdas/core/config/webhook';
import { createGatewayResources, startLocalAws, type GatewayResources, type LocalAws } from '../support/local-aws';

let local: LocalAws;
let resources: GatewayResources;

beforeAll(async () => {
  local = await startLocalAws();
});
afterAll(() => local?.stop());
beforeEach(async () => {
  resources = await createGatewayResources(local);
});

function webhook(name: string, maxBodySize = 1024): WebhookConfig {
  return {
    name,
    verifier: { type: 'github' },
    secrets: { default: { secretId: name } },
    expressions: { eventKey: `'${name}:' + input.type` },
    maxBodySize,
  };
}

function route(id: string): RouteConfig {
  return {
    id,
    eventKeyPattern: '*',
    target: { arn: `arn:aws:states:us-east-1:123456789012:stateMachine:${id}`, type: 'STANDARD' },
  };
}

function props(config: GatewayConfig, table = resources.configTable) {
  return {
    ServiceToken: 'arn:aws:lambda:us-east-1:1:function:provider',
    ConfigTableName: table,
    Config: JSON.stringify(config),
  };
}

const base = {
  ServiceToken: 'arn:aws:lambda:us-east-1:1:function:provider',
  ResponseURL: '...',
  StackId: 'arn:aws:cloudformation:us-east-1:1:stack/s/1',
  RequestId: 'r',
  LogicalResourceId: 'Config',
  ResourceType: 'Custom::WebhookGatewayConfig',
};

function create(config: GatewayConfig): CloudFormationCustomResourceEvent {
  return { ...base, RequestType: 'Create', ResourceProperties: props(config) };
}

function update(config: GatewayConfig, old: GatewayConfig): CloudFormationCustomResourceEvent {
  return {
    ...base,
    RequestType: 'Update',
    PhysicalResourceId: `${resources.configTable}/webhook-gateway-config`,
    ResourceProperties: props(config),
    OldResourceProperties: props(old),
  };
}

function remove(config: GatewayConfig, table = resources.configTable): CloudFormationCustomResourceEvent {
  return {
    ...base,
    RequestType: 'Delete',
    PhysicalResourceId: `${table}/webhook-gateway-config`,
    ResourceProperties: props(config, table),
  };
}

async function items(): Promise<Record<string, unknown>[]> {
  const scan = await local.dynamodb.send(new ScanCommand({ TableName: resources.configTable }));
  return (scan.Items ?? []).map((i) => unmarshall(i)).sort((a, b) => `${a.pk}${a.sk}`.localeCompare(`${b.pk}${b.sk}`));
}

describe('config writer', () => {
  it('writes every webhook and route where the runtime reads them', async () => {
    const config = { webhooks: [webhook('github'), webhook('stripe')], routes: [route('a'), route('b')] };
    const result = await createConfigWriter(new DynamoDbConfigItems(local.dynamodb))(create(config));
    expect(result).toEqual({
      PhysicalResourceId: `${resources.configTable}/webhook-gateway-config`,
      Data: { Webhooks: 2, Routes: 2 },
    });
    const store = new DynamoDbConfigStore(local.dynamodb, resources.configTable);
    const loaded = await store.load('github');
    expect(loaded?.config).toEqual(webhook('github'));
    expect(loaded?.routes).toEqual([route('a'), route('b')]);
    expect((await items()).map((i) => `${i.pk}|${i.sk}`)).toEqual([
      'routes|a',
      'routes|b',
      'webhook#github|config',
      'webhook#stripe|config',
    ]);
  });

  it('updates configs, keeps verifiedAt, and removes webhooks and routes that are gone', async () => {
    const writer = createConfigWriter(new DynamoDbConfigItems(local.dynamodb));
    const old = { webhooks: [webhook('github'), webhook('stripe')], routes: [route('a'), route('b')] };
    await writer(create(old));
    const store = new DynamoDbConfigStore(local.dynamodb, resources.configTable, 0);
    await store.markVerified('github', new Date('2026-01-01T00:00:00Z'));
    const next = { webhooks: [webhook('github', 2048)], routes: [route('b'), route('c')] };
    await writer(update(next, old));
    const all = await items();
    expect(all.map((i) => `${i.pk}|${i.sk}`)).toEqual(['routes|b', 'routes|c', 'webhook#github|config']);
    const github = all.find((i) => i.pk === 'webhook#github')!;
    expect(JSON.parse(github.config as string)).toEqual(webhook('github', 2048));
    expect(github.verifiedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(github.version).toMatch(/^[0-9a-f]{16}$/);
  });

  it('keeps the routes in configuration order, whatever their ids', async () => {
    await createConfigWriter(new DynamoDbConfigItems(local.dynamodb))(
      create({ webhooks: [webhook('github')], routes: [route('zeta'), route('alpha'), route('mid')] }),
    );
    const loaded = await new DynamoDbConfigStore(local.dynamodb, resources.configTable).load('github');
    expect(loaded?.routes.map((r) => r.id)).toEqual(['zeta', 'alpha', 'mid']);
  });

  it('removes stale route items even when the old properties do not list them', async () => {
    const writer = createConfigWriter(new DynamoDbConfigItems(local.dynamodb));
    await writer(create({ webhooks: [], routes: [route('leftover')] }));
    await writer(update({ webhooks: [], routes: [route('kept')] }, { webhooks: [], routes: [] }));
    expect((await items()).map((i) => i.sk)).toEqual(['kept']);
  });

  it('removes every item it wrote on Delete, and ignores a table that is already gone', async () => {
    const writer = createConfigWriter(new DynamoDbConfigItems(local.dynamodb));
    const config = { webhooks: [webhook('github')], routes: Array.from({ length: 30 }, (_, i) => route(`r${i}`)) };
    await writer(create(config));
    const result = await writer(remove(config));
    expect(result.PhysicalResourceId).toBe(`${resources.configTable}/webhook-gateway-config`);
    expect(await items()).toEqual([]);
    await expect(writer(remove(config, 'no-such-table'))).resolves.toMatchObject({
      PhysicalResourceId: 'no-such-table/webhook-gateway-config',
    });
  });

  it('writes more than 25 routes in several batches', async () => {
    const routes = Array.from({ length: 60 }, (_, i) => route(`r${String(i).padStart(2, '0')}`));
    await createConfigWriter(new DynamoDbConfigItems(local.dynamodb))(create({ webhooks: [], routes }));
    const query = await local.dynamodb.send(
      new QueryCommand({
        TableName: resources.configTable,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': { S: 'routes' } },
      }),
    );
    expect(query.Count).toBe(60);
  });

  it('fails if Config is not a gateway config', async () => {
    const writer = createConfigWriter(new DynamoDbConfigItems(local.dynamodb));
    const bad = (Config: string): CloudFormationCustomResourceEvent => ({
      ...base,
      RequestType: 'Create',
      ResourceProperties: { ServiceToken: 'x', ConfigTableName: resources.configTable, Config },
    });
    await expect(writer(bad('{'))).rejects.toBeInstanceOf(InvalidGatewayConfigError);
    await expect(writer(bad('{"webhooks": {}}'))).rejects.toThrow(/must be/);
    await expect(writer(bad('{"webhooks": [{"name": "Bad Name"}], "routes": []}'))).rejects.toThrow(/Bad Name/);
    expect(await items()).toEqual([]);
  });

  it('retries UnprocessedItems until every item is written', async () => {
    const client = new DynamoDBClient({ region: 'us-east-1' });
    const mock = mockClient(client);
    const table = 'cfg';
    mock.on(QueryCommand).resolves({ Items: [] });
    mock
      .on(BatchWriteItemCommand)
      .resolvesOnce({
        UnprocessedItems: { [table]: [{ PutRequest: { Item: { pk: { S: 'routes' }, sk: { S: 'b' } } } }] },
      })
      .resolves({ UnprocessedItems: {} });
    await createConfigWriter(new DynamoDbConfigItems(client))({
      ...base,
      RequestType: 'Create',
      ResourceProperties: {
        ServiceToken: 'x',
        ConfigTableName: table,
        Config: JSON.stringify({ webhooks: [], routes: [route('a'), route('b')] }),
      },
    });
    const calls = mock
      .commandCalls(BatchWriteItemCommand)
      .map((c) => c.args[0].input.RequestItems![table]!.map((r) => r.PutRequest?.Item?.sk?.S));
    expect(calls).toEqual([['a', 'b'], ['b']]);
  });
});
