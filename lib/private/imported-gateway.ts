import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { WebhookGatewayBase } from '../webhook-gateway-base';
import type { WebhookGatewayAttributes } from '../webhook-gateway-props';

/**
 * A gateway of another stack or app, by the values of its outputs: grants and metrics only. Its
 * routes, webhooks and waiters belong to the stack that defines it (see `fromGatewayAttributes`).
 */
export class ImportedWebhookGateway extends WebhookGatewayBase {
  readonly gatewayName: string;
  readonly url: string;
  readonly encryptionKey: kms.IKey;
  private readonly historyTable: dynamodb.ITable;
  private readonly payloadBucket: s3.IBucket;

  constructor(scope: Construct, id: string, attrs: WebhookGatewayAttributes) {
    super(scope, id);
    this.gatewayName = attrs.gatewayName;
    this.url = attrs.url;
    this.encryptionKey = kms.Key.fromKeyArn(this, 'Key', attrs.encryptionKeyArn);
    this.historyTable = dynamodb.Table.fromTableAttributes(this, 'HistoryTable', {
      tableName: attrs.historyTableName,
      encryptionKey: this.encryptionKey,
    });
    this.payloadBucket = s3.Bucket.fromBucketName(this, 'PayloadBucket', attrs.payloadBucketName);
  }

  /** @internal */
  protected _historyTable(): dynamodb.ITable {
    return this.historyTable;
  }

  /** @internal */
  protected _payloadBucket(): s3.IBucket {
    return this.payloadBucket;
  }
}
