import { completionCommand } from './commands/completion';
import { doctorCommand } from './commands/doctor';
import { executionsCommand } from './commands/executions';
import { historyCommand } from './commands/history';
import { listenCommand } from './commands/listen';
import { localCommand } from './commands/local';
import { redriveCommand } from './commands/redrive';
import { replayCommand } from './commands/replay';
import { secretCommand } from './commands/secret';
import { sendCommand } from './commands/send';
import { testCommand } from './commands/test';
import type { CommandContext } from './commands/context';
import { describeFailure, EXIT, UsageError } from './errors';
import { didYouMean } from './suggest';

export const HELP = `webhook-gateway — run, test and operate a webhook gateway, locally or deployed

Usage: webhook-gateway <command> [options]   (webhook-gateway <command> --help for its options)

  local                     serve the app's webhooks on http://127.0.0.1:8787 (what npm start runs)
  send <webhook>            sign a request as the provider does and send it (sample event by default)
  test <webhook>            dry run: event key, scope, filter, payload and routes, without signatures
  history <webhook>         deliveries from the history table
  replay <webhook> <id>     re-enqueue a recorded delivery
  secret get|set|rotate <webhook>   show, write or rotate a webhook's secret
  listen --stack NAME [webhook...]   forward the deployed stack's new deliveries into the local gateway
  executions [webhook]      the local gateway's workflow executions; executions show <id> prints one in full
  redrive                   move the dead-letter queue's messages back to the queue
  doctor                    check the gateway end to end, with a fix for each failure (after cdk deploy:
                            doctor --stack NAME; --send <webhook> adds a test delivery)
  completion bash|zsh       a shell completion script: source <(webhook-gateway completion bash)

send, test, history, replay, secret, redrive and doctor work on the running local gateway (or
--app), or on a deployed stack with --stack NAME [--region R] (its outputs name the tables and queues).
Options for every command: --state-dir DIR (default .webhook-gateway/ next to cdk.json).
Exit codes: 0 done, 1 failed (the message says what to do), 2 wrong usage.`;

type Command = (argv: readonly string[], ctx: CommandContext) => Promise<number>;

export const COMMANDS: Readonly<Record<string, Command>> = {
  local: localCommand,
  send: sendCommand,
  test: testCommand,
  history: historyCommand,
  replay: replayCommand,
  secret: secretCommand,
  listen: listenCommand,
  redrive: redriveCommand,
  doctor: doctorCommand,
  executions: executionsCommand,
  completion: completionCommand,
};

/** Runs one command line; returns the exit code. Failures are one line on stderr. */
export async function main(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      ctx.stdout.write(`${HELP}\n`);
      return name === undefined ? EXIT.usage : EXIT.ok;
    }
    if (name === '--version' || name === 'version') {
      ctx.stdout.write('webhook-gateway 0.1.0\n');
      return EXIT.ok;
    }
    const command = COMMANDS[name];
    if (!command) {
      throw new UsageError(
        `unknown command "${name}"${didYouMean(name, Object.keys(COMMANDS))}: run webhook-gateway --help`,
      );
    }
    return await command(rest, ctx);
  } catch (error) {
    if (ctx.signal.aborted) return EXIT.interrupted;
    const code = (error as { exitCode?: number }).exitCode ?? EXIT.failure;
    ctx.stderr.write(`webhook-gateway${name && COMMANDS[name] ? ` ${name}` : ''}: ${describeFailure(error)}\n`);
    if (process.env.WEBHOOK_GATEWAY_DEBUG && error instanceof Error) {
      const output = (error as { output?: unknown }).output;
      ctx.stderr.write(`${error.stack}\n${typeof output === 'string' ? output : ''}`);
    }
    return code;
  }
}
