import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Period } from 'aws-cdk-lib/aws-apigateway';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { HmacAlgorithm, WebhookGateway, WebhookSource } from 'aws-webhook-gateway';
import { CONFIG_MAX_BYTES } from '../../lib/private/config-resource';
import { shardOf } from '../../lib/private/naming';
import { WEBHOOK_STACK_COUNT } from '../../lib/private/webhook-stacks';
import { type Json, stateMachine } from './helpers';

const SOURCES = [
  () => WebhookSource.github(),
  () => WebhookSource.stripe(),
  () => WebhookSource.slack(),
  () => WebhookSource.hmac({ header: 'x-signature', algorithm: HmacAlgorithm.SHA512, prefix: 'sha512=' }),
  () => WebhookSource.allOf(WebhookSource.apiKey(), WebhookSource.hmac({ header: 'x-signature' })),
];

/** An app with `webhooks` webhooks (varied sources and limits) and `routes` routes over 20 workflows. */
function largeApp(
  webhooks: number,
  routes: number,
  options: { validate?: boolean; names?: (i: number) => string } = {},
) {
  // The built-in CloudFormation validation runs as in `cdk synth`, unless turned off.
  const app = new App({
    builtinCloudFormationValidation: options.validate ?? true,
    context: { 'aws:cdk:bundling-stacks': [] },
  });
  const stack = new Stack(app, 'Large');
  const gateway = new WebhookGateway(stack, 'Webhooks');
  const nameOf = options.names ?? ((i: number) => `hook-${i}`);
  const targets = Array.from({ length: 20 }, (_, i) =>
    stateMachine(stack, `Workflow${i}`, i % 4 === 0 ? sfn.StateMachineType.EXPRESS : sfn.StateMachineType.STANDARD),
  );
  for (let i = 0; i < webhooks; i++) {
    gateway.addWebhook(nameOf(i), {
      source: SOURCES[i % SOURCES.length]!(),
      eventKey: `'hook-${i}:' + input.type`,
      scope: 'input.account',
      rateLimit:
        i % 7 === 0 ? { rate: 10, burst: 20, quota: { limit: 1000 * (1 + (i % 3)), period: Period.DAY } } : undefined,
    });
  }
  for (let i = 0; i < routes; i++) {
    gateway.route(`hook-${i % webhooks}:event.${i}`, targets[i % targets.length]!, {
      webhook: nameOf(i % webhooks),
      filter: 'input.amount > 10',
    });
  }
  return { app, stack };
}

describe('scale', () => {
  // Synth time is measured by `npm run bench`, not asserted here.
  it('synthesizes 200 webhooks and 400 routes, every template under 500 resources', () => {
    const { app } = largeApp(200, 400);
    const assembly = app.synth();

    const [artifact] = assembly.stacks;
    const main = artifact!.template as { Resources: Record<string, Json> };
    const nested = readdirSync(assembly.directory)
      .filter((file) => file.endsWith('.nested.template.json'))
      .map((file) => JSON.parse(readFileSync(join(assembly.directory, file), 'utf8')));
    expect(nested).toHaveLength(
      Object.values(main.Resources).filter((r) => r.Type === 'AWS::CloudFormation::Stack').length,
    );
    expect(nested.length).toBeGreaterThan(1);
    const counts = [main, ...nested].map((t) => Object.keys(t.Resources).length);
    for (const count of counts) expect(count).toBeLessThan(500);

    const types = nested.flatMap((t) => Object.values(t.Resources).map((r) => (r as { Type: string }).Type));
    // Secrets are custom resources, so that a webhook removed and added again adopts its kept secret.
    expect(types.filter((t) => t === 'Custom::WebhookGatewaySecret')).toHaveLength(240);
    expect(types.filter((t) => t === 'AWS::ApiGateway::ApiKey')).toHaveLength(200);
    expect(types.filter((t) => t === 'AWS::ApiGateway::UsagePlanKey')).toHaveLength(200);
    // One usage plan per webhook, so that a change of limits updates it in place.
    expect(types.filter((t) => t === 'AWS::ApiGateway::UsagePlan')).toHaveLength(200);
    expect(Object.values(main.Resources).filter((r) => r.Type === 'Custom::WebhookGatewayConfig')).toHaveLength(1);
    expect(Object.keys((artifact!.template as { Outputs: object }).Outputs).length).toBeLessThan(20);

    const config = Object.values(main.Resources).find((r) => r.Type === 'Custom::WebhookGatewayConfig');
    expect(JSON.stringify(config.Properties.Config).length).toBeLessThan(CONFIG_MAX_BYTES);
  });

  it('warns when a gateway nears the account quota of usage plans (one per webhook)', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Many');
    const gateway = new WebhookGateway(stack, 'Webhooks');
    const warnings = () => gateway.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
    for (let i = 0; i < 239; i++) gateway.addWebhook(`h${i}`, { source: WebhookSource.github(), eventKey: "'x'" });
    expect(warnings().filter((w) => w.includes('usage plan'))).toEqual([]);
    gateway.addWebhook('h239', { source: WebhookSource.github(), eventKey: "'x'" });
    expect(warnings().filter((w) => w.includes('usage plan'))).toEqual([
      expect.stringMatching(
        /the gateway has 240 webhooks, each with its own usage plan: API Gateway allows 300 usage plans per account and region by default.*request an increase of the quota "Usage plans per account per Region"/,
      ),
    ]);
  });

  it('fails synth if a nested stack would pass the resource budget, naming its webhooks and the fix', () => {
    // Names that all hash to nested stack 0 (placement depends on the name alone).
    const names = Array.from({ length: 4000 }, (_, i) => `hook-${i}`).filter(
      (n) => shardOf(n, WEBHOOK_STACK_COUNT) === 0,
    );
    const { app } = largeApp(110, 0, { validate: false, names: (i) => names[i]! });
    expect(() => app.synth()).toThrow(
      /nested stack Webhooks0 would hold \d+ resources \(CloudFormation allows 500; the gateway keeps 450\): its webhooks \(hook-\d+, .*\) are placed there by a hash of their names, which never changes so that no webhook ever moves between nested stacks; add further webhooks to another WebhookGateway/,
    );
  });
});
