import { type App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { WebhookGatewayExampleStack } from '../../bin/example-stack';
import { WebhookGateway, WebhookSource } from '../../lib';
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
      source: WebhookSource.allOf(WebhookSource.apiKey(), WebhookSource.jwt({ algorithms: ['RS256'] })),
      eventKey: "'both'",
    });
    expect(findings(app)).toEqual([]);
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
