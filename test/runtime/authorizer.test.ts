import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { DynamoDbConfigStore } from '../../lambdas/adapters/dynamodb-config';
import { createAuthorizerHandler } from '../../lambdas/authorizer/handler';
import { DynamoDbConfigItems } from '../../lambdas/adapters/dynamodb-config-items';
import { createConfigWriter } from '../../lambdas/config-writer/config';
import type { WebhookConfig } from '../../lambdas/core/config/webhook';
import { createGatewayResources, startLocalAws, type LocalAws } from '../support/local-aws';
import { RecordingTelemetry } from '../support/telemetry';

let local: LocalAws;
let handler: ReturnType<typeof createAuthorizerHandler>;
let telemetry: RecordingTelemetry;

const METHOD_ARN = 'arn:aws:execute-api:us-east-1:123456789012:abc123/v1/POST/webhooks/github';

function hook(name: string, usageIdentifierKey?: string): WebhookConfig {
  return {
    name,
    verifier: { type: 'none' },
    secrets: {},
    expressions: { eventKey: "'x'" },
    maxBodySize: 10,
    ...(usageIdentifierKey ? { usageIdentifierKey } : {}),
  };
}

function event(path: string, pathParameters: Record<string, string> | null = null): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: METHOD_ARN,
    resource: '/webhooks/{name}',
    path,
    httpMethod: 'POST',
    headers: {},
    multiValueHeaders: {},
    pathParameters,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {} as APIGatewayRequestAuthorizerEvent['requestContext'],
  };
}

beforeAll(async () => {
  local = await startLocalAws();
});
afterAll(() => local?.stop());
beforeEach(async () => {
  const { configTable } = await createGatewayResources(local);
  await createConfigWriter(new DynamoDbConfigItems(local.dynamodb))({
    RequestType: 'Create',
    ServiceToken: 'x',
    ResponseURL: 'x',
    StackId: 'x',
    RequestId: 'x',
    LogicalResourceId: 'x',
    ResourceType: 'Custom::WebhookGatewayConfig',
    ResourceProperties: {
      ServiceToken: 'x',
      ConfigTableName: configTable,
      Config: JSON.stringify({ webhooks: [hook('github', 'key-value-1'), hook('local')], routes: [] }),
    },
  });
  const store = new DynamoDbConfigStore(local.dynamodb, configTable);
  telemetry = new RecordingTelemetry();
  handler = createAuthorizerHandler({ webhook: (name) => store.webhook(name), log: telemetry.log });
});

describe('authorizer', () => {
  it("allows a known webhook's path with its usage-plan key", async () => {
    expect(await handler(event('/webhooks/github', { name: 'github' }))).toEqual({
      principalId: 'github',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: METHOD_ARN }],
      },
      usageIdentifierKey: 'key-value-1',
      context: { webhook: 'github' },
    });
  });

  it('allows a webhook without a usage-plan key, without one', async () => {
    const result = await handler(event('/v1/webhooks/local'));
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow' });
    expect(result.usageIdentifierKey).toBeUndefined();
  });

  it('denies an unknown webhook and logs why', async () => {
    const result = await handler(event('/webhooks/nope', { name: 'nope' }));
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny', Resource: METHOD_ARN });
    expect(result.usageIdentifierKey).toBeUndefined();
    expect(telemetry.logs[0]).toMatchObject({ message: 'authorizer denied', fields: { reason: 'unknown_webhook' } });
  });

  it('denies a path that names no valid webhook without a lookup', async () => {
    const before = local.dynamodbServer.requests.length;
    for (const path of ['/other/github', '/webhooks/', '/webhooks/UPPER', '/webhooks/%E0%A4%A', '/webhooks/a/b']) {
      expect((await handler(event(path))).policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
    }
    expect(local.dynamodbServer.requests.length).toBe(before);
  });

  it('fails if the config table cannot be read (API Gateway answers AUTHORIZER_FAILURE)', async () => {
    local.dynamodbServer.fail('down');
    try {
      const { dynamodb } = local.clients({ maxAttempts: 1 });
      const store = new DynamoDbConfigStore(dynamodb, 'any');
      const failing = createAuthorizerHandler({ webhook: (name) => store.webhook(name), log: telemetry.log });
      await expect(failing(event('/webhooks/github'))).rejects.toThrow();
    } finally {
      local.dynamodbServer.heal();
    }
  });
});
