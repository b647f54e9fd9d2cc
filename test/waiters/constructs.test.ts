import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/core/config/environment';
import { WebhookGateway, WebhookSource, type WaitForWebhookOptions } from 'aws-webhook-gateway';
import { gatewayConfig, gatewayFixture, type Json, logicalIdOf, testApp } from '../constructs/helpers';

const github = { source: WebhookSource.github(), eventKey: "'github:' + headers['x-github-event']" };
const approval: WaitForWebhookOptions = {
  webhook: 'github',
  eventKey: 'github:pull_request_review',
  match: "event.payload.review.state == 'approved' && event.payload.pull_request.number == values.pr",
  values: { pr: sfn.JsonPath.numberAt('$.payload.number') },
  timeout: Duration.days(7),
};

/** A gateway with a GitHub webhook and a Standard workflow that waits for an approval. */
function deployment(options: Partial<WaitForWebhookOptions> = {}) {
  const f = gatewayFixture();
  f.gateway.addWebhook('github', github);
  const wait = f.gateway.waitForWebhook(f.stack, 'WaitForApproval', { ...approval, ...options });
  const machine = new sfn.StateMachine(f.stack, 'Deploy', {
    definitionBody: sfn.DefinitionBody.fromChainable(wait.next(new sfn.Succeed(f.stack, 'Deployed'))),
  });
  return { ...f, wait, machine };
}

/** The rendered definition of a state machine, with intrinsics as `<Ref>` / `<GetAtt>`. */
function definitionOf(template: Template, machine: sfn.StateMachine): Json {
  const resource = template.toJSON().Resources[logicalIdOf(machine)];
  const parts = resource.Properties.DefinitionString['Fn::Join'][1] as unknown[];
  return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : `<${Object.keys(p as object)[0]}>`)).join(''));
}

/** Every statement of the policies attached to a role. */
function statementsOf(template: Template, roleLogicalId: string): { Action: string[]; Resource: unknown }[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleLogicalId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement)
    .map((s) => ({ ...s, Action: [s.Action].flat() }));
}

function synthError(build: (gateway: WebhookGateway, stack: Stack) => void): string | undefined {
  const f = gatewayFixture();
  f.gateway.addWebhook('github', github);
  try {
    build(f.gateway, f.stack);
    Template.fromStack(f.stack);
    return undefined;
  } catch (error) {
    return String(error);
  }
}

function inMachine(stack: Stack, state: sfn.TaskStateBase, type = sfn.StateMachineType.STANDARD, id = 'Deploy') {
  return new sfn.StateMachine(stack, id, {
    stateMachineType: type,
    definitionBody: sfn.DefinitionBody.fromChainable(state),
  });
}

