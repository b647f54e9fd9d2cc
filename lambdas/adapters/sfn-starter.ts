import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { WorkflowTarget } from '../core/config/webhook';
import type { StartedExecution, WorkflowStarter } from './ports';

/**
 * StartExecution with the deterministic name. For a Standard workflow an execution of that name
 * that already exists (a redelivered message, a sender's retry) is the one this message started:
 * ExecutionAlreadyExists counts as done. While that execution is still running, Step Functions
 * answers a start with the same name and input with success and the same ARN instead, so
 * `alreadyStarted` is false then too (the dispatcher tells the two apart by the ARN already
 * recorded in the history item). Express workflows do not check names: at least once.
 */
export class SfnWorkflowStarter implements WorkflowStarter {
  constructor(private readonly client: SFNClient) {}

  async start(target: WorkflowTarget, name: string, input: string): Promise<StartedExecution> {
    try {
      const result = await this.client.send(new StartExecutionCommand({ stateMachineArn: target.arn, name, input }));
      return { executionArn: result.executionArn!, alreadyStarted: false };
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
      const named = /arn:[^\s'"]+:execution:[^\s'"]+/.exec(error.message)?.[0];
      return { executionArn: named ?? executionArnOf(target.arn, name), alreadyStarted: true };
    }
  }
}

/**
 * The ARN of a Standard execution: `arn:<partition>:states:<region>:<account>:execution:<machine>:<name>`.
 * Version and alias ARNs (`…:stateMachine:<machine>:<qualifier>`) start executions of the machine itself.
 */
export function executionArnOf(stateMachineArn: string, name: string): string {
  const parts = stateMachineArn.split(':');
  if (parts.length < 7 || parts[2] !== 'states' || parts[5] !== 'stateMachine') {
    throw new TypeError(`not a state machine ARN: ${stateMachineArn}`);
  }
  return [...parts.slice(0, 5), 'execution', parts[6], name].join(':');
}
