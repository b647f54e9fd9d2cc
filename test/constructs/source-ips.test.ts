import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { type WebhookGateway, type WebhookOptions, WebhookSource } from 'aws-webhook-gateway';
import { checkSourceIps } from '../../lib/private/source-ips';
import { gatewayConfig, gatewayFixture, type Json, logicalIdOf } from './helpers';

const github = (allowedSourceIps?: string[]): WebhookOptions => ({
  source: WebhookSource.github(),
  eventKey: "'github'",
  ...(allowedSourceIps && { allowedSourceIps }),
});

function build(configure: (gateway: WebhookGateway) => void) {
  const f = gatewayFixture();
  configure(f.gateway);
  return { ...f, template: Template.fromStack(f.stack) };
}

const policyOf = (template: Template): Json =>
  Object.values(template.findResources('AWS::ApiGateway::RestApi'))[0]!.Properties.Policy;

function synthError(allowedSourceIps: unknown): string | undefined {
  try {
    build((g) => g.addWebhook('github', { ...github(), allowedSourceIps } as WebhookOptions));
    return undefined;
  } catch (error) {
    return String(error);
  }
}

const invoke = { Action: 'execute-api:Invoke', Principal: { AWS: '*' } };

describe('allowedSourceIps: a resource policy per webhook path', () => {
  const { template, stack } = build((g) => {
    g.addWebhook('github', github(['192.30.252.0/22', '2a0a:A440:0000::/29', '140.82.115.7']));
    g.addWebhook('stripe', {
      source: WebhookSource.stripe(),
      eventKey: "'stripe'",
      allowedSourceIps: ['3.18.12.63', '3.130.192.231/32'],
    });
    g.addWebhook('open', { source: WebhookSource.standardWebhooks(), eventKey: "'open'" });
  });

  it('allows every request, denies other spellings of webhook paths, then each listed webhook path (and below it) to other sources', () => {
    expect(policyOf(template)).toEqual({
      Version: '2012-10-17',
      Statement: [
        { ...invoke, Effect: 'Allow', Resource: 'execute-api:/*' },
        {
          ...invoke,
          Effect: 'Deny',
          Resource: ['execute-api:/*/*/webhooks/*%*', 'execute-api:/*/*/webhooks//*'],
        },
        {
          ...invoke,
          Effect: 'Deny',
          Resource: ['execute-api:/*/*/webhooks/github', 'execute-api:/*/*/webhooks/github/*'],
          Condition: { NotIpAddress: { 'aws:SourceIp': ['192.30.252.0/22', '2a0a:a440::/29', '140.82.115.7/32'] } },
        },
        {
          ...invoke,
          Effect: 'Deny',
          Resource: ['execute-api:/*/*/webhooks/stripe', 'execute-api:/*/*/webhooks/stripe/*'],
          Condition: { NotIpAddress: { 'aws:SourceIp': ['3.18.12.63/32', '3.130.192.231/32'] } },
        },
      ],
    });
  });

  it('leaves webhooks without a list open, and keeps the list out of the stored config', () => {
    const statements: Json[] = policyOf(template).Statement;
    expect(JSON.stringify(statements)).not.toContain('webhooks/open');
    for (const webhook of gatewayConfig(stack).webhooks) {
      expect(webhook).not.toHaveProperty('allowedSourceIps');
    }
  });

  it('is evaluated by API Gateway before the authorizer: ACCESS_DENIED answers the 404 of an unknown webhook', () => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'ACCESS_DENIED',
      StatusCode: '404',
      ResponseTemplates: { 'application/json': '{"message":"Not Found"}' },
    });
  });
});

describe('allowedSourceIps and deployments', () => {
  const deploymentId = (template: Template) => Object.keys(template.findResources('AWS::ApiGateway::Deployment'))[0];

  it('adds no resource policy when no webhook has a list', () => {
    const { template } = build((g) => g.addWebhook('github', github()));
    expect(policyOf(template)).toBeUndefined();
  });

  it('redeploys the stage when a list changes: the policy is part of the deployment id', () => {
    const before = build((g) => g.addWebhook('github', github(['192.30.252.0/22'])));
    const after = build((g) => g.addWebhook('github', github(['192.30.252.0/22', '185.199.108.0/22'])));
    const none = build((g) => g.addWebhook('github', github()));
    const ids = [before, after, none].map((f) => deploymentId(f.template));
    expect(new Set(ids).size).toBe(3);
    after.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      DeploymentId: { Ref: ids[1] },
      RestApiId: { Ref: logicalIdOf(after.gateway.api) },
    });
  });

  it('warns when the policy outgrows API Gateway default quota of 8,192 characters', () => {
    const blocks = Array.from({ length: 200 }, (_, i) => `10.${i}.0.0/16`);
    const { stack } = build((g) => {
      for (const name of ['a', 'b', 'c', 'd']) g.addWebhook(name, { ...github(), allowedSourceIps: blocks });
    });
    Annotations.fromStack(stack).hasWarning(
      '/Test/Webhooks',
      Match.stringLikeRegexp(
        'resource policy \\(source IP allowlists\\) is about \\d+ characters; API Gateway takes 8192 by default',
      ),
    );
  });

  it('does not warn for a few lists', () => {
    const { stack } = build((g) => g.addWebhook('github', github(['192.30.252.0/22'])));
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('resource policy'))).toEqual([]);
  });
});

describe('allowedSourceIps validation', () => {
  it('normalizes addresses, prefixes and IPv6 spelling, and drops duplicates', () => {
    expect(
      checkSourceIps([
        '192.0.2.1',
        '192.0.2.0/24',
        ' 192.0.2.0/24 ',
        '2001:DB8:0:0:0:0:0:0/32',
        '::1',
        '::ffff:192.0.2.128/121',
      ]),
    ).toEqual({
      cidrs: ['192.0.2.1/32', '192.0.2.0/24', '2001:db8::/32', '::1/128', '::ffff:c000:280/121'],
      errors: [],
    });
  });

  it('fails if the list is empty', () => {
    expect(synthError([])).toMatch(/webhook "github": allowedSourceIps is empty, which would refuse every sender/);
  });

  it('fails if it is not a list', () => {
    expect(synthError('192.0.2.0/24')).toMatch(/webhook "github": allowedSourceIps must be a list of CIDR blocks/);
  });

  it.each([
    ['192.0.2.0/33', 'has a prefix longer than /32'],
    ['2001:db8::/129', 'has a prefix longer than /128'],
    ['192.0.2.0/', 'has no valid prefix length'],
    ['192.0.2.0/24/1', 'is not an IPv4 or IPv6 address or CIDR block'],
    ['192.0.2', 'is not an IPv4 or IPv6 address or CIDR block'],
    ['github.com', 'is not an IPv4 or IPv6 address or CIDR block'],
    ['010.0.0.0/8', 'is not an IPv4 or IPv6 address or CIDR block'],
    ['0.0.0.0/0', 'allows every address: remove allowedSourceIps'],
    ['::/0', 'allows every address: remove allowedSourceIps'],
    ['192.0.2.7/24', 'has host bits set: the block starting there is 192.0.2.0/24'],
    ['2001:db8::1/32', 'has host bits set: the block starting there is 2001:db8::/32'],
  ])('fails if an entry is %s', (entry, problem) => {
    const error = synthError(['198.51.100.0/24', entry]);
    expect(error).toContain(`webhook "github": allowedSourceIps[1] ${JSON.stringify(entry)} ${problem}`);
  });
});
