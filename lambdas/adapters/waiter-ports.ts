import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { ENV } from '../core/config/environment';
import { DynamoDbWaiterStore } from './dynamodb-waiters';
import { systemClock, type WaiterPorts } from './ports';
import { S3PayloadStore } from './s3-payloads';
import { SfnTaskTokens } from './sfn-tasks';

/**
 * The waiter ports on AWS, when the function is configured for waiters (the constructs set
 * WAITER_TABLE_NAME once a waitForWebhook state exists); undefined otherwise.
 */
export function awsWaiterPorts(
  env: Readonly<Record<string, string | undefined>>,
  clients: { dynamodb?: DynamoDBClient; sfn?: SFNClient; s3?: S3Client } = {},
): WaiterPorts | undefined {
  const table = env[ENV.waiterTable];
  if (table === undefined || table === '') return undefined;
  return {
    store: new DynamoDbWaiterStore(clients.dynamodb ?? new DynamoDBClient({}), table),
    tasks: new SfnTaskTokens(clients.sfn ?? new SFNClient({})),
    payloads: new S3PayloadStore(clients.s3 ?? new S3Client({}), env[ENV.payloadBucket] ?? ''),
    clock: systemClock,
  };
}
