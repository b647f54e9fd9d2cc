import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { COMMAND_SPECS } from '../../cli/args';
import { bashCompletion, zshCompletion } from '../../cli/completion';
import { COMMANDS } from '../../cli/main';
import { cli } from './support';

/** What the generated completion function offers for a command line (the cursor at its end), run by bash itself. */
function complete(line: string, fakeCli = 'printf "github\\nstripe\\n"'): string[] {
  const words = line.split(' ');
  const script = [
    // The CLI the function calls back (webhook names, event types): a stand-in, so that bash alone runs here.
    `webhook-gateway() { ${fakeCli}; }`,
    bashCompletion(),
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
    `COMP_CWORD=${words.length - 1}`,
    '_webhook_gateway',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  return execFileSync('bash', ['-c', script], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

describe('webhook-gateway completion', () => {
  it('has an entry in the command table for every command, and every command accepts the options it lists', async () => {
    expect(Object.keys(COMMAND_SPECS).sort()).toEqual(Object.keys(COMMANDS).sort());
    for (const [command, spec] of Object.entries(COMMAND_SPECS)) {
      for (const [option, { type }] of Object.entries(spec.options as Record<string, { type: string }>)) {
        const result = await cli(command, `--${option}`, ...(type === 'string' ? ['x'] : []), '--help');
        expect({ command, option, code: result.code, stderr: result.stderr }).toEqual({
          command,
          option,
          code: 0,
          stderr: '',
        });
      }
    }
  });

  it('bash: commands, options, secret actions, webhooks, sample events and files, as compgen offers them', () => {
    expect(complete('webhook-gateway se')).toEqual(['send', 'secret']);
    expect(complete('webhook-gateway send --ev')).toEqual(['--event']);
    expect(complete('webhook-gateway replay --')).toEqual(
      expect.arrayContaining(['--stack', '--no-wait', '--json', '--state-dir']),
    );
    expect(complete('webhook-gateway secret r')).toEqual(['rotate']);
    expect(complete('webhook-gateway secret rotate --expire 24h g')).toEqual(['github']);
    expect(complete('webhook-gateway send s')).toEqual(['stripe']);
    expect(
      complete('webhook-gateway send github --event pull', 'printf "push\\npull_request\\npull_request_review\\n"'),
    ).toEqual(['pull_request', 'pull_request_review']);
    expect(complete('webhook-gateway send github --file package.js')).toEqual(['package.json']);
    expect(complete('webhook-gateway completion z')).toEqual(['zsh']);
    expect(complete('webhook-gateway redrive x')).toEqual([]);
  });

  it('zsh: the same function through bashcompinit; the command prints each, and fails for another shell', async () => {
    expect(zshCompletion()).toMatch(
      /^#compdef webhook-gateway\n#[^\n]*\nautoload -U \+X bashcompinit && bashcompinit\n/,
    );
    expect((await cli('completion', 'bash')).stdout).toBe(bashCompletion());
    expect(await cli('completion', 'fish')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'webhook-gateway completion: unknown shell "fish": use bash or zsh\n',
    });
  });
});
