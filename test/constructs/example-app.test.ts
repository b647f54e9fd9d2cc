import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { App } from 'aws-cdk-lib';
import { join, resolve } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { WebhookGatewayExampleStack } from '../../bin/example-stack';
import { gatewayConfig, type Json, logicalIdOf, nestedTemplates, resourcesOfType, testApp } from './helpers';

const TMP = resolve('test/.tmp');
mkdirSync(TMP, { recursive: true });

describe('example app', () => {
  const stack = new WebhookGatewayExampleStack(testApp(), 'Example');
  const config = gatewayConfig(stack);

  it('has GitHub, Stripe, Slack and generic HMAC webhooks with event key and scope expressions', () => {
    expect(
      config.webhooks.map((w) => [w.name, w.verifier.type, typeof w.expressions.eventKey, typeof w.expressions.scope]),
    ).toEqual([
      ['github', 'github', 'string', 'string'],
      ['stripe', 'stripe', 'string', 'string'],
      ['slack', 'slack', 'string', 'string'],
      ['orders', 'hmac', 'string', 'string'],
    ]);
  });

  it('routes to three state machines, two Standard and one Express', () => {
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 3);
    const targets = new Set(config.routes.map((r) => JSON.stringify(r.target)));
    expect([...targets].map((t) => JSON.parse(t))).toEqual([
      { arn: expect.stringMatching(/^ref:ProcessPayment/), type: 'STANDARD' },
      { arn: expect.stringMatching(/^ref:NotifyTeam/), type: 'EXPRESS' },
      { arn: expect.stringMatching(/^ref:DeployPullRequest/), type: 'STANDARD' },
    ]);
  });

  it('gives at least one webhook a quota', () => {
    const plans = resourcesOfType(nestedTemplates(stack.gateway), 'AWS::ApiGateway::UsagePlan');
    expect(plans.map(([, p]) => p.Properties.Quota).filter(Boolean)).toEqual(
      expect.arrayContaining([
        { Limit: 100000, Period: 'DAY' },
        { Limit: 10000, Period: 'WEEK' },
      ]),
    );
    expect(logicalIdOf(stack.gateway.api)).toMatch(/^WebhooksApi/);
  });
});

describe('bin/app.ts', () => {
  const outdir = mkdtempSync(join(TMP, 'app-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('synthesizes offline, without AWS credentials, as `npm start` runs it', () => {
    const { PATH, HOME } = process.env;
    execFileSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      env: {
        PATH,
        HOME,
        CDK_VALIDATION: 'false',
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [] }),
      },
      stdio: 'pipe',
    });
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
    expect(Object.keys(manifest.artifacts)).toContain('WebhookGatewayExample');
    const template = JSON.parse(readFileSync(join(outdir, 'WebhookGatewayExample.template.json'), 'utf8'));
    expect(
      Object.values(template.Resources).filter((r) => (r as { Type: string }).Type === 'Custom::WebhookGatewayConfig'),
    ).toHaveLength(1);
  });
});

describe('Lambda bundling', () => {
  // The only test that bundles: local esbuild, never Docker. Under the project, so that the bundles
  // resolve the AWS SDK (external, as in the Lambda runtime) from node_modules.
  const outdir = mkdtempSync(join(TMP, 'bundling-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  const app = new App({
    outdir,
    builtinCloudFormationValidation: false,
    context: { 'aws:cdk:enable-asset-metadata': true },
  });
  const stack = new WebhookGatewayExampleStack(app, 'Bundled');
  const assembly = app.synth();
  const template = assembly.getStackByName(stack.stackName).template as {
    Resources: Record<string, { Type: string; Properties: Record<string, Json>; Metadata?: Record<string, string> }>;
  };
  const functions = Object.entries(template.Resources).filter(
    ([id, r]) => r.Type === 'AWS::Lambda::Function' && /(Ingest|Authorizer|Dispatcher|ConfigWriter)Function/.test(id),
  );

  it('bundles the four handlers', () => {
    expect(functions.map(([id]) => id.replace(/Function.*$/, ''))).toEqual([
      'WebhooksIngest',
      'WebhooksAuthorizer',
      'WebhooksDispatcher',
      'WebhooksConfigWriter',
    ]);
  });

  it.each(functions.map(([id, r]) => [id, r] as const))(
    '%s is an ES module that loads in Node and exports handler',
    (_, resource) => {
      const bundle = join(outdir, resource.Metadata!['aws:asset:path']!, 'index.mjs');
      expect(existsSync(bundle), bundle).toBe(true);
      const environment = Object.fromEntries(
        Object.entries(resource.Properties.Environment.Variables as Record<string, unknown>).map(([k, v]) => [
          k,
          typeof v === 'string' ? v : `test-${k.toLowerCase()}`,
        ]),
      );
      const probe = `import(${JSON.stringify(pathToFileURL(bundle).href)}).then((m) => console.log(typeof m.handler))`;
      const output = execFileSync(process.execPath, ['--input-type=module', '-e', probe], {
        env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', ...environment },
        encoding: 'utf8',
      });
      expect(output.trim()).toBe('function');
    },
  );
});
