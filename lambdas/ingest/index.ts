import { readSettings } from '../adapters/settings';
import { powertoolsTelemetry } from '../adapters/telemetry';
import { awsIngestDeps } from './aws-deps';
import { createIngestHandler } from './request-handler';

const settings = readSettings(process.env, ['configTable', 'historyTable', 'queueUrl', 'payloadBucket']);

export const handler = createIngestHandler(
  awsIngestDeps(
    settings,
    powertoolsTelemetry({ serviceName: 'webhook-gateway-ingest', gatewayId: settings.gatewayId }),
  ),
);
