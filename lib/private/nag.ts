import { type CfnElement, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import type { ConfigResource } from './config-resource';
import type { Handler } from './functions';

/**
 * cdk-nag (AwsSolutions) findings the gateway accepts by design, each with its reason. Findings
 * naming a resource are acknowledged exactly (`Rule[Resource::…]`), as cdk-nag 3 requires.
 */
export interface NagTargets {
  readonly handlers: readonly Handler[];
  readonly ingest: Handler;
  readonly writer: Handler;
  readonly config: ConfigResource;
  readonly api: apigw.RestApi;
  readonly payloadBucket: s3.Bucket;
  readonly secretPrefix: string;
  readonly serverAccessLogs: boolean;
  /** A web ACL is associated with the stage (APIG3 then holds). */
  readonly webAcl: boolean;
}

const ack = (scope: IConstruct, id: string, reason: string) => Validations.of(scope).acknowledge({ id, reason });

/** How cdk-nag writes a pseudo parameter or literal inside a resource string. */
function nagValue(value: string, pseudo: string): string {
  return Token.isUnresolved(value) ? `<${pseudo}>` : value;
}

function nagAttr(element: IConstruct | undefined, attribute: string): string {
  const cfn = element as CfnElement;
  return `<${Stack.of(cfn).resolve(cfn.logicalId)}.${attribute}>`;
}

export function acknowledgeFindings(t: NagTargets): void {
  const stack = Stack.of(t.api);
  for (const role of [...t.handlers.map((h) => h.role), t.config.node.findChild('ProviderRole')]) {
    acknowledgeTracing(role);
  }
  const secretsArn = [
    `arn:${nagValue(stack.partition, 'AWS::Partition')}:secretsmanager`,
    nagValue(stack.region, 'AWS::Region'),
    nagValue(stack.account, 'AWS::AccountId'),
    `secret:${t.secretPrefix}/*`,
  ].join(':');
  ack(
    t.ingest.role,
    `AwsSolutions-IAM5[Resource::${secretsArn}]`,
    'The ingest function reads the secrets this gateway creates, by their name prefix: there can be hundreds, they live in nested stacks, and Secrets Manager appends a random suffix to every ARN.',
  );
  ack(
    t.writer.role,
    `AwsSolutions-IAM5[Resource::${secretsArn}]`,
    "The config writer creates, adopts and (with removalPolicy DESTROY) deletes the gateway's webhook secrets, by their name prefix: they are created at deploy time from nested stacks, and Secrets Manager appends a random suffix to every ARN.",
  );
  ack(
    t.ingest.role,
    payloadObjects(t.payloadBucket),
    'The ingest function writes claim-check objects under keys chosen per delivery (s3:PutObject only, one bucket).',
  );
  ack(
    t.config.node.findChild('ProviderRole'),
    `AwsSolutions-IAM5[Resource::${nagAttr(t.config.provider.onEventHandler.node.defaultChild, 'Arn')}:*]`,
    'The custom resource framework may invoke any version of the config writer function (granted by the Provider construct).',
  );
  ack(
    t.api,
    'AwsSolutions-APIG2',
    'Bodies are opaque bytes checked by the verifier (signature over the raw body); an API Gateway model would parse them. The only parameter, {name}, is checked by the authorizer.',
  );
  if (!t.webAcl) {
    ack(
      t.api,
      'AwsSolutions-APIG3',
      'Senders (GitHub, Stripe, …) call from changing IP ranges; every request is rate-limited per webhook by usage plans and verified by signature. Set webAcl (or existingWebAclArn) to put AWS WAF in front of the stage.',
    );
  }
  ack(
    t.api,
    'AwsSolutions-APIG6',
    "Execution logging is off on purpose: API Gateway writes it to a log group of its own (API-Gateway-Execution-Logs_…, without this gateway's KMS key or retention) and it records request parameter values and payloads (signatures, API keys, basic-auth headers). Access logs (JSON, KMS-encrypted), X-Ray tracing and stage metrics are on; the account role both need is set unless cloudWatchRole is false.",
  );
  const cloudWatchRole = t.api.node.tryFindChild('CloudWatchRole');
  if (cloudWatchRole) {
    ack(
      cloudWatchRole,
      `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]`,
      "The region's API Gateway account role, which stage access logging needs: AWS documents this managed policy for it, and every API of the account and region logs through the same role.",
    );
  }
  ack(
    t.api,
    'AwsSolutions-COG4',
    'Webhook senders cannot use Cognito: POST is authorized by a Lambda authorizer plus the provider signature; other methods only answer 405.',
  );
  ack(
    t.api,
    'AwsSolutions-APIG4',
    'Only the MOCK method that answers 405 to methods other than POST has no authorizer; it invokes nothing.',
  );
  if (!t.serverAccessLogs) {
    ack(
      t.payloadBucket,
      'AwsSolutions-S1',
      'Objects are written only by the ingest function and every delivery is recorded in the history table; set serverAccessLogsBucket to turn server access logs on.',
    );
  }
}

/** The writer of an imported gateway's routes and its custom resource framework. */
export function acknowledgeRoutesWriter(writer: Handler, config: ConfigResource): void {
  const providerRole = config.node.findChild('ProviderRole');
  acknowledgeTracing(writer.role);
  acknowledgeTracing(providerRole);
  ack(
    providerRole,
    `AwsSolutions-IAM5[Resource::${nagAttr(config.provider.onEventHandler.node.defaultChild, 'Arn')}:*]`,
    'The custom resource framework may invoke any version of the routes writer function (granted by the Provider construct).',
  );
}

/** The bucket's objects as cdk-nag names them: by logical id, or by name for an imported bucket. */
const payloadObjects = (bucket: s3.IBucket) =>
  bucket.node.defaultChild
    ? `AwsSolutions-IAM5[Resource::${nagAttr(bucket.node.defaultChild, 'Arn')}/*]`
    : `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${bucket.bucketName}/*]`;

/** A role with X-Ray active tracing (every handler's, the custom resource framework's). */
export function acknowledgeTracing(role: IConstruct): void {
  ack(
    role,
    'AwsSolutions-IAM5[Resource::*]',
    'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions.',
  );
}

/** `grantReadPayloads`: a workflow reads the objects its events point to, whose keys are per delivery. */
export function acknowledgePayloadReads(grantee: IConstruct, bucket: s3.IBucket): void {
  ack(
    grantee,
    payloadObjects(bucket),
    'The workflow reads payloadRef objects of the webhook gateway, whose keys are chosen per delivery (s3:GetObject only, one bucket).',
  );
}

/** The waiter registrar and the dispatcher read large events' objects to evaluate waiters' matches. */
export function acknowledgeWaiterPayloadReads(grantee: IConstruct, bucket: s3.IBucket): void {
  ack(
    grantee,
    payloadObjects(bucket),
    "Waiters read the payloadRef object of a large event to evaluate a waiter's match; object keys are chosen per delivery (s3:GetObject only, one bucket).",
  );
}
