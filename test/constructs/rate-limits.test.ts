import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { Period, WebhookSource } from '../../lib';
import { gatewayConfig, gatewayFixture, logicalIdOf, nestedTemplates, resourcesOfType, webhookStacks } from './helpers';

const source = () => WebhookSource.github();

function build(props?: Parameters<typeof gatewayFixture>[0]) {
  const f = gatewayFixture({ webhookStacks: 1, ...props });
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
  const [nested] = nestedTemplates(f.gateway);
  return { ...f, nested: nested!, config: gatewayConfig(f.stack) };
}

describe('usage plans', () => {
  const { nested, config, gateway, stack } = build();
  const plans = nested.findResources('AWS::ApiGateway::UsagePlan');
  const keys = nested.findResources('AWS::ApiGateway::ApiKey');
  const planKeys = nested.findResources('AWS::ApiGateway::UsagePlanKey');

  it('limits each webhook to 100 requests per second, burst 200, no quota by default', () => {
    nested.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 100, BurstLimit: 200 },
      Quota: Match.absent(),
      ApiStages: [
        Match.objectLike({
          ApiId: { Ref: Match.stringLikeRegexp('WebhooksApi') },
          Stage: { Ref: Match.stringLikeRegexp('WebhooksApiDeploymentStagev1') },
        }),
      ],
    });
  });

  it('enforces a webhook throttle and quota before any verifier runs', () => {
    nested.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 5, BurstLimit: 10 },
      Quota: { Limit: 1000, Period: 'WEEK' },
    });
  });

  it('shares one plan between webhooks with the same limits (throttle and quota apply per key)', () => {
    expect(Object.keys(plans)).toHaveLength(2);
    expect(Object.keys(keys)).toHaveLength(3);
    expect(Object.keys(planKeys)).toHaveLength(3);
    const planOf = (webhook: string) =>
      Object.entries(planKeys).find(([id]) => id.startsWith(`${webhook}UsagePlanKey`))![1].Properties.UsagePlanId.Ref;
    expect(planOf('a')).toBe(planOf('b'));
    expect(planOf('c')).not.toBe(planOf('a'));
    expect(plans[planOf('c')]!.Properties.Throttle).toEqual({ RateLimit: 5, BurstLimit: 10 });
  });

  it('gives each webhook a deterministic key value that the config carries for the authorizer', () => {
    const values = Object.values(keys).map((k) => k.Properties.Value as string);
    expect(new Set(values).size).toBe(3);
    for (const value of values) expect(value).toMatch(/^[A-Za-z0-9]{20,}$/);
    const byName = Object.fromEntries(config.webhooks.map((w) => [w.name, w.usageIdentifierKey]));
    expect(Object.values(byName).sort()).toEqual([...values].sort());
    expect(build().config.webhooks.map((w) => w.usageIdentifierKey)).toEqual(
      config.webhooks.map((w) => w.usageIdentifierKey),
    );
  });

  it('changes the key value when the limits change, so the new key joins its plan before the old one goes', () => {
    const other = gatewayFixture({ webhookStacks: 1 });
    other.gateway.addWebhook('a', { source: source(), eventKey: "'a'", rateLimit: { rate: 1 } });
    const before = config.webhooks.find((w) => w.name === 'a')!.usageIdentifierKey;
    expect(gatewayConfig(other.stack).webhooks[0]!.usageIdentifierKey).not.toBe(before);
  });

  it('creates the keys one after another (API Gateway throttles its control plane)', () => {
    const [, b] = Object.entries(keys).find(([id]) => id.startsWith('bApiKey'))!;
    expect(b.DependsOn).toEqual([expect.stringMatching(/^aUsagePlanKey/)]);
  });

  it('stores extra rate windows for the ingest function', () => {
    expect(config.webhooks.find((w) => w.name === 'c')!.rateWindows).toEqual([{ periodSeconds: 60, limit: 60 }]);
    expect(config.webhooks.find((w) => w.name === 'a')!.rateWindows).toBeUndefined();
  });

  it('writes the config only after the keys exist', () => {
    const template = Template.fromStack(stack);
    const [resource] = Object.values(template.findResources('Custom::WebhookGatewayConfig'));
    const [nestedStack] = webhookStacks(gateway);
    expect(resource!.DependsOn).toEqual([logicalIdOf(nestedStack!.nestedStackResource!)]);
  });
});

describe('defaultRateLimit', () => {
  it('applies to webhooks that set no limit, field by field', () => {
    const f = gatewayFixture({
      webhookStacks: 1,
      defaultRateLimit: { rate: 20, burst: 40, quota: { limit: 500, period: Period.MONTH } },
    });
    f.gateway.addWebhook('a', { source: source(), eventKey: "'a'" });
    f.gateway.addWebhook('b', { source: source(), eventKey: "'b'", rateLimit: { rate: 2 } });
    const plans = resourcesOfType(nestedTemplates(f.gateway), 'AWS::ApiGateway::UsagePlan').map(([, p]) => [
      p.Properties.Throttle,
      p.Properties.Quota,
    ]);
    expect(plans).toEqual(
      expect.arrayContaining([
        [
          { RateLimit: 20, BurstLimit: 40 },
          { Limit: 500, Period: 'MONTH' },
        ],
        [
          { RateLimit: 2, BurstLimit: 40 },
          { Limit: 500, Period: 'MONTH' },
        ],
      ]),
    );
  });
});

describe('API key source', () => {
  it('is the authorizer, since senders cannot add x-api-key', () => {
    const f = gatewayFixture();
    f.gateway.addWebhook('a', { source: source(), eventKey: "'a'" });
    Template.fromStack(f.stack).hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: 'AUTHORIZER' });
  });
});
