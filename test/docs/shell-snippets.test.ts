import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_SPECS, parse, targetOptions } from '../../cli/args';
import { cli, startGateway, type GatewayProcess } from '../cli/support';
import { codeBlocks, markdownPages } from '../support/markdown';

/**
 * Every `webhook-gateway` command line in the shell blocks of the README and docs/*.md runs as
 * written. Against the example app's local gateway (started as `npm start` starts it), each one
 * runs and exits 0. Those that need AWS (`--stack`) and those that start the gateway itself
 * (`local`, `npm start`) are parsed only: the command's own option table and target rules, as
 * the command parses them. The one substitution: a delivery id in a `replay` line is an example
 * copied from `history`, so the test replays the delivery its page's previous `send` got.
 */
const root = resolve(__dirname, '../..');

interface Example {
  readonly page: string;
  readonly line: number;
  readonly argv: readonly string[];
}

/** Shell words, with '…' and "…" quoting (all the docs use). */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

function examples(): Example[] {
  return markdownPages(root).flatMap((page) =>
    codeBlocks(readFileSync(join(root, page), 'utf8'))
      .filter((b) => ['sh', 'bash', 'shell'].includes(b.info))
      .flatMap((b) =>
        b.code.split('\n').flatMap((text, i) => {
          const command = /(?:^|<\()\s*(npx webhook-gateway [^)#]*|npm start\b[^#&]*)/.exec(text.replace(/\s+#.*$/, ''))?.[1];
          // The synopsis of the page's top (`<command> [options]`) is not an example.
          if (command === undefined || command.includes('<command>')) return [];
          const argv = command.startsWith('npm start')
            ? [...startScript(), ...words(command).slice(3)] // `npm start -- --port 8788`
            : words(command).slice(2);
          return [{ page, line: b.line + i, argv }];
        }),
      ),
  );
}

/** What `npm start` runs: package.json's start script, after `node bin/webhook-gateway.js`. */
function startScript(): string[] {
  const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts
    .start;
  expect(start).toMatch(/^node bin\/webhook-gateway\.js /);
  return words(start).slice(2);
}

/** Commands whose positionals are not all required: `secret get <webhook>`; listen's webhooks default to all. */
const REQUIRED_POSITIONALS: Readonly<Record<string, number>> = { secret: 2, listen: 0, executions: 0 };

/** Parses a command line as its command does, without running it. */
function dryParse(argv: readonly string[]): void {
  const [command, ...rest] = argv;
  const spec = (COMMAND_SPECS as Record<string, { options: object; positionals?: readonly unknown[] }>)[command!];
  expect(spec, `no command "${command}"`).toBeDefined();
  const names = (spec!.positionals ?? []).map((_, i) => `arg${i}`);
  const { values, positionals } = parse(rest, spec!.options as never, names);
  const required = REQUIRED_POSITIONALS[command!] ?? names.length;
  expect(positionals.length).toBeGreaterThanOrEqual(required);
  targetOptions(values as never, { cwd: root, signal: new AbortController().signal });
}

const all = examples();
const needsAws = (e: Example) => e.argv.includes('--stack');
const startsGateway = (e: Example) => e.argv[0] === 'local';

let gateway: GatewayProcess;
let stateDir: string;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'wg-docs-'));
  gateway = await startGateway([...startScript().slice(1), '--json', '--port', '0'], { stateDir });
}, 180_000);

afterAll(async () => {
  await gateway?.stop('SIGKILL');
  rmSync(stateDir, { recursive: true, force: true });
});

async function newestExecution(): Promise<string> {
  const listed = await cli('executions', '--json', '--limit', '1', '--state-dir', stateDir);
  const arn = (JSON.parse(listed.stdout.split("\n")[0]!) as { executionArn: string }).executionArn;
  expect(arn).toMatch(/^arn:aws:states:/);
  return arn;
}

describe('the shell examples of the docs', () => {
  it('are found: the quick start, send, test, history, replay, secret, doctor, completion', () => {
    const commands = new Set(all.map((e) => e.argv[0]));
    for (const c of ['local', 'send', 'test', 'history', 'replay', 'secret', 'doctor', 'completion']) {
      expect(commands).toContain(c);
    }
  });

  it.each(all.filter((e) => needsAws(e) || startsGateway(e)).map((e) => [`${e.page}:${e.line}`, e] as const))(
    '%s parses (it needs AWS, or starts the gateway)',
    (_where, example) => dryParse(example.argv),
  );

  it('run against the local gateway as written, each exiting 0', async () => {
    const lastSend = new Map<string, string>();
    for (const example of all.filter((e) => !needsAws(e) && !startsGateway(e))) {
      let argv = [...example.argv];
      // Ids in the docs are examples: replay the page's last delivery, show the newest execution.
      if (argv[0] === 'replay') argv[2] = lastSend.get(example.page)!;
      if (argv[0] === 'executions' && argv[1] === 'show') argv[2] = await newestExecution();
      const result = await cli(...argv, '--state-dir', stateDir);
      expect({ where: `${example.page}:${example.line}`, argv, code: result.code, stderr: result.stderr }).toMatchObject({
        code: 0,
      });
      const sent = /^202 (\{.*\})$/m.exec(result.stdout)?.[1];
      if (argv[0] === 'send' && sent) lastSend.set(example.page, (JSON.parse(sent) as { id: string }).id);
      argv = [];
    }
  }, 240_000);
});
