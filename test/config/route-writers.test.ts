import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { DynamoDbConfigStore } from '../../lambdas/adapters/dynamodb-config';
import { DynamoDbConfigItems } from '../../lambdas/adapters/dynamodb-config-items';
import { createConfigWriter, InvalidGatewayConfigError } from '../../lambdas/config-writer/config';
import { createRoutesWriter, ROUTES_RESOURCE_TYPE } from '../../lambdas/config-writer/routes';
import type { GatewayConfig, RouteConfig, WebhookConfig } from '../../lambdas/core/config/webhook';
import { createGatewayResources, startLocalAws, type GatewayResources, type LocalAws } from '../support/local-aws';

let local: LocalAws;
let resources: GatewayResources;
let items: DynamoDbConfigItems;

beforeAll(async () => {
  local = await startLocalAws();
  items = new DynamoDbConfigItems(local.dynamodb);
});
afterAll(() => local?.stop());
beforeEach(async () => {
  resources = await createGatewayResources(local);
});

const webhook = (name: string): WebhookConfig => ({
  name,
  verifier: { type: 'github' },
  secrets: { default: { secretId: name } },
  expressions: { eventKey: `'${name}:' + input.type` },
  maxBodySize: 1024,
});

const route = (id: string, webhookName?: string): RouteConfig => ({
  id,
  eventKeyPattern: '*',
  ...(webhookName !== undefined && { webhook: webhookName }),
  target: { arn: `arn:aws:states:us-east-1:123456789012:stateMachine:${id}`, type: 'STANDARD' },
});

const base = {
  ServiceToken: 'arn:aws:lambda:us-east-1:1:function:provider',
  ResponseURL: '...',
  StackId: 'arn:aws:cloudformation:us-east-1:1:stack/s/1',
  RequestId: 'r',
  LogicalResourceId: 'Routes',
};

/** The gateway's own writer (Custom::WebhookGatewayConfig). */
function owner(type: 'Create' | 'Update' | 'Delete', config: GatewayConfig): CloudFormationCustomResourceEvent {
  const props = {
    ServiceToken: base.ServiceToken,
    ConfigTableName: resources.configTable,
    Config: JSON.stringify(config),
  };
  const physical = `${resources.configTable}/webhook-gateway-config`;
  const event = { ...base, ResourceType: 'Custom::WebhookGatewayConfig', ResourceProperties: props };
  if (type === 'Create') return { ...event, RequestType: 'Create' };
  if (type === 'Delete') return { ...event, RequestType: 'Delete', PhysicalResourceId: physical };
  return { ...event, RequestType: 'Update', PhysicalResourceId: physical, OldResourceProperties: props };
}

/** An importing stack's writer (Custom::WebhookGatewayRoutes). */
function imported(
  type: 'Create' | 'Update' | 'Delete',
  writer: string,
  routes: RouteConfig[],
): CloudFormationCustomResourceEvent {
  const props = {
    ServiceToken: base.ServiceToken,
    ConfigTableName: resources.configTable,
    Writer: writer,
    Config: JSON.stringify({ webhooks: [], routes }),
  };
  const physical = `${resources.configTable}/routes#${writer}`;
  const event = { ...base, ResourceType: ROUTES_RESOURCE_TYPE, ResourceProperties: props };
  if (type === 'Create') return { ...event, RequestType: 'Create' };
  if (type === 'Delete') return { ...event, RequestType: 'Delete', PhysicalResourceId: physical };
  return { ...event, RequestType: 'Update', PhysicalResourceId: physical, OldResourceProperties: props };
}

async function keys(): Promise<string[]> {
  const scan = await local.dynamodb.send(new ScanCommand({ TableName: resources.configTable }));
  return (scan.Items ?? [])
    .map((i) => unmarshall(i))
    .map((i) => `${i.pk}|${i.sk}`)
    .sort();
}

const routeIds = async () =>
  (await new DynamoDbConfigStore(local.dynamodb, resources.configTable, 0).load('github'))?.routes.map((r) => r.id);

