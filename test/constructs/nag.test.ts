import { type App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { WebhookGatewayExampleStack } from '../../bin/example-stack';
import { JwtAlgorithm, WebhookGateway, WebhookSource } from 'aws-webhook-gateway';
import { testApp } from './helpers';

/** Every acknowledgement recorded in the tree: rule id → reason. */
function acknowledgements(root: IConstruct): Map<string, unknown> {
  const found = new Map<string, unknown>();
  for (const node of root.node.findAll()) {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        found.set(`${node.node.path} ${id}`, reason);
      }
    }
  }
  return found;
}

const findings = (app: App) =>
  new AwsSolutionsChecks(app)
    .validateScope(app)
    .violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing unacknowledged in the example app', () => {
    const app = testApp();
    new WebhookGatewayExampleStack(app, 'Example');
    expect(findings(app)).toEqual([]);
  });

  it('finds nothing unacknowledged with development settings, an environment, shared and existing secrets', () => {
    const app = testApp();
    const stack = new Stack(app, 'Dev', { env: { account: '123456789012', region: 'eu-west-1' } });
    const gateway = new WebhookGateway(stack, 'Webhooks', {
      removalPolicy: RemovalPolicy.DESTROY,
      serverAccessLogsBucket: s3.Bucket.fromBucketName(stack, 'AccessLogs', 'access-logs'),
      defaultSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Shared', 'shared/default'),
      secretPrefix: 'dev/hooks',
    });
    gateway.addWebhook('github', { source: WebhookSource.github(), eventKey: "'github'" });
    gateway.addWebhook('both', {
      source: WebhookSource.allOf(WebhookSource.apiKey(), WebhookSource.jwt({ algorithms: [JwtAlgorithm.RS256] })),
      eventKey: "'both'",
    });
    expect(findings(app)).toEqual([]);
  });

  it('finds nothing unacknowledged with every defence on, and needs no APIG3 acknowledgement then', () => {
    const app = testApp();
    const stack = new Stack(app, 'Guarded', { env: { account: '123456789012', region: 'eu-west-1' } });
    const gateway = new WebhookGateway(stack, 'Webhooks', {
      webAcl: { logging: true },
      customDomain: {
        domainName: 'hooks.example.com',
        certificate: acm.Certificate.fromCertificateArn(
          stack,
          'Certificate',
          'arn:aws:acm:eu-west-1:123456789012:certificate/0d3e7a52-1111-2222-3333-444455556666',
        ),
        basePath: 'in',
        hostedZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
          hostedZoneId: 'Z0123',
          zoneName: 'example.com',
        }),
        disableExecuteApiEndpoint: true,
      },
    });
    gateway.addWebhook('github', {
      source: WebhookSource.github(),
      eventKey: "'github'",
      allowedSourceIps: ['192.30.252.0/22', '2a0a:a440::/29'],
    });
    expect(findings(app)).toEqual([]);
    expect([...acknowledgements(app).keys()].filter((k) => k.includes('APIG3'))).toEqual([]);
  });

  it('finds nothing unacknowledged with an existing web ACL', () => {
    const app = testApp();
    const stack = new Stack(app, 'Shared');
    new WebhookGateway(stack, 'Webhooks', {
      existingWebAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/shared/1234abcd',
    }).addWebhook('github', { source: WebhookSource.github(), eventKey: "'github'" });
    expect(findings(app)).toEqual([]);
  });

  it('acknowledges APIG3 without a web ACL', () => {
    const app = testApp();
    new WebhookGatewayExampleStack(app, 'Example');
    expect([...acknowledgements(app).keys()].some((k) => k.endsWith('AwsSolutions-APIG3'))).toBe(true);
  });

  it('runs as a validation plugin at synth and lets synth pass', () => {
    const app = testApp();
    new WebhookGatewayExampleStack(app, 'Example');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it('gives every acknowledgement a reason', () => {
    const app = testApp();
    new WebhookGatewayExampleStack(app, 'Example');
    const acks = acknowledgements(app);
    expect(acks.size).toBeGreaterThanOrEqual(10);
    for (const [where, reason] of acks) {
      const text = typeof reason === 'string' ? reason : (reason as { reason?: string }).reason;
      expect(text, where).toMatch(/\w{4,}.{30,}/);
    }
  });
});
