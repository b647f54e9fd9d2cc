import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { JwtAlgorithm, WebhookGateway, WebhookSource } from 'aws-webhook-gateway';
import {
  gatewayConfig,
  gatewayFixture,
  type Json,
  logicalIdOf,
  nestedTemplates,
  resourcesOfType,
  testApp,
} from './helpers';

// Secrets are custom resources (the config writer creates them, or adopts the one this gateway
// kept when the webhook was removed), so the template says which value to create, never the value.
function secretsByName(templates: Template[]) {
  return Object.fromEntries(
    resourcesOfType(templates, 'Custom::WebhookGatewaySecret').map(([, r]) => [r.Properties.SecretName, r.Properties]),
  );
}

describe('webhook secrets', () => {
  const { stack, gateway } = gatewayFixture();
  const existing = secretsmanager.Secret.fromSecretCompleteArn(
    stack,
    'Existing',
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:shopify-AbCdEf',
  );
  gateway.addWebhook('github', { source: WebhookSource.github(), eventKey: "'github'" });
  gateway.addWebhook('hmac', { source: WebhookSource.hmac({ header: 'x-signature' }), eventKey: "'hmac'" });
  gateway.addWebhook('stripe', { source: WebhookSource.stripe(), eventKey: "'stripe'" });
  gateway.addWebhook('slack', { source: WebhookSource.slack(), eventKey: "'slack'" });
  gateway.addWebhook('discord', { source: WebhookSource.discord(), eventKey: "'discord'" });
  gateway.addWebhook('jwt-rs', { source: WebhookSource.jwt({ algorithms: [JwtAlgorithm.RS256] }), eventKey: "'jwt'" });
  gateway.addWebhook('jwt-hs', { source: WebhookSource.jwt({ algorithms: [JwtAlgorithm.HS256] }), eventKey: "'jwt'" });
  gateway.addWebhook('open', { source: WebhookSource.none(), eventKey: "'open'" });
  gateway.addWebhook('shopify', { source: WebhookSource.shopify(), eventKey: "'shopify'", secret: existing });
  const both = gateway.addWebhook('both', {
    source: WebhookSource.allOf(WebhookSource.apiKey(), WebhookSource.hmac({ header: 'x-signature' })),
    eventKey: "'both'",
  });
  const secrets = secretsByName(nestedTemplates(gateway));
  const config = Object.fromEntries(gatewayConfig(stack).webhooks.map((w) => [w.name, w]));

  it('generates the secret where we choose it, under the gateway key, tagged with the gateway', () => {
    for (const name of ['github', 'hmac']) {
      expect(secrets[`Test/Webhooks/${name}`]).toMatchObject({
        Value: 'generated',
        KmsKeyId: { Ref: expect.stringMatching(/WebhooksKey.*Arn/) },
        Gateway: 'Test-Webhooks',
        ServiceToken: { Ref: expect.stringMatching(/WebhooksConfigProviderframeworkonEvent/) },
      });
    }
  });

  it('creates an empty secret for provider-issued values and public keys', () => {
    for (const name of ['stripe', 'slack', 'discord', 'jwt-rs', 'jwt-hs']) {
      expect(secrets[`Test/Webhooks/${name}`]).toMatchObject({ Value: 'empty' });
    }
  });

  it('tells in the description what to paste', () => {
    expect(secrets['Test/Webhooks/stripe'].Description).toMatch(/paste the provider's secret/);
    expect(secrets['Test/Webhooks/discord'].Description).toMatch(/public key/);
  });

  it('creates no secret for none, nor for a webhook given an existing secret', () => {
    expect(secrets['Test/Webhooks/open']).toBeUndefined();
    expect(config.open!.secrets).toEqual({});
    expect(secrets['Test/Webhooks/shopify']).toBeUndefined();
    expect(config.shopify!.secrets).toEqual({ default: { secretId: existing.secretArn } });
  });

  it('gives each allOf member that needs a secret its own, referenced by name', () => {
    expect(secrets['Test/Webhooks/both']).toMatchObject({ Value: 'generated' });
    expect(secrets['Test/Webhooks/both/hmac']).toMatchObject({ Value: 'generated' });
    expect(config.both!.verifier).toMatchObject({
      type: 'allOf',
      sources: [{ type: 'apiKey' }, { type: 'hmac', secret: 'hmac' }],
    });
    expect(config.both!.verifier.sources[0].secret).toBeUndefined();
    expect(config.both!.secrets).toEqual({
      default: { secretId: 'Test/Webhooks/both' },
      hmac: { secretId: 'Test/Webhooks/both/hmac' },
    });
    expect(Object.keys(both.secrets)).toEqual(['default', 'hmac']);
  });

  it('lets the ingest function read created secrets by name prefix and given ones by ARN', () => {
    const template = Template.fromStack(stack);
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement,
    );
    const reads = statements.filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(JSON.stringify(reads)).toContain(':secret:Test/Webhooks/*');
    expect(reads.some((s) => JSON.stringify(s.Resource).includes(existing.secretArn))).toBe(true);
    const ingestRole = logicalIdOf(gateway.ingestFunction.role!);
    for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
      if (JSON.stringify(policy.Properties.PolicyDocument).includes('secretsmanager:GetSecretValue')) {
        expect(policy.Properties.Roles).toEqual([{ Ref: ingestRole }]);
      }
    }
  });

  it('lets the config writer create, adopt and delete created secrets by name prefix, never read them', () => {
    const template = Template.fromStack(stack);
    const writerRole = logicalIdOf(gateway.configWriterFunction.role!);
    const [writerPolicy] = Object.values(template.findResources('AWS::IAM::Policy')).filter(
      (p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: writerRole }]),
    );
    const statements = writerPolicy!.Properties.PolicyDocument.Statement as Json[];
    const secretStatements = statements.filter((st) => JSON.stringify(st.Action).includes('secretsmanager'));
    expect(secretStatements).toHaveLength(1);
    expect([secretStatements[0].Action].flat().sort()).toEqual([
      'secretsmanager:CreateSecret',
      'secretsmanager:DeleteSecret',
      'secretsmanager:DescribeSecret',
      'secretsmanager:RestoreSecret',
      'secretsmanager:TagResource',
      'secretsmanager:UpdateSecret',
    ]);
    expect(JSON.stringify(secretStatements[0].Resource)).toContain(':secret:Test/Webhooks/*');
  });

  it('creates the nested stacks (and so the secrets) only once the config writer may create secrets', () => {
    const template = Template.fromStack(stack);
    const resources = template.toJSON().Resources as Record<string, Json>;
    const writerPolicy = Object.keys(template.findResources('AWS::IAM::Policy')).find((id) =>
      id.startsWith('WebhooksConfigWriterRoleDefaultPolicy'),
    )!;
    for (const nested of Object.values(template.findResources('AWS::CloudFormation::Stack'))) {
      expect(nested.DependsOn).toContain(writerPolicy);
    }
    expect(resources[writerPolicy]).toBeDefined();
  });
});

