import { Names, Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ROUTES_RESOURCE_TYPE } from '../../lambdas/config-writer/routes';
import { CONFIG_ITEMS } from '../../lambdas/core/config/tables';
import { WEBHOOK_NAME_PATTERN } from '../../lambdas/core/config/webhook';
import type { RouteOptions } from '../webhook';
import { ConfigResource } from './config-resource';
import { DEFAULTS } from './defaults';
import { Handler } from './functions';
import { acknowledgeRoutesWriter } from './nag';
import { addRoute, type RouteEntry, routeEntry } from './routes';
import { checkRoute } from './validation';

export interface ImportedRoutesOptions {
  readonly configTableName: string;
  readonly dispatcherRoleArn: string;
  readonly key: kms.IKey;
}

/**
 * The routes one imported gateway adds, and the config writer of its own (function, Provider and a
 * Custom::WebhookGatewayRoutes resource) that writes them to the gateway's config table. Its role
 * may write, list and delete only the items of its own partition (`dynamodb:LeadingKeys`), and read
 * only webhook items (to check that a route's webhook exists). The gateway's dispatcher role gets
 * states:StartExecution on each target, in a policy of this stack.
 */
export class ImportedRoutes extends Construct {
  /** This writer's id: its partition in the config table is `routes#<writer>`. */
  readonly writer: string;
  private readonly routes: RouteEntry[] = [];
  private readonly dispatcher: iam.IRole;

  constructor(scope: Construct, id: string, options: ImportedRoutesOptions) {
    super(scope, id);
    this.writer = writerIdOf(scope);
    const { key } = options;
    const table = dynamodb.Table.fromTableAttributes(this, 'ConfigTable', {
      tableName: options.configTableName,
      encryptionKey: key,
    });
    const settings = { key, removalPolicy: DEFAULTS.removalPolicy, logRetention: DEFAULTS.logRetention };
    const writer = new Handler(this, 'Writer', 'configWriter', { ...settings, environment: {} });
    const allow = (actions: string[], condition: string, keys: string[]) =>
      writer.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions,
          resources: [table.tableArn],
          conditions: { [`ForAllValues:${condition}`]: { 'dynamodb:LeadingKeys': keys } },
        }),
      );
    allow(['dynamodb:BatchWriteItem', 'dynamodb:Query'], 'StringEquals', [
      CONFIG_ITEMS.importedRoutesPartition(this.writer),
    ]);
    allow(['dynamodb:GetItem'], 'StringLike', [`${CONFIG_ITEMS.webhookPrefix}*`]);
    writer.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn] }),
    );
    const config = new ConfigResource(this, 'Config', {
      ...settings,
      writer,
      table,
      resourceType: ROUTES_RESOURCE_TYPE,
      properties: { Writer: this.writer },
      config: () => ({ webhooks: [], routes: this.routes.map((r) => r.config) }),
    });
    acknowledgeRoutesWriter(writer, config);
    this.dispatcher = iam.Role.fromRoleArn(this, 'DispatcherRole', options.dispatcherRoleArn, { mutable: true });
    this.node.addValidation({ validate: () => this.validate() });
  }

  add(eventKeyPattern: string, target: sfn.IStateMachine, options: RouteOptions): void {
    // The writer's id is part of the route id: two apps' routes to same-named targets never share one.
    addRoute(this, this.routes, routeEntry(eventKeyPattern, target, options, this.writer), target, this.dispatcher);
  }

  /**
   * What synth can check without the owner's webhooks: patterns, filters, targets and the webhook
   * name's form. Whether the webhook exists is checked by the writer at deploy time.
   */
  private validate(): string[] {
    return this.routes.flatMap(({ config, hasTarget, problems }) => {
      const { webhook } = config;
      const named = webhook !== undefined && !Token.isUnresolved(webhook);
      const nameErrors =
        named && !WEBHOOK_NAME_PATTERN.test(webhook)
          ? [`route "${config.eventKeyPattern}": webhook "${webhook}" is not a webhook name (${WEBHOOK_NAME_PATTERN})`]
          : [];
      return [
        ...problems.map((p) => `route "${config.eventKeyPattern}": ${p}`),
        ...nameErrors,
        ...checkRoute(config, hasTarget, new Set(named ? [webhook] : [])).errors,
      ];
    });
  }
}

/** The importing construct's stack name and path in it: unique in the account and region, stable across deployments. */
function writerIdOf(scope: Construct): string {
  const stack = Stack.of(scope);
  if (Token.isUnresolved(stack.stackName)) return Names.uniqueId(scope);
  return `${stack.stackName}/${scope.node.path.slice(stack.node.path.length + 1)}`;
}
