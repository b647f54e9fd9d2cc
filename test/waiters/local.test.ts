import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sign } from '@octokit/webhooks-methods';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookGatewayExampleStack } from '../../bin/example-stack';
import { readAssembly, type AssemblyStack } from '../../cli/assembly';
import { TemplateResolver } from '../../cli/intrinsics';
import {
  isWaiterTask,
  LocalTaskFailure,
  LocalTaskTokens,
  LocalWaiters,
  waiterTableOf,
  withLocalTaskTokens,
} from '../../cli/local-waiters';
import { LocalWorkflows, type LocalExecution } from '../../cli/local-workflows';
import { DynamoDbHistoryStore } from '../../lambdas/adapters/dynamodb-history';
import { DynamoDbWaiterStore } from '../../lambdas/adapters/dynamodb-waiters';
import { S3PayloadStore } from '../../lambdas/adapters/s3-payloads';
import { SfnWorkflowStarter } from '../../lambdas/adapters/sfn-starter';
import type { GatewayConfig } from '../../lambdas/core/config/webhook';
import { createDispatcher } from '../../lambdas/dispatcher/handler';
import { WebhookGateway, WebhookSource } from 'aws-webhook-gateway';
import { drain } from '../support/event-source';
import { PAYLOAD_BUCKET, testGateway, type TestGateway } from '../support/gateway';
import { startLocalAws, type LocalAws } from '../support/local-aws';
import { RecordingTelemetry } from '../support/telemetry';
import { createWaiterTable } from './support';

