import { existsSync } from 'node:fs';
import { COMMAND_SPECS, parse, parsePositiveInt, required } from '../args';
import { CliError, UsageError } from '../errors';
import { dataDirOf } from '../local/data-dir';
import { readExecutionRecords, type ExecutionRecord } from '../local/execution-records';
import type { ExecutionStatus } from '../local-workflows';
import { coloursFor, executionLabel, table } from '../output';
import { runningGateway, stateDir } from '../state';
import type { CommandContext } from './context';

const STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

export const EXECUTIONS_HELP = `webhook-gateway executions [webhook] [--status S] [--limit 20] [--json]
webhook-gateway executions show <id> [--json]

The local gateway's workflow executions, newest first: those of the running gateway, and those
kept in the data folder from earlier runs (not with --in-memory). Deployed executions are in the
Step Functions console.

  --status S    ${STATUSES.join(' | ')}
  --limit N     at most N rows (default 20)
  --json        one JSON object per execution (show: the whole record)
  show <id>     everything about one execution: input, output, error, cause, the state it failed
                in, errors caught on the way and the full input of each task not run locally.
                <id> is the execution's name, its ARN or the end of either (as the gateway prints it).`;

export async function executionsCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse(argv, COMMAND_SPECS.executions.options, ['webhook', 'id']);
  if (values.help) return ctx.help(EXECUTIONS_HELP);
  const dir = await executionsDir(stateDir(values['state-dir'], ctx.cwd));
  const records = readExecutionRecords(dir);

  if (positionals[0] === 'show') {
    const record = findExecution(
      records,
      required(positionals, 1, 'the execution: webhook-gateway executions show <id>'),
    );
    ctx.stdout.write(values.json ? `${JSON.stringify(record, null, 2)}\n` : `${describeExecution(record)}\n`);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  const status = values.status?.toUpperCase();
  if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) {
    throw new UsageError(`--status "${values.status}": expected one of ${STATUSES.join(', ')}`);
  }
  const limit = values.limit !== undefined ? parsePositiveInt(values.limit, '--limit', 1000) : 20;
  const webhook = positionals[0];
  const shown = records
    .filter((r) => (webhook === undefined || webhookOf(r) === webhook) && (status === undefined || r.status === status))
    .slice(0, limit);
  if (values.json) {
    for (const r of shown) ctx.stdout.write(`${JSON.stringify(summaryOf(r))}\n`);
    return 0;
  }
  if (shown.length === 0) {
    ctx.stderr.write(
      `no executions${webhook ? ` of "${webhook}"` : ''}${status ? ` with status ${status}` : ''} in ${dir}\n`,
    );
    return 0;
  }
  const paint = coloursFor(ctx.stdout);
  const colour = (s: ExecutionStatus) => (s === 'SUCCEEDED' ? 'green' : s === 'RUNNING' ? 'cyan' : 'red');
  const rows = shown.map((r) => [
    r.startDate.replace('T', ' ').slice(0, 19),
    r.status,
    shortId(r),
    webhookOf(r) ?? '',
    deliveryOf(r) ?? '',
    r.status === 'RUNNING' ? `in "${r.currentState ?? '?'}"` : r.error !== undefined ? failureText(r) : '',
  ]);
  const text = table(['STARTED', 'STATUS', 'ID', 'WEBHOOK', 'DELIVERY', 'STATE / ERROR'], rows, 96);
  const [header, ...lines] = text.split('\n');
  ctx.stdout.write(
    `${header}\n${lines.map((l, i) => l.replace(shown[i]!.status, paint(colour(shown[i]!.status), shown[i]!.status))).join('\n')}\n`,
  );
  return 0;
}

/**
 * The running gateway's executions folder, else the data folder's (executions of earlier runs can
 * be read without a running gateway).
 */
async function executionsDir(dir: string): Promise<string> {
  const running = await runningGateway(dir);
  if (running?.executionsDir) return running.executionsDir;
  const kept = dataDirOf(dir).executions;
  if (existsSync(kept)) return kept;
  throw new CliError(
    `no executions recorded in ${dir}: start the local gateway with \`npm start\` (or \`npx webhook-gateway local\`) in the project directory, or pass --state-dir DIR`,
  );
}

