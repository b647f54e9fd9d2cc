import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { describe, expect, it, vi } from 'vitest';
import type * as LocalStepFunctions from 'aws-local-stepfunctions';
import { readAssembly } from '../../cli/assembly';
import { ExecutionAlreadyExistsError, LocalWorkflows, UnknownStateMachineError } from '../../cli/local-workflows';

// Counts the state machines built (each build validates the whole definition: 0.1–0.2 s of CPU).
const built = vi.hoisted(() => ({ count: 0 }));
vi.mock('aws-local-stepfunctions', async (original) => {
  const module = await original<typeof LocalStepFunctions>();
  class CountedStateMachine extends module.StateMachine {
    constructor(...args: ConstructorParameters<typeof module.StateMachine>) {
      super(...args);
      built.count++;
    }
  }
  return { ...module, StateMachine: CountedStateMachine };
});

function synthesizeWorkflowApp() {
  const outdir = mkdtempSync(join(tmpdir(), 'wg-test-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'Workflows');
  const fn = new lambda.Function(stack, 'Notify', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async (e) => e'),
  });
  const definition = new sfn.Pass(stack, 'Pick', {
    parameters: { 'amount.$': '$.payload.amount', 'id.$': '$.deliveryId' },
  })
    .next(new tasks.LambdaInvoke(stack, 'Call notifier', { lambdaFunction: fn, payloadResponseOnly: true }))
    .next(
      new sfn.Choice(stack, 'Big?')
        .when(
          sfn.Condition.numberGreaterThan('$.amount', 1000),
          new sfn.Pass(stack, 'Big', { result: sfn.Result.fromString('big'), resultPath: '$.size' }),
        )
        .otherwise(new sfn.Pass(stack, 'Small', { result: sfn.Result.fromString('small'), resultPath: '$.size' })),
    );
  new sfn.StateMachine(stack, 'Payments', { definitionBody: sfn.DefinitionBody.fromChainable(definition) });
  app.synth();
  return readAssembly(outdir);
}

describe('LocalWorkflows', () => {
  const stacks = synthesizeWorkflowApp();
  const arn = 'arn:aws:states:us-east-1:000000000000:stateMachine:PaymentsB6C4A4EC';

  it('runs a synthesized definition, recording Task states it cannot run with their input', async () => {
    const workflows = new LocalWorkflows(stacks);
    expect(workflows.stateMachineArns).toEqual([expect.stringMatching(/:stateMachine:Payments/)]);
    const smArn = workflows.stateMachineArns[0]!;
    const execution = workflows.start({
      stateMachineArn: smArn,
      name: 'e1',
      input: JSON.stringify({ deliveryId: 'd1', payload: { amount: 5000 } }),
    });
    await execution.done;
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toEqual({ amount: 5000, id: 'd1', size: 'big' });
    expect(execution.tasks).toEqual([
      { state: 'Call notifier', resource: expect.stringContaining('lambda'), input: { amount: 5000, id: 'd1' } },
    ]);
    expect(execution.executionArn).toBe(smArn.replace(':stateMachine:', ':execution:') + ':e1');
  });

  it('fails if an execution name is reused, as Standard workflows do', () => {
    const workflows = new LocalWorkflows(stacks);
    const smArn = workflows.stateMachineArns[0]!;
    workflows.start({ stateMachineArn: smArn, name: 'same', input: '{"payload":{"amount":1}}' });
    expect(() => workflows.start({ stateMachineArn: smArn, name: 'same', input: '{}' })).toThrow(
      ExecutionAlreadyExistsError,
    );
  });

  it('fails if the state machine is not in the app', () => {
    expect(() => new LocalWorkflows(stacks).start({ stateMachineArn: arn + 'x', input: '{}' })).toThrow(
      UnknownStateMachineError,
    );
  });

  it('lets a local handler provide a task', async () => {
    const workflows = new LocalWorkflows(stacks, [
      {
        matches: (resource) => resource.includes('lambda'),
        handle: (input) => ({ ...(input as object), handled: true }),
      },
    ]);
    const execution = workflows.start({
      stateMachineArn: workflows.stateMachineArns[0]!,
      input: '{"deliveryId":"x","payload":{"amount":3}}',
    });
    await execution.done;
    expect(execution.output).toEqual({ amount: 3, id: 'x', handled: true, size: 'small' });
    expect(execution.tasks).toEqual([]);
  });

  it('builds (and validates) each state machine once, and runs concurrent executions on it independently', async () => {
    const workflows = new LocalWorkflows(stacks);
    const smArn = workflows.stateMachineArns[0]!;
    const before = built.count;
    const executions = [5000, 3, 2000].map((amount, i) =>
      workflows.start({
        stateMachineArn: smArn,
        name: `c${i}`,
        input: JSON.stringify({ deliveryId: `d${i}`, payload: { amount } }),
      }),
    );
    await Promise.all(executions.map((e) => e.done));
    expect(executions.map((e) => e.output)).toEqual([
      { amount: 5000, id: 'd0', size: 'big' },
      { amount: 3, id: 'd1', size: 'small' },
      { amount: 2000, id: 'd2', size: 'big' },
    ]);
    expect(built.count - before).toBe(1);
    // A new synth: the next execution runs the new definition, built once more.
    workflows.load(stacks);
    await workflows.start({ stateMachineArn: smArn, input: '{"deliveryId":"n","payload":{"amount":1}}' }).done;
    expect(built.count - before).toBe(2);
  });
});
