import { CustomResource, Lazy, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { GatewayConfig } from '../../lambdas/core/config/webhook';
import { addLogsAndRole, type Handler } from './functions';

/** The type the local gateway looks for in the synthesized template: keep it stable. */
export const CONFIG_RESOURCE_TYPE = 'Custom::WebhookGatewayConfig';

/**
 * CloudFormation invokes the provider asynchronously with the old and the new properties: the
 * two together must fit Lambda's 1 MB asynchronous payload.
 */
export const CONFIG_MAX_BYTES = 400 * 1024;

export interface ConfigResourceOptions {
  readonly writer: Handler;
  readonly table: dynamodb.ITable;
  readonly key: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** Called at synth, after every webhook and route was added. */
  readonly config: () => GatewayConfig;
  /** @default CONFIG_RESOURCE_TYPE */
  readonly resourceType?: string;
  /** Properties besides `ConfigTableName` and `Config`. @default - none */
  readonly properties?: Record<string, string>;
}

/**
 * One custom resource for all webhooks and routes: `ConfigTableName` and `Config` (one JSON string,
 * so CloudFormation's stringification of property values cannot change types). The config writer
 * runs behind the Provider framework, which answers CloudFormation even when the writer fails.
 */
export class ConfigResource extends Construct {
  readonly resource: CustomResource;
  readonly provider: cr.Provider;

  constructor(scope: Construct, id: string, options: ConfigResourceOptions) {
    super(scope, id);
    const { logGroup: frameworkLogs, role: frameworkRole } = addLogsAndRole(
      this,
      { logs: 'ProviderLogs', role: 'ProviderRole' },
      options,
      `Custom resource framework of ${scope.node.path}`,
    );
    this.provider = new cr.Provider(this, 'Provider', {
      onEventHandler: options.writer.function,
      frameworkOnEventRole: frameworkRole,
      logGroup: frameworkLogs,
    });
    // The Provider offers no options for these: arm64 and X-Ray like every other function of the gateway.
    const framework = this.provider.node.findChild('framework-onEvent').node.defaultChild as lambda.CfnFunction;
    framework.architectures = [lambda.Architecture.ARM_64.name];
    framework.tracingConfig = { mode: lambda.Tracing.ACTIVE };
    iam.Grant.addToPrincipal({
      grantee: frameworkRole,
      actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
      resourceArns: ['*'],
    });
    const stack = Stack.of(this);
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.provider.serviceToken,
      resourceType: options.resourceType ?? CONFIG_RESOURCE_TYPE,
      properties: {
        ...options.properties,
        ConfigTableName: options.table.tableName,
        Config: Lazy.string({ produce: () => stack.toJsonString(options.config()) }),
      },
    });
    this.node.addValidation({
      validate: () => {
        const bytes = Buffer.byteLength(JSON.stringify(stack.resolve(stack.toJsonString(options.config()))));
        return bytes > CONFIG_MAX_BYTES
          ? [
              `the webhook and route config is ${Math.round(bytes / 1024)} KiB; CloudFormation sends it twice (old and new) to the config writer, which must stay within 1 MB: use fewer or shorter expressions, or split the webhooks over several gateways`,
            ]
          : [];
      },
    });
  }
}
