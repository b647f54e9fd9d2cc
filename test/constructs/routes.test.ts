import { Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { WebhookSource } from 'aws-webhook-gateway';
import { gatewayConfig, gatewayFixture, logicalIdOf, stateMachine } from './helpers';

const ALIAS_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:billing:prod';
const VERSION_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:audit:3';

function build() {
  const f = gatewayFixture();
  const { stack, gateway } = f;
  gateway.addWebhook('stripe', { source: WebhookSource.stripe(), eventKey: "'stripe:' + input.type" });
  gateway.addWebhook('github', { source: WebhookSource.github(), eventKey: "'github:' + headers['x-github-event']" });
  const standard = stateMachine(stack, 'Standard');
  const express = stateMachine(stack, 'Express', sfn.StateMachineType.EXPRESS);
  const alias = sfn.StateMachine.fromStateMachineArn(stack, 'Alias', ALIAS_ARN);
  const version = sfn.StateMachine.fromStateMachineArn(stack, 'Version', VERSION_ARN);
  gateway.route('stripe:payment_intent.succeeded', standard, { filter: 'input.data.object.amount > 1000' });
  gateway.route('github:*', express, { webhook: 'github', scope: 'octo/repo' });
  gateway.route('stripe:invoice.*', alias);
  gateway.route('stripe:charge.*', version, { workflowType: sfn.StateMachineType.EXPRESS });
  return { ...f, standard, express, config: gatewayConfig(stack) };
}

describe('routes', () => {
  const { stack, gateway, standard, express, config } = build();
  const template = Template.fromStack(stack);

  it('writes every webhook and route through one Custom::WebhookGatewayConfig resource', () => {
    template.resourceCountIs('Custom::WebhookGatewayConfig', 1);
    template.hasResourceProperties('Custom::WebhookGatewayConfig', {
      ConfigTableName: { Ref: logicalIdOf(gateway.configTable) },
    });
    expect(config.webhooks.map((w) => w.name)).toEqual(['stripe', 'github']);
    expect(config.webhooks[0]).toMatchObject({
      name: 'stripe',
      verifier: { type: 'stripe' },
      expressions: { eventKey: "'stripe:' + input.type" },
      maxBodySize: 4 * 1024 * 1024,
    });
  });

  it('backs the resource by the config writer through the Provider framework', () => {
    const [resource] = Object.values(template.findResources('Custom::WebhookGatewayConfig'));
    const token = resource!.Properties.ServiceToken['Fn::GetAtt'][0] as string;
    const framework = template.toJSON().Resources[token];
    expect(framework.Properties.Environment.Variables.USER_ON_EVENT_FUNCTION_ARN).toEqual({
      'Fn::GetAtt': [logicalIdOf(gateway.configWriterFunction), 'Arn'],
    });
  });

  it('stores the target type: read from state machines of the app, STANDARD or the override for imported ones', () => {
    expect(config.routes.map((r) => [r.eventKeyPattern, r.target])).toEqual([
      ['stripe:payment_intent.succeeded', { arn: `ref:${logicalIdOf(standard)}`, type: 'STANDARD' }],
      ['github:*', { arn: `ref:${logicalIdOf(express)}`, type: 'EXPRESS' }],
      ['stripe:invoice.*', { arn: ALIAS_ARN, type: 'STANDARD' }],
      ['stripe:charge.*', { arn: VERSION_ARN, type: 'EXPRESS' }],
    ]);
    expect(config.routes[0]).toMatchObject({ filter: 'input.data.object.amount > 1000' });
    expect(config.routes[1]).toMatchObject({ webhook: 'github', scope: 'octo/repo' });
  });

  it('gives each route a stable id that does not depend on the order routes are added', () => {
    const ids = config.routes.map((r) => r.id);
    expect(new Set(ids).size).toBe(4);
    for (const id of ids) expect(id).toMatch(/^r[0-9a-f]{15}$/);
    expect(build().config.routes.map((r) => r.id)).toEqual(ids);

    const reordered = gatewayFixture();
    reordered.gateway.addWebhook('github', { source: WebhookSource.github(), eventKey: "'g'" });
    const other = stateMachine(reordered.stack, 'Express', sfn.StateMachineType.EXPRESS);
    reordered.gateway.route(
      'stripe:charge.*',
      sfn.StateMachine.fromStateMachineArn(reordered.stack, 'Version', VERSION_ARN),
      {
        workflowType: sfn.StateMachineType.EXPRESS,
      },
    );
    reordered.gateway.route('github:*', other, { webhook: 'github', scope: 'octo/repo' });
    expect(gatewayConfig(reordered.stack).routes.map((r) => r.id)).toEqual([ids[3], ids[1]]);
  });

  it('grants the dispatcher states:StartExecution on exactly the target ARNs', () => {
    const dispatcherRole = logicalIdOf(gateway.dispatcherFunction.role!);
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === dispatcherRole))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s) => [s.Action].flat().some((a: string) => a.startsWith('states:')));
    expect(statements.flatMap((s) => [s.Action].flat())).toEqual(statements.map(() => 'states:StartExecution'));
    expect(statements.flatMap((s) => [s.Resource].flat())).toEqual(
      expect.arrayContaining([{ Ref: logicalIdOf(standard) }, { Ref: logicalIdOf(express) }, ALIAS_ARN, VERSION_ARN]),
    );
    expect(statements.flatMap((s) => [s.Resource].flat())).toHaveLength(4);
  });
});

describe('waiters', () => {
  it('marks a webhook that a waiter listens to, so the runtime checks waiters for its events', () => {
    const { stack, gateway } = gatewayFixture();
    const github = gateway.addWebhook('github', { source: WebhookSource.github(), eventKey: "'github'" });
    gateway.addWebhook('stripe', { source: WebhookSource.stripe(), eventKey: "'stripe'" });
    github._addWaiter();
    expect(gatewayConfig(stack).webhooks.map((w) => [w.name, w.hasWaiters])).toEqual([
      ['github', true],
      ['stripe', undefined],
    ]);
  });
});
