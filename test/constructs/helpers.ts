import { App, type CfnElement, NestedStack, Stack, type StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct, IConstruct } from 'constructs';
import { WebhookGateway, type WebhookGatewayAttributes, type WebhookGatewayProps } from 'aws-webhook-gateway';

/** Synthesized template JSON, read by the assertions (deep and loosely typed on purpose). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** Skips Lambda bundling (one test bundles for real) and the slow built-in CloudFormation validation. */
export function testApp(): App {
  return new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
}

export interface GatewayFixture {
  readonly app: App;
  readonly stack: Stack;
  readonly gateway: WebhookGateway;
}

export function gatewayFixture(props?: WebhookGatewayProps, stackProps?: StackProps): GatewayFixture {
  const app = testApp();
  const stack = new Stack(app, 'Test', stackProps);
  return { app, stack, gateway: new WebhookGateway(stack, 'Webhooks', props) };
}

/** The nested stacks holding the per-webhook resources. */
export function webhookStacks(gateway: WebhookGateway): NestedStack[] {
  return gateway.node.children.filter((c): c is NestedStack => c instanceof NestedStack);
}

/** Templates of the nested stacks, for assertions across all of them. */
export function nestedTemplates(gateway: WebhookGateway): Template[] {
  return webhookStacks(gateway).map((s) => Template.fromStack(s));
}

/** Every resource of a type across templates, as `[logicalId, resource]`. */
export function resourcesOfType(templates: readonly Template[], type: string): [string, Record<string, Json>][] {
  return templates.flatMap((t) => Object.entries(t.findResources(type)));
}

/** An intrinsic inside the config string, written as `ref:<logicalId>` or `getatt:<logicalId>.<attr>`. */
function intrinsic(part: unknown): string {
  const value = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  if (value.Ref !== undefined) return `ref:${value.Ref}`;
  if (value['Fn::GetAtt']) return `getatt:${value['Fn::GetAtt'].join('.')}`;
  return JSON.stringify(part).replace(/"/g, "'");
}

/** The gateway config the custom resource writes; intrinsics appear as `ref:…` / `getatt:…`. */
export function gatewayConfig(
  stack: Stack,
  resourceType = 'Custom::WebhookGatewayConfig',
): { webhooks: Record<string, Json>[]; routes: Record<string, Json>[] } {
  const template = Template.fromStack(stack);
  const [resource] = Object.values(template.findResources(resourceType));
  const value = resource!.Properties.Config as string | { 'Fn::Join': [string, unknown[]] };
  const text =
    typeof value === 'string'
      ? value
      : value['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : intrinsic(part))).join('');
  return JSON.parse(text);
}

/** A small state machine to route to. */
export function stateMachine(scope: Construct, id: string, type = sfn.StateMachineType.STANDARD): sfn.StateMachine {
  return new sfn.StateMachine(scope, id, {
    stateMachineType: type,
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(scope, `${id}Pass`)),
  });
}

/** The logical id of a construct's CloudFormation resource (an L2's default child). */
export function logicalIdOf(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(element).resolve(element.logicalId) as string;
}

/** What `fromGatewayAttributes` takes, as a gateway in stack `Hooks` of eu-west-1 would output them. */
export const GATEWAY_ATTRIBUTES = {
  gatewayName: 'Hooks-Webhooks',
  url: 'https://abc123.execute-api.eu-west-1.amazonaws.com/v1/',
  historyTableName: 'Hooks-WebhooksHistoryTable-ABC',
  payloadBucketName: 'hooks-payloads-abc',
  encryptionKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
};

/** A gateway of the same app as `fromGatewayAttributes` takes it: its own properties (exported, imported). */
export function attributesOf(owner: WebhookGateway): WebhookGatewayAttributes {
  return {
    gatewayName: owner.gatewayName,
    url: owner.url,
    historyTableName: owner.historyTable.tableName,
    payloadBucketName: owner.payloadBucket.bucketName,
    encryptionKeyArn: owner.encryptionKey.keyArn,
    configTableName: owner.configTable.tableName,
    dispatcherRoleArn: owner.dispatcherFunction.role!.roleArn,
  };
}