/** `<workflow>:<last 12 characters of the name>`, as the gateway prints an execution (show takes it). */
export const shortId = (r: Pick<ExecutionRecord, 'executionArn' | 'name'>) =>
  `${executionLabel(r.executionArn)}:${r.name.slice(-12)}`;

const deliveryOf = (r: ExecutionRecord) => {
  const id = (r.input as { deliveryId?: unknown } | null)?.deliveryId;
  return typeof id === 'string' ? id : undefined;
};

const webhookOf = (r: ExecutionRecord) => {
  const webhook = (r.input as { webhook?: unknown } | null)?.webhook;
  return typeof webhook === 'string' ? webhook : undefined;
};

/** The execution a name, an ARN or the end of either names; an ambiguous or unknown one fails, naming candidates. */
export function findExecution(records: readonly ExecutionRecord[], id: string): ExecutionRecord {
  const exact = records.find((r) => r.executionArn === id || r.name === id);
  if (exact) return exact;
  // The gateway prints `<workflow>:<last 12 characters of the name>`.
  const [workflow, end] =
    id.includes(':') && !id.startsWith('arn:') ? [id.split(':')[0], id.split(':').pop()!] : [undefined, id];
  const found = records.filter(
    (r) =>
      (workflow === undefined || executionLabel(r.executionArn) === workflow) &&
      (r.name.endsWith(end) || r.executionArn.endsWith(end)),
  );
  if (found.length === 1) return found[0]!;
  if (found.length === 0) throw new CliError(`no execution "${id}": webhook-gateway executions lists them`);
  throw new CliError(
    `"${id}" names ${found.length} executions (${found
      .slice(0, 5)
      .map((r) => r.name)
      .join(', ')}${found.length > 5 ? ', …' : ''}): give more of the name`,
  );
}

/** `FAILED in "NotApproved": NotApproved: No approving review… (after States.Timeout in "WaitForApproval", caught)` */
export function failureText(e: Pick<ExecutionRecord, 'status' | 'error' | 'cause' | 'failedState' | 'caught'>): string {
  const where = e.failedState !== undefined ? ` in "${e.failedState}"` : '';
  const error = e.error ?? 'unknown error';
  const cause = e.cause !== undefined && e.cause !== '' && e.cause !== e.error ? `: ${e.cause}` : '';
  const caught = (e.caught ?? []).map((c) => `${c.error} in "${c.state}"`);
  return `${e.status}${where}: ${error}${cause}${caught.length > 0 ? ` (after ${caught.join(', ')}, caught)` : ''}`;
}

/** One line of `executions --json`: the record without its input, output and tasks (show has them). */
function summaryOf(r: ExecutionRecord) {
  const { input: _input, output: _output, tasks, ...rest } = r;
  return { ...rest, webhook: webhookOf(r) ?? null, tasks: tasks.length };
}

const pretty = (value: unknown) => JSON.stringify(value, null, 2).replace(/\n/g, '\n  ');

/** `executions show`: every field, JSON in full. */
export function describeExecution(r: ExecutionRecord): string {
  const lines = [
    `execution  ${r.executionArn}`,
    `workflow   ${executionLabel(r.executionArn)}`,
    `status     ${r.status}${r.status === 'RUNNING' && r.currentState ? ` (in "${r.currentState}")` : ''}`,
    `started    ${r.startDate}`,
  ];
  if (r.stopDate) lines.push(`stopped    ${r.stopDate}`);
  const webhook = webhookOf(r);
  const deliveryId = deliveryOf(r);
  if (webhook) lines.push(`webhook    ${webhook}${deliveryId !== undefined ? `  delivery ${deliveryId}` : ''}`);
  if (r.error !== undefined || r.failedState !== undefined) {
    lines.push(
      `failed in  ${r.failedState ?? '(unknown state)'}`,
      `error      ${r.error ?? ''}`,
      `cause      ${r.cause ?? ''}`,
    );
  }
  for (const c of r.caught ?? []) lines.push(`caught     ${c.error} in "${c.state}": ${c.cause}`);
  lines.push('', `input\n  ${pretty(r.input)}`);
  if (r.output !== undefined) lines.push('', `output\n  ${pretty(r.output)}`);
  for (const task of r.tasks) {
    lines.push('', `task "${task.state}" (${task.resource}) not run locally, its input\n  ${pretty(task.input)}`);
  }
  return lines.join('\n');
}
