import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { SourceOptions } from './config-source';
import { UsageError } from './errors';
import type { RequestOptions } from './signed-delivery';
import { stateDir } from './state';
import { closest } from './suggest';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Options every command takes. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  'state-dir': { type: 'string' },
} as const satisfies Options;

/** Where a command finds the gateway: the local app (`--app`) or a deployed stack (`--stack`, `--region`). */
export const TARGET_OPTIONS = {
  app: { type: 'string' },
  stack: { type: 'string' },
  region: { type: 'string' },
} as const satisfies Options;

/** The values of TARGET_OPTIONS and `--state-dir`, as parse returns them. */
export interface TargetValues {
  readonly app?: string;
  readonly stack?: string;
  readonly region?: string;
  readonly 'state-dir'?: string;
}

/** Machine-readable output, for the commands that print some. */
export const JSON_OPTION = {
  json: { type: 'boolean' },
} as const satisfies Options;

/** Options that each take a string value, by name: `stringOptions('since', 'limit')`. */
export function stringOptions<const K extends string>(...names: K[]): { [N in K]: { type: 'string' } } {
  return Object.fromEntries(names.map((name) => [name, { type: 'string' }])) as { [N in K]: { type: 'string' } };
}

/** What a request to a webhook carries (`send` posts it, `test` evaluates it): see requestOptions. */
export const REQUEST_OPTIONS = {
  file: { type: 'string' },
  header: { type: 'string', multiple: true },
  event: { type: 'string' },
  set: { type: 'string', multiple: true },
  'list-events': { type: 'boolean' },
  'content-type': { type: 'string' },
} as const satisfies Options;

/** REQUEST_OPTIONS' values (`--header k=v` parsed) as signedDelivery and requestContent take them. */
export function requestOptions(values: {
  readonly file?: string;
  readonly header?: readonly string[];
  readonly event?: string;
  readonly set?: readonly string[];
  readonly 'content-type'?: string;
}): RequestOptions {
  return {
    headers: parseHeaders(values.header),
    ...(values.file !== undefined && { file: values.file }),
    ...(values['content-type'] !== undefined && { contentType: values['content-type'] }),
    ...(values.event !== undefined && { eventType: values.event }),
    ...(values.set !== undefined && { set: values.set }),
  };
}

/** node:util parseArgs, strict, with errors turned into one-line usage errors. */
export function parse<O extends Options>(argv: readonly string[], options: O, positionals: readonly string[] = []) {
  let parsed;
  const all = { ...COMMON_OPTIONS, ...options };
  try {
    parsed = parseArgs({ args: [...argv], options: all, allowPositionals: true });
  } catch (error) {
    const message = (error as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, '');
    const unknown = /^Unknown option '--([^']+)'/.exec(message)?.[1];
    const guess = unknown !== undefined ? closest(unknown, Object.keys(all)) : undefined;
    throw new UsageError(guess !== undefined ? `${message} (did you mean --${guess}?)` : message);
  }
  if (parsed.positionals.length > positionals.length && !(parsed.values as { help?: boolean }).help) {
    throw new UsageError(`unexpected argument "${parsed.positionals[positionals.length]}"`);
  }
  return parsed;
}

/** The n-th positional, required. */
export function required(positionals: readonly string[], index: number, what: string): string {
  const value = positionals[index];
  if (value === undefined || value === '') throw new UsageError(`missing ${what}`);
  return value;
}

/** `k=v` or `k: v` pairs (repeatable `--header`) as lower-cased header names → values. */
export function parseHeaders(values: readonly string[] | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const raw of values ?? []) {
    const match = /^([^=:]+)[=:]\s?(.*)$/s.exec(raw);
    if (!match || match[1]!.trim() === '') throw new UsageError(`--header "${raw}": expected name=value`);
    headers[match[1]!.trim().toLowerCase()] = match[2]!;
  }
  return headers;
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `90s`, `30m`, `1h`, `7d`, `2w` (or a sum such as `1h30m`) in milliseconds. */
export function parseDuration(text: string, option: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)([smhdw])/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text.trim()) {
    throw new UsageError(`${option} "${text}": expected a duration such as 30m, 1h, 7d`);
  }
  return parts.reduce((ms, [, n, unit]) => ms + Number(n) * UNITS[unit!]!, 0);
}

export function parsePositiveInt(text: string, option: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > max)
    throw new UsageError(`${option} "${text}": expected a whole number 1–${max}`);
  return n;
}

