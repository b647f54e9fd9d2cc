import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDbHistoryStore } from '../adapters/dynamodb-history';
import { SfnWorkflowStarter } from '../adapters/sfn-starter';
import { readSettings } from '../adapters/settings';
import { powertoolsTelemetry } from '../adapters/telemetry';
import { awsWaiterPorts } from '../adapters/waiter-ports';
import { createDispatcher } from './handler';

const settings = readSettings(process.env, ['historyTable']);
const dynamodb = new DynamoDBClient({});
const sfn = new SFNClient({});
const waiters = awsWaiterPorts(process.env, { dynamodb, sfn });

export const handler = createDispatcher({
  starter: new SfnWorkflowStarter(sfn),
  history: new DynamoDbHistoryStore(dynamodb, settings.historyTable),
  telemetry: powertoolsTelemetry({ serviceName: 'webhook-gateway-dispatcher', gatewayId: settings.gatewayId }),
  ...(waiters && { waiters }),
});
