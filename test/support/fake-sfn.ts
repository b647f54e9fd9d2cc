import {
  ExecutionAlreadyExists,
  SFNClient,
  StartExecutionCommand,
  type StartExecutionCommandInput,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { executionArnOf } from '../../lambdas/adapters/sfn-starter';

export interface Started {
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: unknown;
  readonly executionArn: string;
}

/**
 * An SFNClient whose StartExecution behaves as Step Functions does for Standard workflows: a name
 * already used on that state machine fails with ExecutionAlreadyExists. `run` (optional) executes
 * the started workflow, e.g. in aws-local-stepfunctions.
 */
export function fakeStepFunctions(run?: (started: Started) => Promise<void>) {
  const client = new SFNClient({ region: 'us-east-1' });
  const mock = mockClient(client);
  const started: Started[] = [];
  mock.on(StartExecutionCommand).callsFake(async (input: StartExecutionCommandInput) => {
    const executionArn = executionArnOf(input.stateMachineArn!, input.name!);
    if (started.some((s) => s.executionArn === executionArn)) {
      throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${executionArn}'`, $metadata: {} });
    }
    const entry = {
      stateMachineArn: input.stateMachineArn!,
      name: input.name!,
      input: JSON.parse(input.input ?? '{}'),
      executionArn,
    };
    started.push(entry);
    if (run) await run(entry);
    return { executionArn, startDate: new Date() };
  });
  return {
    client,
    mock,
    started,
    inputs: () => mock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input),
  };
}