describe('routes of several writers (the gateway and the stacks that import it)', () => {
  it('reads every writer: the gateway first, then each writer by id, each in configuration order', async () => {
    const writeOwn = createConfigWriter(items);
    const writeImported = createRoutesWriter(items);
    await writeOwn(owner('Create', { webhooks: [webhook('github')], routes: [route('own-2'), route('own-1')] }));
    await expect(
      writeImported(imported('Create', 'Zeta/Hooks', [route('z-2', 'github'), route('z-1')])),
    ).resolves.toEqual({
      PhysicalResourceId: `${resources.configTable}/routes#Zeta/Hooks`,
      Data: { Routes: 2 },
    });
    await writeImported(imported('Create', 'Alpha/Hooks', [route('a-1')]));
    expect(await routeIds()).toEqual(['own-2', 'own-1', 'a-1', 'z-2', 'z-1']);
  });

  it("the gateway's writer never deletes another writer's routes, and a writer deletes only its own", async () => {
    const writeOwn = createConfigWriter(items);
    const writeImported = createRoutesWriter(items);
    await writeOwn(owner('Create', { webhooks: [webhook('github')], routes: [route('own-1'), route('own-2')] }));
    await writeImported(imported('Create', 'A/Hooks', [route('a-1'), route('a-2')]));
    await writeImported(imported('Create', 'B/Hooks', [route('b-1')]));

    await writeOwn(owner('Update', { webhooks: [webhook('github')], routes: [route('own-2')] }));
    await writeImported(imported('Update', 'A/Hooks', [route('a-2')]));
    expect(await routeIds()).toEqual(['own-2', 'a-2', 'b-1']);

    await writeImported(imported('Delete', 'A/Hooks', [route('a-2')]));
    expect(await keys()).toEqual(['routes#B/Hooks|b-1', 'routes|own-2', 'webhook#github|config']);
    await writeOwn(owner('Delete', { webhooks: [webhook('github')], routes: [route('own-2')] }));
    expect(await keys()).toEqual(['routes#B/Hooks|b-1']);
  });

  it("never lets a writer's route replace the gateway's route of the same id", async () => {
    await createConfigWriter(items)(owner('Create', { webhooks: [webhook('github')], routes: [route('same')] }));
    const hijack = {
      ...route('same'),
      target: { arn: 'arn:aws:states:us-east-1:1:stateMachine:other', type: 'STANDARD' as const },
    };
    await createRoutesWriter(items)(imported('Create', 'A/Hooks', [hijack, route('a-1')]));
    const loaded = await new DynamoDbConfigStore(local.dynamodb, resources.configTable, 0).load('github');
    expect(loaded?.routes).toEqual([route('same'), route('a-1')]);
  });

  it("skips another stack's broken route item instead of failing every delivery", async () => {
    await createConfigWriter(items)(owner('Create', { webhooks: [webhook('github')], routes: [route('own-1')] }));
    await createRoutesWriter(items)(imported('Create', 'A/Hooks', [route('a-1'), route('a-2')]));
    await local.dynamodb.send(
      new PutItemCommand({
        TableName: resources.configTable,
        Item: marshall({ pk: 'routes#B/Hooks', sk: 'b-1', route: '{not json', position: 0, routeSet: 'imported' }),
      }),
    );
    await local.dynamodb.send(
      new PutItemCommand({
        TableName: resources.configTable,
        Item: marshall({ pk: 'routes#B/Hooks', sk: 'b-2', route: '{"id":"b-2"}', position: 1, routeSet: 'imported' }),
      }),
    );
    expect(await routeIds()).toEqual(['own-1', 'a-1', 'a-2']);
  });

  it("fails the deployment, writing nothing, when a route's webhook does not exist in the gateway", async () => {
    await createConfigWriter(items)(owner('Create', { webhooks: [webhook('github')], routes: [] }));
    const deploy = createRoutesWriter(items)(
      imported('Create', 'A/Hooks', [route('a-1', 'github'), route('a-2', 'stripe')]),
    );
    await expect(deploy).rejects.toThrow(InvalidGatewayConfigError);
    await expect(deploy).rejects.toThrow(
      `route "*": webhook "stripe" does not exist in the gateway of config table ${resources.configTable}: add it in the stack that defines the gateway and deploy that stack first, or fix the route's webhook option`,
    );
    expect(await keys()).toEqual(['webhook#github|config']);
  });

  it('rejects webhooks in its config and a missing writer id', async () => {
    const event = imported('Create', 'A/Hooks', []);
    const withWebhook = {
      ...event,
      ResourceProperties: {
        ...event.ResourceProperties,
        Config: JSON.stringify({ webhooks: [webhook('x')], routes: [] }),
      },
    };
    await expect(createRoutesWriter(items)(withWebhook)).rejects.toThrow('Config.webhooks must be empty');
    const noWriter = { ...event, ResourceProperties: { ...event.ResourceProperties, Writer: '' } };
    await expect(createRoutesWriter(items)(noWriter)).rejects.toThrow('Writer must be a non-empty string');
  });

  it('deletes nothing and succeeds when the table is already gone', async () => {
    const event = imported('Delete', 'A/Hooks', [route('a-1')]);
    const gone = { ...event, ResourceProperties: { ...event.ResourceProperties, ConfigTableName: 'no-such-table' } };
    await expect(createRoutesWriter(items)(gone)).resolves.toMatchObject({ Data: { Routes: 1 } });
  });
});
