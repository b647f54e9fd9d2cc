import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbConfigStore } from '../adapters/dynamodb-config';
import { readSettings } from '../adapters/settings';
import { powertoolsLog } from '../adapters/telemetry';
import { createAuthorizerHandler } from './handler';

const settings = readSettings(process.env, ['configTable']);
const store = new DynamoDbConfigStore(new DynamoDBClient({}), settings.configTable, settings.configCacheSeconds);

export const handler = createAuthorizerHandler({
  webhook: (name) => store.webhook(name),
  log: powertoolsLog('webhook-gateway-authorizer'),
});