const SECRET = 'github-example-secret';
const outdirs: string[] = [];
let local: LocalAws;
beforeAll(async () => {
  local = await startLocalAws();
});
afterAll(async () => {
  await local?.stop();
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

function synthesize(build: (app: App) => void): AssemblyStack[] {
  const outdir = mkdtempSync(join(tmpdir(), 'wg-waiters-'));
  outdirs.push(outdir);
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  build(app);
  return readAssembly(app.synth().directory);
}

function gatewayConfigOf(stack: AssemblyStack): GatewayConfig {
  const [, resource] = Object.entries(stack.template.Resources ?? {}).find(
    ([, r]) => r.Type === 'Custom::WebhookGatewayConfig',
  )!;
  const props = new TemplateResolver(stack.template).resolve(resource.Properties) as { Config: string };
  return JSON.parse(props.Config) as GatewayConfig;
}

const until = async (condition: () => boolean | Promise<boolean>, what: string) => {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
};

/**
 * A synthesized app served as the local gateway will serve it: the handlers on dynalite and
 * local-aws-sqs, the state machines in aws-local-stepfunctions with the waiter emulated.
 */
async function localGateway(stacks: AssemblyStack[]) {
  const stack = stacks[0]!;
  const config = gatewayConfigOf(stack);
  const late: { workflows?: LocalWorkflows } = {}; // the fake StartExecution runs after setup
  const gw: TestGateway = await testGateway(local, config, {
    secrets: Object.fromEntries(config.webhooks.map((w) => [w.secrets.default!.secretId, SECRET])),
    run: async (started) => {
      late.workflows!.start({
        stateMachineArn: started.stateMachineArn,
        name: started.name,
        input: JSON.stringify(started.input),
      });
    },
  });
  const history = new DynamoDbHistoryStore(local.dynamodb, gw.resources.historyTable);
  const store = new DynamoDbWaiterStore(local.dynamodb, await createWaiterTable(local));
  const waiters = new LocalWaiters({
    store,
    payloads: new S3PayloadStore(gw.s3.client, PAYLOAD_BUCKET),
    history,
    telemetry: new RecordingTelemetry(),
    clock: gw.clock,
    webhooks: config.webhooks.map((w) => w.name),
  });
  const workflows = (late.workflows = new LocalWorkflows(withLocalTaskTokens(stacks), [waiters.taskHandler]));
  const dispatcher = createDispatcher({
    starter: new SfnWorkflowStarter(gw.sfn.client),
    history,
    telemetry: new RecordingTelemetry(),
    waiters: waiters.ports,
  });
  return {
    gw,
    workflows,
    waiters,
    store,
    dispatch: () => drain(local.sqs, gw.resources.queueUrl, dispatcher),
    arnOf: (prefix: string) => workflows.stateMachineArns.find((a) => a.split(':').pop()!.startsWith(prefix))!,
  };
}

async function github(event: string, body: object, delivery: string) {
  const text = JSON.stringify(body);
  return {
    webhook: 'github',
    body: text,
    headers: {
      'Content-Type': 'application/json',
      'X-GitHub-Event': event,
      'X-GitHub-Delivery': delivery,
      'X-Hub-Signature-256': await sign(SECRET, text),
    },
  };
}

const repository = { full_name: 'octo/repo' };
const opened = (pr: number) => ({ action: 'opened', number: pr, pull_request: { number: pr }, repository });
const reviewed = (pr: number, state = 'approved') => ({
  action: 'submitted',
  review: { state, user: { login: 'octocat' } },
  pull_request: { number: pr },
  repository,
});

describe('the example deployment workflow, run locally', () => {
  let stacks: AssemblyStack[];
  beforeAll(() => {
    stacks = synthesize((app) => new WebhookGatewayExampleStack(app, 'Example'));
  });

  it('waits at WaitForApproval until its own pull request is approved, then deploys', async () => {
    const { gw, workflows, waiters, store, dispatch, arnOf } = await localGateway(stacks);
    expect((await gw.post(await github('pull_request', opened(42), 'pr-42'))).json()).toMatchObject({
      status: 'accepted',
    });
    await dispatch();
    const deploy = workflows.list().find((e) => e.stateMachineArn === arnOf('DeployPullRequest'))!;
    expect(deploy.status).toBe('RUNNING');
    await until(
      async () => (await store.waitersFor('github', 'github:pull_request_review')).length === 1,
      'the waiter',
    );
    const [waiter] = await store.waitersFor('github', 'github:pull_request_review');
    expect(waiter).toMatchObject({ executionArn: deploy.executionArn, values: { pr: 42, repository: 'octo/repo' } });

    await gw.post(await github('pull_request_review', reviewed(7), 'review-7'));
    await gw.post(await github('pull_request_review', reviewed(42, 'commented'), 'review-42-comment'));
    await dispatch();
    expect(deploy.status).toBe('RUNNING');
    expect(waiters.tokens.waiting).toBe(1);

    await gw.post(await github('pull_request_review', reviewed(42), 'review-42'));
    await dispatch();
    await deploy.done;
    expect(deploy.status).toBe('SUCCEEDED');
    expect(deploy.output).toEqual({
      repository: 'octo/repo',
      pr: 42,
      approvedBy: 'octocat',
      approvedAt: gw.clock.now().toISOString(),
    });
    expect(await gw.delivery('github', 'review-42')).toMatchObject({
      status: 'enqueued',
      executions: expect.arrayContaining([deploy.executionArn]),
    });
    expect(await store.waitersFor('github', 'github:pull_request_review')).toEqual([]);
  });

  it('resumes at once from an approval that arrived just before the workflow reached the waiter', async () => {
    const { gw, workflows, dispatch, arnOf } = await localGateway(stacks);
    await gw.post(await github('pull_request_review', reviewed(43), 'early-review'));
    await dispatch();
    const execution: LocalExecution = workflows.start({
      stateMachineArn: arnOf('DeployPullRequest'),
      input: JSON.stringify({ webhook: 'github', scope: 'octo/repo', payload: opened(43) }),
    });
    await execution.done;
    expect(execution).toMatchObject({ status: 'SUCCEEDED', output: { pr: 43, approvedBy: 'octocat' } });
  });
});

describe('a waiter that times out, run locally', () => {
  it('fails the state with States.Timeout, and a later event resumes nothing', async () => {
    const stacks = synthesize((app) => {
      const stack = new Stack(app, 'Short');
      const gateway = new WebhookGateway(stack, 'Webhooks');
      gateway.addWebhook('github', {
        source: WebhookSource.github(),
        eventKey: "'github:' + headers['x-github-event']",
      });
      const wait = gateway.waitForWebhook(stack, 'Wait', {
        webhook: 'github',
        eventKey: 'github:pull_request_review',
        timeout: Duration.seconds(1),
        lookBack: Duration.seconds(0),
      });
      wait.addCatch(new sfn.Pass(stack, 'TimedOut'), { errors: [sfn.Errors.TIMEOUT], resultPath: '$.error' });
      new sfn.StateMachine(stack, 'Short', { definitionBody: sfn.DefinitionBody.fromChainable(wait) });
    });
    const { gw, workflows, waiters, store, dispatch, arnOf } = await localGateway(stacks);
    const execution = workflows.start({ stateMachineArn: arnOf('Short'), input: '{}' });
    await execution.done;
    expect(execution).toMatchObject({ status: 'SUCCEEDED', output: { error: { Error: 'States.Timeout' } } });
    expect(waiters.tokens.waiting).toBe(0);

    await gw.post(await github('pull_request_review', reviewed(1), 'too-late'));
    await dispatch();
    expect(await store.waitersFor('github', 'github:pull_request_review')).toEqual([]);
  });
});

describe('local task tokens', () => {
  it('settle the waiting task once: success with the output, failure with the error name Catch matches', async () => {
    const tokens = new LocalTaskTokens();
    const ok = tokens.issue(60);
    expect(await tokens.succeed(ok.token, '{"a":1}')).toBe('resumed');
    expect(await ok.answered).toEqual({ a: 1 });
    expect(await tokens.succeed(ok.token, '{}')).toBe('gone');

    const failed = tokens.issue(60);
    expect(await tokens.fail(failed.token, 'WebhookGateway.EventTooLarge', 'too big')).toBe('resumed');
    await expect(failed.answered).rejects.toEqual(expect.objectContaining({ name: 'WebhookGateway.EventTooLarge' }));
    await expect(failed.answered).rejects.toBeInstanceOf(LocalTaskFailure);
    expect(await tokens.succeed('never-issued', '{}')).toBe('gone');
  });

  it('are gone after the timeout', async () => {
    const tokens = new LocalTaskTokens();
    const { token } = tokens.issue(0.05);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await tokens.succeed(token, '{}')).toBe('gone');
    expect(tokens.waiting).toBe(0);
  });
});

describe('definitions prepared for aws-local-stepfunctions', () => {
  const stacks = synthesize((app) => new WebhookGatewayExampleStack(app, 'Example'));
  const [prepared] = withLocalTaskTokens(stacks);
  const definitions = Object.values(prepared!.template.Resources!)
    .filter((r) => r.Type === 'AWS::StepFunctions::StateMachine')
    .map((r) => JSON.stringify(r.Properties));

  it('read the execution id where the task token would be, and cap timeouts at what Node can wait', () => {
    expect(definitions.join('')).not.toContain('$$.Task.Token');
    expect(definitions.join('')).toContain('\\"taskToken.$\\":\\"$$.Execution.Id\\"');
    const long = withLocalTaskTokens([
      {
        stackName: 'S',
        nested: {},
        template: {
          Resources: {
            M: {
              Type: 'AWS::StepFunctions::StateMachine',
              Properties: { DefinitionString: '{"TimeoutSeconds":31536000}' },
            },
          },
        },
      },
    ]);
    expect(long[0]!.template.Resources!.M!.Properties!.DefinitionString).toBe('{"TimeoutSeconds":2147483}');
  });

  it("are recognised by the waiter's payload, per gateway by its webhooks", () => {
    const resource = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
    const state = { Type: 'Task', Parameters: { Payload: { kind: 'waitForWebhook', webhook: 'github' } } };
    expect(isWaiterTask(resource, state)).toBe(true);
    expect(isWaiterTask(resource, state, ['github', 'stripe'])).toBe(true);
    expect(isWaiterTask(resource, state, ['gitlab'])).toBe(false);
    expect(isWaiterTask('arn:aws:states:::lambda:invoke', state)).toBe(false);
    expect(isWaiterTask(resource, { Parameters: { Payload: { taskToken: 'x' } } })).toBe(false);
  });

  it('leave the waiter table findable by the gateway history table', () => {
    const template = stacks[0]!.template;
    const history = Object.entries(template.Resources!).find(([id]) => id.startsWith('WebhooksHistoryTable'))![0];
    const waiterTable = waiterTableOf(template, history);
    expect(waiterTable).toMatch(/^WebhooksWaitersTable/);
    expect(template.Resources![waiterTable!]!.Type).toBe('AWS::DynamoDB::Table');
    expect(waiterTableOf(template, 'OtherHistory')).toBeUndefined();
  });
});
