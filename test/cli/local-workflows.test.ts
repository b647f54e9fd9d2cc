import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { describe, expect, it } from 'vitest';
import { readAssembly } from '../../cli/assembly';
import { ExecutionAlreadyExistsError, LocalWorkflows, UnknownStateMachineError } from '../../cli/local-workflows';

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
});
