import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { RouteOptions } from '../webhook';
import { WebhookGatewayBase } from '../webhook-gateway-base';
import type { WebhookGatewayAttributes } from '../webhook-gateway-props';
import { ImportedRoutes } from './imported-routes';

/**
 * A gateway of another stack or app, by the values of its outputs: grants, metrics and routes of
 * this stack's own (written by a config writer of this stack). Its webhooks and waiters belong to
 * the stack that defines it (see `fromGatewayAttributes`).
 */
export class ImportedWebhookGateway extends WebhookGatewayBase {
  readonly gatewayName: string;
  readonly url: string;
  readonly encryptionKey: kms.IKey;
  private readonly historyTable: dynamodb.ITable;
  private readonly payloadBucket: s3.IBucket;
  private readonly attrs: WebhookGatewayAttributes;
  private routes?: ImportedRoutes;

  constructor(scope: Construct, id: string, attrs: WebhookGatewayAttributes) {
    super(scope, id);
    this.attrs = attrs;
    this.gatewayName = attrs.gatewayName;
    this.url = attrs.url;
    this.encryptionKey = kms.Key.fromKeyArn(this, 'Key', attrs.encryptionKeyArn);
    this.historyTable = dynamodb.Table.fromTableAttributes(this, 'HistoryTable', {
      tableName: attrs.historyTableName,
      encryptionKey: this.encryptionKey,
    });
    this.payloadBucket = s3.Bucket.fromBucketName(this, 'PayloadBucket', attrs.payloadBucketName);
  }

  /**
   * Starts `target` for every event of the gateway whose key matches `eventKeyPattern`, as the
   * owner's `route` does. The route is written by a config writer of this stack, which owns only
   * its own routes; the gateway's dispatcher role gets states:StartExecution on the target in a
   * policy of this stack. Needs the attributes `configTableName` and `dispatcherRoleArn`.
   */
  route(eventKeyPattern: string, target: sfn.IStateMachine, options: RouteOptions = {}): void {
    const { configTableName, dispatcherRoleArn } = this.attrs;
    const missing = [
      ...(configTableName === undefined ? ['configTableName (its …ConfigTable output)'] : []),
      ...(dispatcherRoleArn === undefined ? ['dispatcherRoleArn (its …DispatcherRoleArn output)'] : []),
    ];
    if (configTableName === undefined || dispatcherRoleArn === undefined)
      throw new Error(
        `${this.node.path}: route "${eventKeyPattern}" needs the gateway's ${missing.join(' and ')}: pass it to fromGatewayAttributes`,
      );
    this.routes ??= new ImportedRoutes(this, 'Routes', { configTableName, dispatcherRoleArn, key: this.encryptionKey });
    this.routes.add(eventKeyPattern, target, options);
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
