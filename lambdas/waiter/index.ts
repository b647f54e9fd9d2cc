import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ENV } from '../core/config/environment';
import { DynamoDbHistoryStore } from '../adapters/dynamodb-history';
import { MissingSettingError, readSettings } from '../adapters/settings';
import { powertoolsTelemetry } from '../adapters/telemetry';
import { awsWaiterPorts } from '../adapters/waiter-ports';
import { createRegistrar } from './handler';

const settings = readSettings(process.env, ['historyTable']);
const dynamodb = new DynamoDBClient({});
const ports = awsWaiterPorts(process.env, { dynamodb });
if (!ports) throw new MissingSettingError(`environment variable ${ENV.waiterTable} is not set`);

export const handler = createRegistrar({
  ...ports,
  history: new DynamoDbHistoryStore(dynamodb, settings.historyTable),
  telemetry: powertoolsTelemetry({ serviceName: 'webhook-gateway-waiter', gatewayId: settings.gatewayId }),
});
