import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  TaskDoesNotExist,
  TaskTimedOut,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { TaskAnswer, TaskTokens } from './ports';

/**
 * SendTaskSuccess / SendTaskFailure. A token Step Functions no longer waits on — the task timed
 * out, its execution stopped, or it was answered already — is `gone`, not an error.
 */
export class SfnTaskTokens implements TaskTokens {
  constructor(private readonly client: SFNClient) {}

  async succeed(taskToken: string, output: string): Promise<TaskAnswer> {
    return this.answer(() => this.client.send(new SendTaskSuccessCommand({ taskToken, output })));
  }

  async fail(taskToken: string, error: string, cause: string): Promise<TaskAnswer> {
    return this.answer(() => this.client.send(new SendTaskFailureCommand({ taskToken, error, cause })));
  }

  private async answer(send: () => Promise<unknown>): Promise<TaskAnswer> {
    try {
      await send();
      return 'resumed';
    } catch (error) {
      if (error instanceof TaskTimedOut || error instanceof TaskDoesNotExist || error instanceof InvalidToken) {
        return 'gone';
      }
      throw error;
    }
  }
}
