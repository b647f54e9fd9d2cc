import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Period } from 'aws-cdk-lib/aws-apigateway';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { Webhook, type WebhookGateway, WebhookSource } from 'aws-webhook-gateway';
import { gatewayConfig, gatewayFixture, type Json, logicalIdOf, webhookStacks } from './helpers';

const source = () => WebhookSource.github();

function build(props?: Parameters<typeof gatewayFixture>[0]) {
  const f = gatewayFixture(props);
  f.gateway.addWebhook('a', { source: source(), eventKey: "'a'" });
  f.gateway.addWebhook('b', { source: source(), eventKey: "'b'" });
  f.gateway.addWebhook('c', {
    source: source(),
    eventKey: "'c'",
    rateLimit: {
      rate: 5,
      burst: 10,
      quota: { limit: 1000, period: Period.WEEK },
      windows: [{ period: Duration.minutes(1), limit: 60 }],
    },
  });
  return { ...f, config: gatewayConfig(f.stack) };
}

/** A webhook's plan, key and plan key in the synthesized template of its nested stack. */
function resourcesOf(gateway: WebhookGateway, name: string) {
  const webhook = gateway.node.findAll().find((c): c is Webhook => c instanceof Webhook && c.name === name)!;
  const resources = Template.fromStack(Stack.of(webhook)).toJSON().Resources as Record<string, Json>;
  const of = (c: IConstruct) => [logicalIdOf(c), resources[logicalIdOf(c)]] as const;
  return { plan: of(webhook.usagePlan), key: of(webhook.apiKey), planKey: of(webhook.usagePlanKey) };
}

describe('usage plans', () => {
  const { config, gateway, stack } = build();

  it('gives each webhook its own plan, limited to 100 requests per second, burst 200, no quota by default', () => {
    const { plan, planKey } = resourcesOf(gateway, 'a');
    expect(plan[1].Properties).toMatchObject({
      Throttle: { RateLimit: 100, BurstLimit: 200 },
      ApiStages: [
        {
          ApiId: { Ref: expect.stringMatching(/WebhooksApi/) },
          Stage: { Ref: expect.stringMatching(/WebhooksApiDeploymentStagev1/) },
        },
      ],
    });
    expect(plan[1].Properties.Quota).toBeUndefined();
    expect(planKey[1].Properties.UsagePlanId).toEqual({ Ref: plan[0] });
    expect(resourcesOf(gateway, 'b').plan[0]).not.toBe(plan[0]);
  });

  it('enforces a webhook throttle and quota before any verifier runs', () => {
    expect(resourcesOf(gateway, 'c').plan[1].Properties).toMatchObject({
      Throttle: { RateLimit: 5, BurstLimit: 10 },
      Quota: { Limit: 1000, Period: 'WEEK' },
    });
  });

  it('gives each webhook a deterministic key value that the config carries for the authorizer', () => {
    const values = ['a', 'b', 'c'].map((n) => resourcesOf(gateway, n).key[1].Properties.Value as string);
    expect(new Set(values).size).toBe(3);
    for (const value of values) expect(value).toMatch(/^[A-Za-z0-9]{20,}$/);
    expect(config.webhooks.map((w) => w.usageIdentifierKey)).toEqual(values);
    expect(build().config.webhooks.map((w) => w.usageIdentifierKey)).toEqual(values);
  });

  it("keeps the key and its plan when the limits change: only the plan's throttle and quota change (in place)", () => {
    const other = gatewayFixture();
    other.gateway.addWebhook('a', {
      source: source(),
      eventKey: "'a'",
      rateLimit: { rate: 1, burst: 2, quota: { limit: 10, period: Period.DAY } },
    });
    const before = resourcesOf(gateway, 'a');
    const after = resourcesOf(other.gateway, 'a');
    expect(gatewayConfig(other.stack).webhooks[0]!.usageIdentifierKey).toBe(config.webhooks[0]!.usageIdentifierKey);
    expect([after.plan[0], after.key[0], after.planKey[0]]).toEqual([before.plan[0], before.key[0], before.planKey[0]]);
    expect(after.key[1].Properties).toEqual(before.key[1].Properties);
    expect(after.planKey[1].Properties).toEqual(before.planKey[1].Properties);
    expect(after.plan[1].Properties).toMatchObject({
      Throttle: { RateLimit: 1, BurstLimit: 2 },
      Quota: { Limit: 10, Period: 'DAY' },
    });
  });

  it('stores extra rate windows for the ingest function', () => {
    expect(config.webhooks.find((w) => w.name === 'c')!.rateWindows).toEqual([{ periodSeconds: 60, limit: 60 }]);
    expect(config.webhooks.find((w) => w.name === 'a')!.rateWindows).toBeUndefined();
  });

  it('writes the config only after every nested stack (every key) exists', () => {
    const template = Template.fromStack(stack);
    const [resource] = Object.values(template.findResources('Custom::WebhookGatewayConfig'));
    const nested = webhookStacks(gateway).map((s) => logicalIdOf(s.nestedStackResource!));
    expect(nested.length).toBeGreaterThan(0);
    expect([...resource!.DependsOn].sort()).toEqual(nested.sort());
  });
});

describe('defaultRateLimit', () => {
  it('applies to webhooks that set no limit, field by field', () => {
    const f = gatewayFixture({
      defaultRateLimit: { rate: 20, burst: 40, quota: { limit: 500, period: Period.MONTH } },
    });
    f.gateway.addWebhook('a', { source: source(), eventKey: "'a'" });
    f.gateway.addWebhook('b', { source: source(), eventKey: "'b'", rateLimit: { rate: 2 } });
    expect(resourcesOf(f.gateway, 'a').plan[1].Properties).toMatchObject({
      Throttle: { RateLimit: 20, BurstLimit: 40 },
      Quota: { Limit: 500, Period: 'MONTH' },
    });
    expect(resourcesOf(f.gateway, 'b').plan[1].Properties).toMatchObject({
      Throttle: { RateLimit: 2, BurstLimit: 40 },
      Quota: { Limit: 500, Period: 'MONTH' },
    });
  });
});

describe('API key source', () => {
  it('is the authorizer, since senders cannot add x-api-key', () => {
    const f = gatewayFixture();
    f.gateway.addWebhook('a', { source: source(), eventKey: "'a'" });
    Template.fromStack(f.stack).hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: 'AUTHORIZER' });
  });
});
