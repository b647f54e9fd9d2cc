import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  HISTORY_BY_DELIVERY_INDEX,
  HISTORY_BY_TIME_INDEX,
  HISTORY_PENDING_INDEX,
} from '../../lambdas/core/config/tables';

export interface GatewayResources {
  readonly configTable: dynamodb.ITable;
  readonly historyTable: dynamodb.ITable;
  readonly queue: sqs.IQueue;
  readonly payloadBucket: s3.IBucket;
  readonly key: kms.IKey;
  readonly secretPrefix: string;
}

function allow(role: iam.IGrantable, actions: string[], resources: string[]): void {
  iam.Grant.addToPrincipal({ grantee: role, actions, resourceArns: resources });
}

/** The ARN pattern of every secret the gateway creates: `<prefix>/*`. */
export function createdSecretsArn(stack: Stack, prefix: string): string {
  return stack.formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${prefix}/*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * Ingest: reads configs and routes and counts rate windows (config table), records and looks up
 * deliveries and their dedup markers (history table and its indexes; DeleteItem removes only a
 * duplicate's own stray history item), reads the gateway's secrets (by name prefix: they
 * live in nested stacks and number in the hundreds), stores payloads, enqueues. KMS: decrypt and
 * data keys.
 */
export function grantIngest(fn: iam.IGrantable, r: GatewayResources): void {
  allow(
    fn,
    ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
    [r.configTable.tableArn],
  );
  allow(
    fn,
    ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
    historyArns(r.historyTable),
  );
  allow(fn, ['secretsmanager:GetSecretValue'], [createdSecretsArn(Stack.of(r.configTable), r.secretPrefix)]);
  allow(fn, ['s3:PutObject'], [r.payloadBucket.arnForObjects('*')]);
  allow(fn, ['sqs:SendMessage'], [r.queue.queueArn]);
  allow(fn, ['kms:Decrypt', 'kms:GenerateDataKey'], [r.key.keyArn]);
}

/** The history table and its two indexes, by name (no `index/*`). */
function historyArns(table: dynamodb.ITable): string[] {
  return [
    table.tableArn,
    ...[HISTORY_BY_TIME_INDEX.name, HISTORY_BY_DELIVERY_INDEX.name].map((i) => `${table.tableArn}/index/${i}`),
  ];
}

/** Authorizer: reads one config item per path (its result is cached by API Gateway). */
export function grantAuthorizer(fn: iam.IGrantable, r: GatewayResources): void {
  allow(fn, ['dynamodb:GetItem'], [r.configTable.tableArn]);
  allow(fn, ['kms:Decrypt'], [r.key.keyArn]);
}

/** Dispatcher: updates history items with execution ARNs (queue and targets are granted elsewhere). */
export function grantDispatcher(fn: iam.IGrantable, r: GatewayResources): void {
  allow(fn, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], [r.historyTable.tableArn]);
  allow(fn, ['kms:Decrypt', 'kms:GenerateDataKey'], [r.key.keyArn]);
}

/** Sweeper: finds stale pending markers (the pending index, keys only), reads and updates them and their history items. */
export function grantSweeper(fn: iam.IGrantable, r: GatewayResources): void {
  allow(fn, ['dynamodb:Query'], [`${r.historyTable.tableArn}/index/${HISTORY_PENDING_INDEX.name}`]);
  allow(fn, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], [r.historyTable.tableArn]);
  allow(fn, ['kms:Decrypt', 'kms:GenerateDataKey'], [r.key.keyArn]);
}

/**
 * Config writer: updates webhook items (keeping run-time attributes), writes routes, deletes stale
 * items; creates, adopts (describe, restore, tag, update the description) and deletes the
 * gateway's secrets by name prefix, never reading a value. KMS: data keys for the new values.
 */
export function grantConfigWriter(fn: iam.IGrantable, r: GatewayResources): void {
  allow(fn, ['dynamodb:UpdateItem', 'dynamodb:BatchWriteItem', 'dynamodb:Query'], [r.configTable.tableArn]);
  allow(
    fn,
    [
      'secretsmanager:CreateSecret',
      'secretsmanager:DescribeSecret',
      'secretsmanager:RestoreSecret',
      'secretsmanager:UpdateSecret',
      'secretsmanager:TagResource',
      'secretsmanager:DeleteSecret',
    ],
    [createdSecretsArn(Stack.of(r.configTable), r.secretPrefix)],
  );
  allow(fn, ['kms:Decrypt', 'kms:GenerateDataKey'], [r.key.keyArn]);
}

/**
 * waitForWebhook, for the waiter function (which registers waiters) and the dispatcher (which
 * resumes them): writes, finds, claims and deletes waiters and recent events, and reads the
 * payloadRef object of a large event to evaluate a waiter's match.
 */
export function grantWaiterTable(fn: iam.IGrantable, waiterTable: dynamodb.ITable, payloadBucket: s3.IBucket): void {
  allow(
    fn,
    ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
    [waiterTable.tableArn],
  );
  allow(fn, ['s3:GetObject'], [payloadBucket.arnForObjects('*')]);
}

/** Waiter function: also records a resumed workflow's execution ARN on the event's history item. KMS: decrypt and data keys. */
export function grantWaiter(fn: iam.IGrantable, r: Pick<GatewayResources, 'historyTable' | 'key'>): void {
  allow(fn, ['dynamodb:UpdateItem'], [r.historyTable.tableArn]);
  allow(fn, ['kms:Decrypt', 'kms:GenerateDataKey'], [r.key.keyArn]);
}
