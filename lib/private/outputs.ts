import { CfnOutput } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { gatewayOutputKey, type GatewayOutputName } from '../outputs';

const DESCRIPTIONS: Record<GatewayOutputName, string> = {
  apiUrl: 'Base URL of the webhook API',
  webhookPaths: 'Webhook paths relative to the base URL',
  configTable: 'Config table',
  historyTable: 'Delivery history table',
  payloadBucket: 'Payload bucket (claim checks, large bodies)',
  queueUrl: 'Event queue',
  deadLetterQueueUrl: 'Dead-letter queue',
  gatewayName: 'Gateway dimension of the metrics',
  secretPrefix: 'Prefix of the created secrets',
  domainTarget: 'Regional host name to point the custom domain at (CNAME or alias record)',
  encryptionKeyArn: 'KMS key of the tables, queues, payloads and logs',
  dispatcherRoleArn: 'Role of the dispatcher, which starts routed workflows',
};

/** One output per value (not per webhook: CloudFormation allows 200), under keys the CLI knows; undefined values are left out. */
export function addGatewayOutputs(gateway: Construct, values: Record<GatewayOutputName, string | undefined>): void {
  for (const [name, value] of Object.entries(values) as [GatewayOutputName, string | undefined][]) {
    if (value === undefined) continue;
    new CfnOutput(gateway, `${name}Output`, {
      key: gatewayOutputKey(gateway.node.id, name),
      value,
      description: DESCRIPTIONS[name],
    });
  }
}
