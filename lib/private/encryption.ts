import { Annotations, ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { WARNINGS } from './warnings';

/**
 * The gateway's one customer-managed key: tables, secrets, queues, bucket, log groups and the
 * alarm topic. CloudWatch Logs and CloudWatch alarms (publishing to an encrypted topic) need
 * their own statements in the key policy.
 */
export function createEncryptionKey(scope: Construct, removalPolicy: RemovalPolicy): kms.Key {
  const key = new kms.Key(scope, 'Key', {
    description: `Webhook gateway ${scope.node.path}: tables, secrets, queues, payloads and logs`,
    enableKeyRotation: true,
    removalPolicy,
    pendingWindow: removalPolicy === RemovalPolicy.DESTROY ? Duration.days(7) : undefined,
  });
  addServiceStatements(scope, key);
  return key;
}

/**
 * The user's key (`encryptionKey`): a key defined in the app gets the statements CloudWatch Logs and
 * CloudWatch alarms need; an imported key's policy cannot be changed from here, so a warning says
 * what it must allow.
 */
export function useEncryptionKey(scope: Construct, key: kms.IKey): kms.IKey {
  if (key instanceof kms.Key) {
    addServiceStatements(scope, key);
  } else {
    const stack = Stack.of(scope);
    Annotations.of(scope).addWarningV2(
      WARNINGS.importedKey,
      `encryptionKey is imported, so its key policy cannot be changed here: it must let logs.${stack.region}.amazonaws.com use the key (kms:Encrypt*, Decrypt*, ReEncrypt*, GenerateDataKey*, Describe*) for this account's log groups, or the gateway's log groups fail to create; and cloudwatch.amazonaws.com kms:Decrypt and GenerateDataKey* if alarmTopic is encrypted with it`,
    );
  }
  return key;
}

function addServiceStatements(scope: Construct, key: kms.Key): void {
  const stack = Stack.of(scope);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchLogs',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      },
    }),
  );
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchAlarmsToEncryptedTopic',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }),
  );
}
