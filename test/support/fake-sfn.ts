import {
  ExecutionAlreadyExists,
  SFNClient,
  StartExecutionCommand,
  type StartExecutionCommandInput,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { executionArnOf } from '../../lambdas/adapters/sfn-starter';
import type { FaultInjector } from './faults';

export interface Started {
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: unknown;
  readonly executionArn: string;
}

/**
 * An SFNClient whose StartExecution behaves as Step Functions documents it for Standard workflows:
 * a name already used on that state machine succeeds again, with the same ARN and start date, while
 * that execution is open and the input is identical; otherwise it fails with ExecutionAlreadyExists.
 * `run` (optional) executes the started workflow, e.g. in aws-local-stepfunctions; the execution is
 * open until `run` settles (without `run`, until `close`). StartExecution calls are `sfn.start` to `faults`.
 */
export function fakeStepFunctions(run?: (started: Started) => Promise<void>, faults?: FaultInjector) {
  const client = new SFNClient({ region: 'us-east-1' });
  const mock = mockClient(client);
  const started: Started[] = [];
  const open = new Map<string, { input: string; startDate: Date }>();
  mock
    .on(StartExecutionCommand)
    .callsFake((input: StartExecutionCommandInput) =>
      faults ? faults.around('sfn', 'sfn.start', () => start(input)) : start(input),
    );
  const start = async (input: StartExecutionCommandInput) => {
    const executionArn = executionArnOf(input.stateMachineArn!, input.name!);
    if (started.some((s) => s.executionArn === executionArn)) {
      const running = open.get(executionArn);
      if (running && running.input === (input.input ?? '{}')) return { executionArn, startDate: running.startDate };
      throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${executionArn}'`, $metadata: {} });
    }
    const entry = {
      stateMachineArn: input.stateMachineArn!,
      name: input.name!,
      input: JSON.parse(input.input ?? '{}'),
      executionArn,
    };
    started.push(entry);
    const startDate = new Date();
    open.set(executionArn, { input: input.input ?? '{}', startDate });
    if (run) {
      try {
        await run(entry);
      } finally {
        open.delete(executionArn);
      }
    }
    return { executionArn, startDate };
  };
  return {
    client,
    mock,
    started,
    /** Ends an execution (it succeeded or failed): its name now fails with ExecutionAlreadyExists. */
    close: (executionArn: string) => open.delete(executionArn),
    inputs: () => mock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input),
  };
}
