import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { afterAll, describe, expect, it } from 'vitest';
import { readAssembly } from '../../cli/assembly';
import { failureText, findExecution, shortId } from '../../cli/commands/executions';
import { dataDirOf } from '../../cli/local/data-dir';
import { ExecutionRecords, readExecutionRecords } from '../../cli/local/execution-records';
import { withLocalTaskTokens } from '../../cli/local-waiters';
import { LocalWorkflows } from '../../cli/local-workflows';
import { cli } from './support';

/**
 * Executions as `webhook-gateway executions` shows them: the state an execution failed in and the
 * error (a timed-out task's States.Timeout, caught or not), recorded in full on disk, found by
 * the id the gateway prints.
 */

const root = mkdtempSync(join(tmpdir(), 'wg-executions-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function synthesize() {
  const app = new App({ outdir: join(root, 'cdk.out') });
  const stack = new Stack(app, 'Flows');
  const fn = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async (e) => e'),
  });
  const wait = (id: string) =>
    new tasks.LambdaInvoke(stack, id, {
      lambdaFunction: fn,
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: sfn.TaskInput.fromObject({ token: sfn.JsonPath.taskToken }),
      taskTimeout: sfn.Timeout.duration(Duration.seconds(1)),
    });
  const approval = wait('WaitForApproval');
  approval.addCatch(new sfn.Fail(stack, 'NotApproved', { error: 'NotApproved', cause: 'No approval in time' }), {
    errors: [sfn.Errors.TIMEOUT],
  });
  new sfn.StateMachine(stack, 'Caught', { definitionBody: sfn.DefinitionBody.fromChainable(approval) });
  new sfn.StateMachine(stack, 'Uncaught', {
    definitionBody: sfn.DefinitionBody.fromChainable(wait('WaitAlone')),
  });
  new sfn.StateMachine(stack, 'Recorded', {
    definitionBody: sfn.DefinitionBody.fromChainable(
      new tasks.LambdaInvoke(stack, 'Notify', { lambdaFunction: fn, payloadResponseOnly: true }),
    ),
  });
  app.synth();
  // As the local gateway runs them: $$.Task.Token made readable.
  return withLocalTaskTokens(readAssembly(join(root, 'cdk.out')));
}

describe('local executions', () => {
  const stacks = synthesize();
  const stateDir = join(root, 'state');
  const records = new ExecutionRecords(dataDirOf(stateDir).executions, (text) => {
    throw new Error(text);
  });
  // The wait-for-token tasks never answer (nobody sends the webhook); the plain Lambda task is recorded.
  const workflows = new LocalWorkflows(
    stacks,
    [{ matches: (resource) => resource.endsWith('.waitForTaskToken'), handle: () => new Promise(() => undefined) }],
    records.update,
  );
  const arnOf = (name: string) => workflows.stateMachineArns.find((a) => a.includes(`:stateMachine:${name}`))!;
  const run = async (machine: string, name: string, input: object) => {
    const execution = workflows.start({ stateMachineArn: arnOf(machine), name, input: JSON.stringify(input) });
    await execution.done;
    return execution;
  };

  it('names the state and States.Timeout when a waiting task times out, caught into a Fail state or not', async () => {
    const caught = await run('Caught', 'pr-1', { webhook: 'github', deliveryId: 'd-1' });
    expect(caught).toMatchObject({
      status: 'FAILED',
      error: 'NotApproved',
      cause: 'No approval in time',
      failedState: 'NotApproved',
      caught: [{ state: 'WaitForApproval', error: 'States.Timeout' }],
    });
    expect(failureText(caught)).toBe(
      'FAILED in "NotApproved": NotApproved: No approval in time (after States.Timeout in "WaitForApproval", caught)',
    );

    const uncaught = await run('Uncaught', 'pr-2', { webhook: 'github' });
    expect(uncaught).toMatchObject({ status: 'FAILED', error: 'States.Timeout', failedState: 'WaitAlone', caught: [] });
    expect(failureText(uncaught)).toBe('FAILED in "WaitAlone": States.Timeout');
    expect(failureText(uncaught)).not.toContain('Fail state');
  });

  it('records each execution on disk in full, found by the id the gateway prints; show prints every field', async () => {
    const long = 'x'.repeat(500);
    const execution = await run('Recorded', 'delivery-with-a-long-name-123456', { webhook: 'orders', note: long });
    records.flush();
    const stored = readExecutionRecords(records.dir);
    const record = findExecution(stored, shortId(execution));
    expect(record).toMatchObject({ status: 'SUCCEEDED', name: 'delivery-with-a-long-name-123456' });
    expect(record.tasks).toEqual([
      { state: 'Notify', resource: expect.any(String), input: { webhook: 'orders', note: long } },
    ]);

    const show = await cli('executions', 'show', shortId(execution), '--state-dir', stateDir);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`execution  ${execution.executionArn}`);
    expect(show.stdout).toContain(`"note": "${long}"`);
    expect(show.stdout).toContain('task "Notify"');

    const failed = await cli('executions', 'show', 'pr-1', '--state-dir', stateDir);
    expect(failed.stdout).toMatch(/failed in {2}NotApproved\nerror {6}NotApproved\ncause {6}No approval in time/);
    expect(failed.stdout).toContain('caught     States.Timeout in "WaitForApproval"');

    const list = await cli('executions', 'github', '--json', '--state-dir', stateDir);
    expect(
      list.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { name: string; status: string }),
    ).toEqual([
      expect.objectContaining({ name: 'pr-2', status: 'FAILED', failedState: 'WaitAlone' }),
      expect.objectContaining({ name: 'pr-1', status: 'FAILED', failedState: 'NotApproved' }),
    ]);
  });

  it('fails if an id names no execution, or several', async () => {
    const none = await cli('executions', 'show', 'nothing-like-it', '--state-dir', stateDir);
    expect(none).toMatchObject({ code: 1, stderr: expect.stringContaining('no execution "nothing-like-it"') });
    const several = await cli('executions', 'show', 'pr-', '--state-dir', stateDir);
    expect(several.code).toBe(1);
  });

  it('marks executions an earlier run left RUNNING as ABORTED at the next start', async () => {
    const dir = join(root, 'earlier');
    const before = new ExecutionRecords(dir, () => undefined);
    const flows = new LocalWorkflows(
      stacks,
      [{ matches: (r) => r.endsWith('.waitForTaskToken'), handle: () => new Promise(() => undefined) }],
      before.update,
    );
    // Started, then the process "stops" before the task's timeout.
    flows.start({ stateMachineArn: arnOf('Uncaught'), name: 'interrupted', input: '{}' });
    before.flush();
    expect(readExecutionRecords(dir)).toEqual([expect.objectContaining({ status: 'RUNNING' })]);

    new ExecutionRecords(dir, () => undefined).settleEarlierRuns();
    expect(readExecutionRecords(dir)).toEqual([
      expect.objectContaining({
        name: 'interrupted',
        status: 'ABORTED',
        cause: 'the local gateway stopped while the execution ran',
      }),
    ]);
  });
});
