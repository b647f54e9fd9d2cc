import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { afterAll, describe, expect, it } from 'vitest';
import { gatewaysOf } from '../../cli/app-model';
import { appErrorSummary, readAssembly, synthesize, type AssemblyStack } from '../../cli/assembly';
import { TemplateResolver } from '../../cli/intrinsics';
import { LocalWorkflows } from '../../cli/local-workflows';
import { WebhookGateway, WebhookSource } from 'aws-webhook-gateway';
import { post, REPO, runBin, startGateway } from './support';

/** How the local tools read apps they did not write: several stacks, and apps that do not synthesize. */

const root = mkdtempSync(join(tmpdir(), 'wg-apps-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The gateway in one stack, the workflow it routes to in another, with the repository's cdk.json context. */
function crossStackApp(references: 'weak' | 'strong'): AssemblyStack[] {
  const { context } = JSON.parse(readFileSync(join(REPO, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const app = new App({
    outdir: join(root, references),
    builtinCloudFormationValidation: false,
    context: {
      ...context,
      '@aws-cdk/core:defaultCrossStackReferences': references,
      'aws:cdk:bundling-stacks': [],
      'aws:cdk:enable-asset-metadata': true,
    },
  });
  const workflows = new Stack(app, 'Workflows');
  const flow = new sfn.StateMachine(workflows, 'Flow', {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(workflows, 'Pass')),
  });
  const gateway = new WebhookGateway(new Stack(app, 'Gateway'), 'Hooks');
  gateway.addWebhook('github', { source: WebhookSource.github(), eventKey: "'github:' + headers['x-github-event']" });
  gateway.route('github:*', flow);
  return readAssembly(app.synth().directory);
}

describe('an app whose workflows live in another stack', () => {
  it.each(['weak', 'strong'] as const)(
    'resolves the route target through the %s cross-stack reference to a workflow that runs locally',
    (references) => {
      const stacks = crossStackApp(references);
      const [model] = gatewaysOf(stacks);
      const target = model!.config.routes[0]!.target.arn;
      expect(target).toMatch(/^arn:aws:states:us-east-1:000000000000:stateMachine:Flow[0-9A-F]{8}$/);
      expect(new LocalWorkflows(stacks).stateMachineArns).toContain(target);
    },
  );

  it('fails if a referenced output is not in the app, naming it', () => {
    const resolver = new TemplateResolver({}, {}, []);
    expect(() => resolver.resolve({ 'Fn::GetStackOutput': { StackName: 'Other', OutputName: 'Arn' } })).toThrow(
      'the app has no output Arn in stack Other',
    );
    expect(() => resolver.resolve({ 'Fn::ImportValue': 'Other:Arn' })).toThrow('no stack of the app exports Other:Arn');
  });
});

describe('an app that fails to synthesize', () => {
  it("says on one line what CDK's validation found", () => {
    const output = [
      'npm warn Unknown user config "nodedir".',
      'node:internal/modules/run_main:123',
      '    triggerUncaughtException(',
      '«ValidationFailedWithErrors» Validation failed with the following errors:',
      `  [Bad/Webhooks] webhook "stripe": eventKey is not valid CEL at 1:23: unexpected character: ')'`,
      '  [Bad/Webhooks] route "x:*": webhook "gihtub" does not exist; known webhooks: stripe',
      '    ...App.synth in aws-cdk-lib...',
      'Node.js v20.20.2',
    ].join('\n');
    expect(appErrorSummary(output)).toBe(
      `[Bad/Webhooks] webhook "stripe": eventKey is not valid CEL at 1:23: unexpected character: ')'; [Bad/Webhooks] route "x:*": webhook "gihtub" does not exist; known webhooks: stripe`,
    );
  });

  it('says on one line what a validation plugin (cdk-nag) found', () => {
    const output = [
      'bin/app.ts:10:1',
      'ERROR The SQS queue does not require requests to use SSL. (AwsSolutions)',
      '   App/Queue/Resource aws-cdk-lib.aws_sqs.CfnQueue',
      "   Acknowledge with 'AwsSolutions::AwsSolutions-SQS4'",
      '«ValidationFailed» Validation failed. A copy of this report can be found in: validation-report.json',
    ].join('\n');
    expect(appErrorSummary(output)).toBe(
      'App/Queue/Resource: The SQS queue does not require requests to use SSL. (AwsSolutions) [AwsSolutions-SQS4]',
    );
  });

  it('says on one line what the app threw, else its last line', () => {
    const thrown = [
      'file:///app/lib/webhook-gateway.ts:194',
      '    if (this.webhooks.has(name)) throw new Error(`…`);',
      '                                       ^',
      '',
      'Error: T/Webhooks: webhook "a" is added twice',
      '    at WebhookGateway.addWebhook (file:///app/lib/webhook-gateway.ts:194:40)',
    ].join('\n');
    expect(appErrorSummary(thrown)).toBe('Error: T/Webhooks: webhook "a" is added twice');
    expect(appErrorSummary("Error [ERR_MODULE_NOT_FOUND]: Cannot find module '/app/nope.ts'\n    at x")).toBe(
      "Error [ERR_MODULE_NOT_FOUND]: Cannot find module '/app/nope.ts'",
    );
    expect(appErrorSummary('/bin/sh: 1: nonexistent: not found\n')).toBe('/bin/sh: 1: nonexistent: not found');
  });

  it("says what npm said when npx or npm could not run the app, not npm's pointer to its log (a regression)", async () => {
    const canceled = [
      'npm error npx canceled due to missing packages and no YES option: ["tsx@4.23.15"]',
      'npm error A complete log of this run can be found in: /root/.npm/_logs/2026-12-06T22_50_02_522Z-debug-0.log',
    ].join('\n');
    expect(appErrorSummary(canceled)).toBe(
      'npm: npx canceled due to missing packages and no YES option: ["tsx@4.23.15"]',
    );
    // Outside a project, as a user runs it: the real output of npm.
    const outside = mkdtempSync(join(tmpdir(), 'wg-outside-'));
    try {
      const failed = await synthesize({ app: 'npm run synth', cwd: outside }).catch((error: Error) => error);
      expect((failed as Error).message).toMatch(
        /^the app "npm run synth" failed to synthesize \(exit \d+\): npm: .*Could not read package\.json.*\. Fix it and run again/,
      );
      expect((failed as Error).message).not.toMatch(/complete log/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('fails if the app does not synthesize: exactly one line saying what is wrong and what to do, exit 1', async () => {
    const app = 'npx tsx test/cli/fixtures/invalid-app.ts';
    const result = await runBin(['local', '--app', app, '--port', '0', '--state-dir', join(root, 'state')]);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `webhook-gateway local: the app "${app}" failed to synthesize (exit 1): ` +
        `[Invalid/Webhooks] webhook "stripe": eventKey is not valid CEL at 1:23: unexpected character: ')'. Fix the expression; strings are quoted, e.g. 'stripe:' + input.type; ` +
        '[Invalid/Webhooks] route "stripe:*": webhook "strpie" does not exist; known webhooks: stripe. ' +
        "Fix it and run again (WEBHOOK_GATEWAY_DEBUG=1 prints the app's whole output)\n",
    });
  }, 60_000);
});

describe('an app whose gateway has no webhooks yet', () => {
  it('answers 404 for any webhook, with its line', async () => {
    const app = new App({ outdir: join(root, 'empty'), context: { 'aws:cdk:bundling-stacks': [] } });
    new WebhookGateway(new Stack(app, 'Empty'), 'Hooks');
    const assembly = app.synth().directory;
    const gateway = await startGateway(['--app', assembly, '--json', '--port', '0'], {
      stateDir: join(root, 'empty-state'),
    });
    try {
      const answer = await post(`${gateway.url}/webhooks/github`, '{}', { 'content-type': 'application/json' });
      expect(answer.status).toBe(404);
      expect(await gateway.line((l) => l.webhook === 'github')).toMatchObject({
        status: 'rejected',
        reason: 'unknown_webhook',
      });
    } finally {
      await gateway.stop();
    }
  }, 60_000);
});
