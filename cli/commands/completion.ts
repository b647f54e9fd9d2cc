import { COMMAND_SPECS, parse } from '../args';
import { bashCompletion, zshCompletion } from '../completion';
import { UsageError } from '../errors';
import { runningGateway, stateDir } from '../state';
import { didYouMean } from '../suggest';
import type { CommandContext } from './context';

export const COMPLETION_HELP = `webhook-gateway completion bash|zsh

Prints a shell completion script for commands, options, secret actions, file names, the running
local gateway's webhooks and their sample event types (--event). Load it in your shell's startup file:
  bash (~/.bashrc):  source <(webhook-gateway completion bash)
  zsh  (~/.zshrc):   source <(webhook-gateway completion zsh)`;

export async function completionCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse(argv, { ...COMMAND_SPECS.completion.options, webhooks: { type: 'boolean' } }, [
    'shell',
  ]);
  if (values.help) return ctx.help(COMPLETION_HELP);
  if (values.webhooks) {
    // What the completion function asks for: the running local gateway's webhooks (nothing else is fast).
    const state = await runningGateway(stateDir(values['state-dir'], ctx.cwd));
    const names = state?.gateways.flatMap((g) => g.config.webhooks.map((w) => w.name)) ?? [];
    if (names.length > 0) ctx.stdout.write(`${names.join('\n')}\n`);
    return 0;
  }
  const shell = positionals[0];
  if (shell === 'bash') ctx.stdout.write(bashCompletion());
  else if (shell === 'zsh') ctx.stdout.write(zshCompletion());
  else
    throw new UsageError(
      shell === undefined
        ? 'missing the shell: webhook-gateway completion bash|zsh'
        : `unknown shell "${shell}"${didYouMean(shell, ['bash', 'zsh'])}: use bash or zsh`,
    );
  return 0;
}