describe('waitForWebhook', () => {
  it('is a Task that invokes the registrar alias with .waitForTaskToken, times out, and retries registration', () => {
    const { stack, gateway, machine } = deployment();
    const template = Template.fromStack(stack);
    const state = definitionOf(template, machine).States.WaitForApproval;
    expect(state).toMatchObject({
      Type: 'Task',
      Resource: 'arn:<Ref>:states:::lambda:invoke.waitForTaskToken',
      TimeoutSeconds: 7 * 86400,
      Next: 'Deployed',
      Parameters: {
        FunctionName: '<Ref>',
        Payload: {
          kind: 'waitForWebhook',
          'taskToken.$': '$$.Task.Token',
          waiterId: expect.stringMatching(/^waiter-[0-9a-f]{32}$/),
          name: 'WaitForApproval',
          'executionArn.$': '$$.Execution.Id',
          webhook: 'github',
          eventKey: 'github:pull_request_review',
          match: approval.match,
          values: { 'pr.$': '$.payload.number' },
          timeoutSeconds: 7 * 86400,
          lookBackSeconds: 300,
        },
      },
    });
    expect(state.Retry).toContainEqual({
      ErrorEquals: ['WaiterRegistrationError'],
      IntervalSeconds: 1,
      MaxAttempts: 3,
      BackoffRate: 2,
    });
    const alias = Object.entries(template.findResources('AWS::Lambda::Alias'));
    expect(alias).toHaveLength(1);
    expect(alias[0]![1].Properties).toMatchObject({
      Name: 'live',
      FunctionName: { Ref: logicalIdOf(gateway.waiterFunction!) },
    });
    // The state machine may invoke exactly the alias: no `function:*` wildcard.
    expect(statementsOf(template, logicalIdOf(machine.role))).toEqual([
      expect.objectContaining({ Action: ['lambda:InvokeFunction'], Resource: { Ref: alias[0]![0] } }),
    ]);
  });

  it('passes the state options through and keeps the event where resultPath says', () => {
    const { stack, machine } = deployment({ resultPath: '$.approval', lookBack: Duration.minutes(1), comment: 'c' });
    const state = definitionOf(Template.fromStack(stack), machine).States.WaitForApproval;
    expect(state).toMatchObject({
      ResultPath: '$.approval',
      Comment: 'c',
      Parameters: { Payload: { lookBackSeconds: 60 } },
    });
  });

  it('names the state and selects its input, result and output as the state options say', () => {
    const { stack, machine } = deployment({
      stateName: 'Approval',
      inputPath: '$.deployment',
      outputPath: '$.review',
      resultSelector: { 'review.$': '$.payload.review', source: 'github' },
    });
    const state = definitionOf(Template.fromStack(stack), machine).States.Approval;
    expect(state).toMatchObject({
      InputPath: '$.deployment',
      OutputPath: '$.review',
      ResultSelector: { 'review.$': '$.payload.review', source: 'github' },
      Parameters: { Payload: { name: 'Approval' } },
    });
  });

  it('marks the webhook as waited on, also when the webhook is added after the waiter', () => {
    const f = gatewayFixture();
    const wait = f.gateway.waitForWebhook(f.stack, 'Wait', { ...approval, webhook: 'late' });
    inMachine(f.stack, wait);
    f.gateway.addWebhook('late', github);
    f.gateway.addWebhook('other', github);
    expect(gatewayConfig(f.stack).webhooks.map((w) => [w.name, w.hasWaiters])).toEqual([
      ['late', true],
      ['other', undefined],
    ]);
  });

  it('keeps waiters in an on-demand, KMS-encrypted table with point-in-time recovery and TTL', () => {
    const { stack, gateway } = deployment();
    const table = Template.fromStack(stack).toJSON().Resources[logicalIdOf(gateway.waiterTable!)];
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [logicalIdOf(gateway.encryptionKey), 'Arn'] },
      },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('grants SendTaskSuccess and SendTaskFailure on exactly the state machines that wait, to the registrar and the dispatcher', () => {
    const { stack, gateway, machine } = deployment();
    const second = inMachine(stack, gateway.waitForWebhook(stack, 'WaitAgain', approval), undefined, 'Second');
    new sfn.StateMachine(stack, 'Unrelated', {
      definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'P')),
    });
    const template = Template.fromStack(stack);
    for (const role of [gateway.waiterFunction!.role!, gateway.dispatcherFunction.role!]) {
      const tokens = statementsOf(template, logicalIdOf(role)).filter((s) =>
        s.Action.some((a) => a.startsWith('states:SendTask')),
      );
      expect(tokens).toEqual([
        expect.objectContaining({
          Action: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
          Resource: [{ 'Fn::GetAtt': [logicalIdOf(machine), 'Arn'] }, { 'Fn::GetAtt': [logicalIdOf(second), 'Arn'] }],
        }),
      ]);
    }
    const env = template.toJSON().Resources[logicalIdOf(gateway.dispatcherFunction)].Properties.Environment.Variables;
    expect(env[ENV.waiterTable]).toEqual({ Ref: logicalIdOf(gateway.waiterTable!) });
  });

  it('gives a wait-free gateway no waiter resources', () => {
    const f = gatewayFixture();
    f.gateway.addWebhook('github', github);
    const template = Template.fromStack(f.stack);
    expect(f.gateway.waiterTable).toBeUndefined();
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    template.resourceCountIs('AWS::Lambda::Alias', 0);
  });

  it('grants a state machine in another stack from that stack, so that stacks depend one way', () => {
    const app = testApp();
    const gatewayStack = new Stack(app, 'Gateway');
    const gateway = new WebhookGateway(gatewayStack, 'Webhooks');
    gateway.addWebhook('github', github);
    const workflows = new Stack(app, 'Workflows');
    const machine = inMachine(workflows, gateway.waitForWebhook(workflows, 'Wait', approval));
    const template = Template.fromStack(workflows);
    const [policy] = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p).includes('states:SendTaskSuccess'),
    );
    expect(policy!.Properties.PolicyDocument.Statement[0].Resource).toEqual({
      'Fn::GetAtt': [logicalIdOf(machine), 'Arn'],
    });
    expect(workflows.dependencies.map((s) => s.stackName)).toEqual(['Gateway']);
    expect(gatewayStack.dependencies).toEqual([]);
    // Only the example state machine's own choices (no logging, no X-Ray) are findings.
    const findings = new AwsSolutionsChecks(app).validateScope(app).violations;
    expect(findings.map((v) => [v.ruleName, v.violatingResources.map((r) => r.constructPath)])).toEqual([
      ['AwsSolutions-SF1', ['Workflows/Deploy/Resource']],
      ['AwsSolutions-SF2', ['Workflows/Deploy/Resource']],
    ]);
  });
});

