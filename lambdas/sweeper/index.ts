import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbPendingSweep } from '../adapters/dynamodb-dedup';
import { systemClock } from '../adapters/ports';
import { readSettings } from '../adapters/settings';
import { powertoolsTelemetry } from '../adapters/telemetry';
import { createSweeper } from './handler';

const settings = readSettings(process.env, ['historyTable']);

export const handler = createSweeper({
  sweep: new DynamoDbPendingSweep(new DynamoDBClient({}), settings.historyTable),
  clock: systemClock,
  telemetry: powertoolsTelemetry({ serviceName: 'webhook-gateway-sweeper', gatewayId: settings.gatewayId }),
});
