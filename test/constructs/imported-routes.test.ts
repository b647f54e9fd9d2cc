import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { WebhookGateway, WebhookSource } from 'aws-webhook-gateway';
import { attributesOf, GATEWAY_ATTRIBUTES, gatewayConfig, gatewayFixture, type Json, testApp } from './helpers';

const ENV = { account: '123456789012', region: 'eu-west-1' };
const ATTRS = {
  ...GATEWAY_ATTRIBUTES,
  configTableName: 'Hooks-WebhooksConfigTable-ABC',
  dispatcherRoleArn: 'arn:aws:iam::123456789012:role/Hooks-WebhooksDispatcherRole-ABC',
};

function importingStack(attrs: Partial<typeof ATTRS> = {}, stackId = 'Workflows') {
  const app = testApp();
  const stack = new Stack(app, stackId, { env: ENV });
  const gateway = WebhookGateway.fromGatewayAttributes(stack, 'Gateway', { ...ATTRS, ...attrs });
  const workflow = new sfn.StateMachine(stack, 'Deploy', {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Done')),
  });
  return { app, stack, gateway, workflow };
}

const table = `:dynamodb:eu-west-1:123456789012:table/${ATTRS.configTableName}`;
const tableArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, table]] };

/** The routes written by the stack's Custom::WebhookGatewayRoutes resource, with its other properties. */
function routesResource(stack: Stack): { props: Json; routes: Json[] } {
  const [resource] = Object.values(Template.fromStack(stack).findResources('Custom::WebhookGatewayRoutes'));
  const config = gatewayConfig(stack, 'Custom::WebhookGatewayRoutes');
  expect(config.webhooks).toEqual([]);
  return { props: resource!.Properties, routes: config.routes };
}

