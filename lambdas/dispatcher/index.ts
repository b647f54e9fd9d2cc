import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDbHistoryStore } from '../adapters/dynamodb-history';
import { SfnWorkflowStarter } from '../adapters/sfn-starter';
import { readSettings } from '../adapters/settings';
import { powertoolsTelemetry } from '../adapters/telemetry';
import { createDispatcher } from './handler';

const settings = readSettings(process.env, ['historyTable']);

export const handler = createDispatcher({
  starter: new SfnWorkflowStarter(new SFNClient({})),
  history: new DynamoDbHistoryStore(new DynamoDBClient({}), settings.historyTable),
  telemetry: powertoolsTelemetry({ serviceName: 'webhook-gateway-dispatcher', gatewayId: settings.gatewayId }),
});