describe('grantResume', () => {
  /** The SendTask* resources granted to the registrar and dispatcher, across the app's templates. */
  function resumable(stacks: Stack[], gateway: WebhookGateway): unknown[] {
    const roles = [gateway.waiterFunction!.role!, gateway.dispatcherFunction.role!].map((r) => logicalIdOf(r));
    const policies = stacks.flatMap((s) => Object.values(Template.fromStack(s).findResources('AWS::IAM::Policy')));
    const granted = policies
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(roles[0]!))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((st: Json) => [st.Action].flat().includes('states:SendTaskSuccess'));
    for (const p of policies.filter((p) => JSON.stringify(p).includes('states:SendTaskSuccess')))
      expect(JSON.stringify(p.Properties.Roles)).toContain(roles[1]!);
    return granted.flatMap((st: Json) => [st.Resource].flat());
  }

  it('fails if a state machine uses a waiter ungranted with autoGrantResume false, naming it and the fix', () => {
    const f = gatewayFixture({ autoGrantResume: false });
    f.gateway.addWebhook('github', github);
    inMachine(f.stack, f.gateway.waitForWebhook(f.stack, 'WaitForApproval', approval));
    expect(() => Template.fromStack(f.stack)).toThrow(
      /waitForWebhook "WaitForApproval": state machine "Test\/Deploy" uses the waiter but the gateway may not resume it: call gateway.grantResume\(stateMachine\)/,
    );
  });

  it('grants exactly the state machines given, with autoGrantResume false', () => {
    const f = gatewayFixture({ autoGrantResume: false });
    f.gateway.addWebhook('github', github);
    const machine = inMachine(f.stack, f.gateway.waitForWebhook(f.stack, 'WaitForApproval', approval));
    new sfn.StateMachine(f.stack, 'Unrelated', {
      definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(f.stack, 'P')),
    });
    f.gateway.grantResume(machine);
    f.gateway.grantResume(machine);
    expect(resumable([f.stack], f.gateway)).toEqual([{ 'Fn::GetAtt': [logicalIdOf(machine), 'Arn'] }]);
  });

  it('returns an iam.Grant like aws-cdk-lib grants: the statement it added, and the same grant again', () => {
    const f = gatewayFixture({ autoGrantResume: false });
    f.gateway.addWebhook('github', github);
    const machine = inMachine(f.stack, f.gateway.waitForWebhook(f.stack, 'WaitForApproval', approval));
    const grant = f.gateway.grantResume(machine);
    expect(grant.success).toBe(true);
    expect(f.stack.resolve(grant.principalStatements.map((st) => st.toStatementJson()))).toEqual([
      {
        Action: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalIdOf(machine), 'Arn'] },
      },
    ]);
    expect(f.gateway.grantResume(machine)).toBe(grant);
    // applyBefore orders a construct after the policy that holds the grant.
    const after = new sfn.Pass(f.stack, 'After');
    grant.applyBefore(after);
    expect(after.node.dependencies.map((d) => d.node.path)).toEqual([
      expect.stringMatching(/^Test\/Webhooks\/Waiters\/TaskResponses/),
    ]);
  });

  it('grants an imported state machine by its ARN', () => {
    const f = gatewayFixture({ autoGrantResume: false });
    f.gateway.addWebhook('github', github);
    const arn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Deploy';
    f.gateway.grantResume(sfn.StateMachine.fromStateMachineArn(f.stack, 'Imported', arn));
    expect(resumable([f.stack], f.gateway)).toEqual([arn]);
  });

  it('is needed, by default too, for a state machine outside the stack of the waitForWebhook scope', () => {
    const build = (grant: boolean) => {
      const app = testApp();
      const gatewayStack = new Stack(app, 'Gateway');
      const gateway = new WebhookGateway(gatewayStack, 'Webhooks');
      gateway.addWebhook('github', github);
      const states = new Stack(app, 'States');
      const wait = gateway.waitForWebhook(states, 'Wait', approval);
      const workflows = new Stack(app, 'Workflows');
      const machine = inMachine(workflows, wait);
      if (grant) gateway.grantResume(machine);
      return { app, gateway, workflows, machine };
    };
    const ungranted = build(false);
    expect(() => ungranted.app.synth()).toThrow(/state machine "Workflows\/Deploy" uses the waiter/);
    const granted = build(true);
    expect(resumable([granted.workflows], granted.gateway)).toEqual([
      { 'Fn::GetAtt': [logicalIdOf(granted.machine), 'Arn'] },
    ]);
  });

  it('fails if the granted state machine is an Express workflow', () => {
    const f = gatewayFixture({ autoGrantResume: false });
    f.gateway.addWebhook('github', github);
    const wait = f.gateway.waitForWebhook(f.stack, 'W', approval);
    f.gateway.grantResume(inMachine(f.stack, wait, sfn.StateMachineType.EXPRESS));
    expect(() => Template.fromStack(f.stack)).toThrow(
      /waitForWebhook "W": state machine "Test\/Deploy" is an EXPRESS workflow/,
    );
  });
});