describe('routes from a gateway this stack does not own', () => {
  it('writes them with a writer of its own, confined to its partition of the config table', () => {
    const { stack, gateway, workflow } = importingStack();
    gateway.route('github:push', workflow, { webhook: 'github', filter: "input.ref == 'refs/heads/main'" });
    const { props, routes } = routesResource(stack);
    expect(props.ConfigTableName).toBe(ATTRS.configTableName);
    expect(props.Writer).toBe('Workflows/Gateway');
    expect(routes).toEqual([
      {
        id: expect.stringMatching(/^r[0-9a-f]{15}$/),
        eventKeyPattern: 'github:push',
        webhook: 'github',
        filter: "input.ref == 'refs/heads/main'",
        target: { arn: expect.stringMatching(/^ref:Deploy/), type: 'STANDARD' },
      },
    ]);

    const template = Template.fromStack(stack);
    const writerPolicy = Object.values(template.findResources('AWS::IAM::Policy')).find((p: Json) =>
      JSON.stringify(p.Properties.Roles).includes('RoutesWriterRole'),
    ) as Json;
    expect(writerPolicy.Properties.PolicyDocument.Statement).toEqual(
      expect.arrayContaining([
        {
          Action: ['dynamodb:BatchWriteItem', 'dynamodb:Query'],
          Effect: 'Allow',
          Resource: tableArn,
          Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['routes#Workflows/Gateway'] } },
        },
        {
          Action: 'dynamodb:GetItem',
          Effect: 'Allow',
          Resource: tableArn,
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['webhook#*'] } },
        },
        { Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Effect: 'Allow', Resource: ATTRS.encryptionKeyArn },
      ]),
    );
    // No statement of the writer reaches the table without the partition condition.
    const unconditioned = writerPolicy.Properties.PolicyDocument.Statement.filter(
      (s: Json) => JSON.stringify(s.Action).includes('dynamodb') && !s.Condition,
    );
    expect(unconditioned).toEqual([]);
  });

  it("grants the gateway's dispatcher role StartExecution on exactly the target, in this stack", () => {
    const { stack, gateway, workflow } = importingStack();
    gateway.route('github:*', workflow);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: ['Hooks-WebhooksDispatcherRole-ABC'],
      PolicyDocument: {
        Statement: [
          { Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: Match.stringLikeRegexp('^Deploy') } },
        ],
      },
    });
  });

  it('finds nothing unacknowledged with cdk-nag', () => {
    const { app, gateway, workflow } = importingStack();
    gateway.route('github:*', workflow);
    const violations = new AwsSolutionsChecks(app)
      .validateScope(app)
      .violations.filter((v) => v.violatingResources.some((r) => r.constructPath?.includes('/Gateway/')))
      .map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(violations).toEqual([]);
  });

  it('gives its routes ids of their own, so that two apps never share a queue dedup id or execution name', () => {
    const { app, gateway: owner } = gatewayFixture({}, { env: ENV });
    owner.addWebhook('github', { source: WebhookSource.github(), eventKey: "'github'" });
    const ownStack = Stack.of(owner);
    const ownWorkflow = new sfn.StateMachine(ownStack, 'Deploy', {
      definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(ownStack, 'Done')),
    });
    owner.route('github:*', ownWorkflow);
    // Another app, whose stack and workflow have the same ids: only the writer tells the routes apart.
    const other = importingStack({}, 'Test');
    other.gateway.route('github:*', other.workflow);
    expect(other.workflow.node.path).toBe(ownWorkflow.node.path);
    const [own] = gatewayConfig(ownStack).routes;
    const [imported] = routesResource(other.stack).routes;
    expect(own!.id).not.toBe(imported!.id);
    expect(app.node.tryFindChild('Test')).toBe(ownStack);
  });

  it('fails synth on what it can check without the owner: filters, targets and webhook names', () => {
    const { app, gateway, workflow } = importingStack();
    gateway.route('github:*', workflow, { filter: 'input.x ==' });
    gateway.route('stripe:*', workflow, { webhook: 'Not A Name' });
    gateway.route('unknown:*', workflow, { webhook: 'not-defined-here' });
    let message = '';
    try {
      app.synth();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/route "github:\*": filter /);
    expect(message).toContain('route "stripe:*": webhook "Not A Name" is not a webhook name');
    // A name this app cannot check is left to the writer at deploy time.
    expect(message).not.toContain('not-defined-here');
  });

  it('throws, naming the attributes and outputs it needs, when they were not given', () => {
    const { gateway, workflow } = importingStack({ configTableName: undefined, dispatcherRoleArn: undefined });
    expect(() => gateway.route('github:*', workflow)).toThrow(
      'Workflows/Gateway: route "github:*" needs the gateway\'s configTableName (its …ConfigTable output) and dispatcherRoleArn (its …DispatcherRoleArn output): pass it to fromGatewayAttributes',
    );
  });

  it("synthesizes in a second stack of the gateway's app, from the owner's own properties", () => {
    const { app, stack, gateway: owner } = gatewayFixture({}, { env: ENV });
    owner.addWebhook('github', { source: WebhookSource.github(), eventKey: "'github'" });
    const other = new Stack(app, 'Other', { env: ENV });
    const imported = WebhookGateway.fromGatewayAttributes(other, 'Gateway', attributesOf(owner));
    const workflow = new sfn.StateMachine(other, 'Deploy', {
      definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(other, 'Done')),
    });
    imported.route('github:*', workflow, { webhook: 'github' });
    app.synth();
    expect(routesResource(other).props.ConfigTableName).toEqual({
      'Fn::ImportValue': expect.stringMatching(/ConfigTable/),
    });
    const outputs = Template.fromStack(stack).toJSON().Outputs;
    expect(outputs.WebhooksDispatcherRoleArn.Value).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^WebhooksDispatcherRole/), 'Arn'],
    });
    // The owner's table indexes the imported routes the config store reads.
    Template.fromStack(stack).hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: [
        {
          IndexName: 'importedRoutes',
          KeySchema: [{ AttributeName: 'routeSet', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
  });
});