describe('shared secrets', () => {
  it("uses the gateway's defaultSecret for generated secrets, unless the webhook has its own", () => {
    const stack = new Stack(testApp(), 'Test');
    const shared = secretsmanager.Secret.fromSecretNameV2(stack, 'Shared', 'dagnats/default');
    const gateway = new WebhookGateway(stack, 'Webhooks', { defaultSecret: shared });
    const own = new secretsmanager.Secret(stack, 'Own');
    gateway.addWebhook('a', { source: WebhookSource.github(), eventKey: "'a'" });
    gateway.addWebhook('b', { source: WebhookSource.hmac({ header: 'x-sig' }), eventKey: "'b'" });
    gateway.addWebhook('c', { source: WebhookSource.github(), eventKey: "'c'", secret: own });
    gateway.addWebhook('d', { source: WebhookSource.stripe(), eventKey: "'d'" });
    const config = Object.fromEntries(gatewayConfig(stack).webhooks.map((w) => [w.name, w.secrets.default.secretId]));
    expect(config).toEqual({
      a: 'dagnats/default',
      b: 'dagnats/default',
      c: `ref:${logicalIdOf(own)}`,
      d: 'Test/Webhooks/d',
    });
    expect(Object.keys(secretsByName(nestedTemplates(gateway)))).toEqual(['Test/Webhooks/d']);
    const policies = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    expect(policies).toContain(':secret:dagnats/default-??????');
  });

  it('lets several webhooks share one secret given to each', () => {
    const { stack, gateway } = gatewayFixture();
    const slack = new secretsmanager.Secret(stack, 'SlackSigningSecret');
    for (const name of ['slack-events', 'slack-commands']) {
      gateway.addWebhook(name, { source: WebhookSource.slack(), eventKey: "'slack'", secret: slack });
    }
    const ids = gatewayConfig(stack).webhooks.map((w) => w.secrets.default.secretId);
    expect(ids).toEqual([`ref:${logicalIdOf(slack)}`, `ref:${logicalIdOf(slack)}`]);
    expect(resourcesOfType(nestedTemplates(gateway), 'Custom::WebhookGatewaySecret')).toHaveLength(0);
  });

  it('uses a secret given to one allOf member for that member only', () => {
    const { stack, gateway } = gatewayFixture();
    const token = new secretsmanager.Secret(stack, 'Token');
    gateway.addWebhook('mixed', {
      source: WebhookSource.allOf(WebhookSource.hmac({ header: 'x-sig' }), WebhookSource.apiKey({ secret: token })),
      eventKey: "'mixed'",
    });
    const [webhook] = gatewayConfig(stack).webhooks;
    expect(webhook!.secrets).toEqual({
      default: { secretId: 'Test/Webhooks/mixed' },
      apiKey: { secretId: `ref:${logicalIdOf(token)}` },
    });
  });

  it('names secrets under secretPrefix and grants that prefix', () => {
    const { stack, gateway } = gatewayFixture({ secretPrefix: 'prod/webhooks' });
    gateway.addWebhook('github', { source: WebhookSource.github(), eventKey: "'github'" });
    expect(Object.keys(secretsByName(nestedTemplates(gateway)))).toEqual(['prod/webhooks/github']);
    expect(JSON.stringify(Template.fromStack(stack).toJSON())).toContain(':secret:prod/webhooks/*');
  });
});