describe('waitForWebhook at synth', () => {
  it('fails if the state machine is an Express workflow, naming it and the waiter', () => {
    expect(
      synthError((g, s) =>
        inMachine(s, g.waitForWebhook(s, 'WaitForApproval', approval), sfn.StateMachineType.EXPRESS),
      ),
    ).toMatch(
      /waitForWebhook "WaitForApproval": state machine "Test\/Deploy" is an EXPRESS workflow; waiters need a STANDARD workflow/,
    );
  });

  it('fails if the webhook does not exist', () => {
    expect(synthError((g, s) => inMachine(s, g.waitForWebhook(s, 'W', { ...approval, webhook: 'gitlab' })))).toMatch(
      /waitForWebhook "W": webhook "gitlab" does not exist; known webhooks: github/,
    );
  });

  it('fails if match is not CEL yielding bool, naming the position and the variables', () => {
    const wait = (match: string) => (g: WebhookGateway, s: Stack) =>
      inMachine(s, g.waitForWebhook(s, 'W', { ...approval, match }));
    expect(synthError(wait("event.payload.review.state == 'approved' &&"))).toMatch(
      /waitForWebhook "W": match is not valid CEL at 1:\d+: /,
    );
    expect(synthError(wait('event.payload.review.state'))).toBeUndefined(); // dyn: checked at run time
    expect(synthError(wait("'approved'"))).toMatch(/waitForWebhook "W": match must return bool, got string/);
    expect(synthError(wait('input.review.state == "approved"'))).toMatch(
      /match does not type-check at 1:1: .*Variables: event, values/,
    );
  });

  it('fails if the timeout, look-back or event key are out of bounds', () => {
    const wait = (o: Partial<WaitForWebhookOptions>) => (g: WebhookGateway, s: Stack) =>
      inMachine(s, g.waitForWebhook(s, 'W', { ...approval, ...o }));
    expect(synthError(wait({ timeout: Duration.days(366) }))).toMatch(
      /timeout 31622400 seconds must be a whole number of seconds from 1 to 31536000/,
    );
    expect(synthError(wait({ timeout: Duration.millis(1500) }))).toMatch(/timeout 1.5 seconds/);
    expect(synthError(wait({ lookBack: Duration.hours(2) }))).toMatch(
      /lookBack 7200 seconds must be .* from 0 to 3600/,
    );
    expect(synthError(wait({ eventKey: ' ' }))).toMatch(/waitForWebhook "W": eventKey is empty/);
    expect(synthError(wait({ timeout: Duration.days(365), lookBack: Duration.seconds(0) }))).toBeUndefined();
  });
});

describe('the registrar bundle', () => {
  const TMP = resolve('test/.tmp');
  mkdirSync(TMP, { recursive: true });
  const outdir = mkdtempSync(join(TMP, 'waiter-bundle-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('is an ES module that loads in Node and exports handler', () => {
    const app = new App({
      outdir,
      builtinCloudFormationValidation: false,
      context: { 'aws:cdk:enable-asset-metadata': true },
    });
    const stack = new Stack(app, 'Bundled');
    const gateway = new WebhookGateway(stack, 'Webhooks');
    gateway.addWebhook('github', github);
    inMachine(stack, gateway.waitForWebhook(stack, 'Wait', approval));
    const template = app.synth().getStackByName('Bundled').template as { Resources: Record<string, Json> };
    const resource = template.Resources[logicalIdOf(gateway.waiterFunction!)];
    const bundle = join(outdir, resource.Metadata['aws:asset:path'], 'index.mjs');
    expect(existsSync(bundle)).toBe(true);
    const env = { [ENV.waiterTable]: 'waiters', [ENV.historyTable]: 'history', [ENV.payloadBucket]: 'payloads' };
    const probe = `import(${JSON.stringify(pathToFileURL(bundle).href)}).then((m) => console.log(typeof m.handler))`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', probe], {
      env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', ...env },
      encoding: 'utf8',
    });
    expect(output.trim()).toBe('function');
  });
});
