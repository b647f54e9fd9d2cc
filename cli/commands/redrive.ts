import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { COMMAND_SPECS, parse, targetOptions } from '../args';
import { CliError } from '../errors';
import { resolveTarget, type Target, type TargetGateway } from '../target';
import type { CommandContext } from './context';

export const REDRIVE_HELP = `webhook-gateway redrive [--gateway ID] [--app | --stack NAME [--region R]]

Moves the dead-letter queue's messages back to the event queue (an SQS message move task) and
waits until they are moved; the dispatcher then starts their workflows (Standard workflows at most
once: execution names are deterministic). On the running local gateway or a deployed stack.
  --gateway ID   only this gateway (its output key prefix), when the stack has several`;

const MOVE_TIMEOUT_MS = 10 * 60_000;

export async function redriveCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { values } = parse(argv, COMMAND_SPECS.redrive.options);
  if (values.help) return ctx.help(REDRIVE_HELP);
  const target = await resolveTarget(targetOptions(values, ctx));
  try {
    const gateways = target.gateways.filter((g) => values.gateway === undefined || g.id === values.gateway);
    if (gateways.length === 0) {
      throw new CliError(
        `no gateway "${values.gateway}" in ${target.label}: it has ${target.gateways.map((g) => g.id).join(', ')}`,
      );
    }
    for (const gateway of gateways) {
      const moved = await redrive(target, gateway, ctx.signal);
      const prefix = target.gateways.length > 1 ? `${gateway.id}: ` : '';
      ctx.stdout.write(
        moved === 0
          ? `${prefix}the dead-letter queue is empty\n`
          : `${prefix}moved ${moved} message(s) from the dead-letter queue back to the queue\n`,
      );
    }
    return 0;
  } finally {
    target.close();
  }
}

async function redrive(target: Target, gateway: TargetGateway, signal: AbortSignal): Promise<number> {
  const attributes = async (url: string) =>
    (
      await target.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages'] }),
      )
    ).Attributes ?? {};
  const dlq = await attributes(gateway.deadLetterQueueUrl);
  const queue = await attributes(gateway.queueUrl);
  if (Number(dlq.ApproximateNumberOfMessages ?? 0) === 0) return 0;
  const started = await target.sqs.send(
    new StartMessageMoveTaskCommand({ SourceArn: dlq.QueueArn!, DestinationArn: queue.QueueArn! }),
  );
  const deadline = Date.now() + MOVE_TIMEOUT_MS;
  while (Date.now() < deadline && !signal.aborted) {
    await new Promise((done) => setTimeout(done, 500));
    const tasks = await target.sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlq.QueueArn!, MaxResults: 10 }));
    const task = tasks.Results?.find((t) => t.TaskHandle === started.TaskHandle) ?? tasks.Results?.[0];
    if (!task || task.Status === 'RUNNING') continue;
    if (task.Status === 'COMPLETED') return Number(task.ApproximateNumberOfMessagesMoved ?? 0);
    throw new CliError(`the message move task ended ${task.Status}: ${task.FailureReason ?? 'no reason given'}`);
  }
  throw new CliError('the message move task is still running: check the dead-letter queue in the SQS console');
}