export function parsePort(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new UsageError(`--port "${text}": expected 0–65535`);
  return n;
}

/**
 * The gateway the command line names, for resolveTarget and webhookSource: a deployed stack with
 * `--stack` (and `--region`), else the local gateway of the state directory, or `--app`'s config.
 * `--app` and `--stack` choose opposite targets: both is a usage error.
 */
export function targetOptions(values: TargetValues, ctx: { cwd: string; signal: AbortSignal }): SourceOptions {
  if (values.app !== undefined && values.stack !== undefined) {
    throw new UsageError('--app (local) and --stack (deployed) exclude each other: pass one');
  }
  if (values.region !== undefined && values.stack === undefined) {
    throw new UsageError('--region goes with --stack (a deployed gateway)');
  }
  return {
    stateDir: stateDir(values['state-dir'], ctx.cwd),
    cwd: ctx.cwd,
    signal: ctx.signal,
    ...(values.app !== undefined && { app: values.app }),
    ...(values.stack !== undefined && { stack: values.stack }),
    ...(values.region !== undefined && { region: values.region }),
  };
}

/**
 * The options that name the same gateway again, for a command a message suggests:
 * ` --stack X --region R`, ` --state-dir D`, or nothing.
 */
export function targetFlags(values: TargetValues): string {
  if (values.stack !== undefined) {
    return ` --stack ${shellArg(values.stack)}${values.region !== undefined ? ` --region ${shellArg(values.region)}` : ''}`;
  }
  return values['state-dir'] !== undefined ? ` --state-dir ${shellArg(values['state-dir'])}` : '';
}

/** A word for a command line a message shows: quoted when the shell would split or expand it. */
export function shellArg(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** What a positional argument holds, for shell completion: a webhook name, or one of fixed words. */
export type PositionalKind = 'webhook' | 'delivery' | readonly string[];

/** A command's options and positionals: what it parses, and what shell completion offers. */
export interface CommandSpec {
  readonly options: Options;
  readonly positionals?: readonly PositionalKind[];
}

/**
 * Every command's options, by command: each command parses its argv with its entry, and
 * `webhook-gateway completion` is generated from this table (COMMON_OPTIONS are added to each).
 */
export const COMMAND_SPECS = {
  local: {
    options: {
      app: TARGET_OPTIONS.app,
      ...JSON_OPTION,
      port: { type: 'string' },
      host: { type: 'string' },
      secrets: { type: 'string' },
      'dev-secrets': { type: 'boolean' },
      watch: { type: 'boolean' },
      'in-memory': { type: 'boolean' },
      verbose: { type: 'boolean' },
    },
  },
  send: {
    options: {
      ...TARGET_OPTIONS,
      ...REQUEST_OPTIONS,
      ...JSON_OPTION,
      url: { type: 'string' },
      secrets: { type: 'string' },
    },
    positionals: ['webhook'],
  },
  test: { options: { ...TARGET_OPTIONS, ...REQUEST_OPTIONS, ...JSON_OPTION }, positionals: ['webhook'] },
  history: {
    options: { ...TARGET_OPTIONS, ...JSON_OPTION, ...stringOptions('status', 'since', 'limit') },
    positionals: ['webhook'],
  },
  replay: {
    options: { ...TARGET_OPTIONS, ...JSON_OPTION, 'no-wait': { type: 'boolean' } },
    positionals: ['webhook', 'delivery'],
  },
  secret: {
    options: { ...TARGET_OPTIONS, ...JSON_OPTION, ...stringOptions('ref', 'value', 'public-key', 'expire') },
    positionals: [['get', 'set', 'rotate'], 'webhook'],
  },
  redrive: { options: { ...TARGET_OPTIONS, gateway: { type: 'string' } } },
  doctor: {
    options: {
      ...TARGET_OPTIONS,
      ...JSON_OPTION,
      send: { type: 'string' },
      event: REQUEST_OPTIONS.event,
      file: REQUEST_OPTIONS.file,
      timeout: { type: 'string' },
    },
  },
  listen: {
    options: { ...TARGET_OPTIONS, ...JSON_OPTION, ...stringOptions('since', 'interval') },
    positionals: ['webhook'],
  },
  executions: { options: { ...JSON_OPTION, ...stringOptions('status', 'limit') }, positionals: ['webhook'] },
  completion: { options: {}, positionals: [['bash', 'zsh']] },
} as const satisfies Record<string, CommandSpec>;
