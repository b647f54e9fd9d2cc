import { awsIngestDeps } from '../adapters/runtime';
import { readSettings } from '../adapters/settings';
import { powertoolsTelemetry } from '../adapters/telemetry';
import { createIngestHandler } from './handler';

const settings = readSettings(process.env, ['configTable', 'historyTable', 'queueUrl', 'payloadBucket']);

export const handler = createIngestHandler(
  awsIngestDeps(
    settings,
    powertoolsTelemetry({ serviceName: 'webhook-gateway-ingest', gatewayId: settings.gatewayId }),
  ),
);
