import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors';

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

/** node:util parseArgs, strict, with errors turned into one-line usage errors. */
export function parse<O extends Options>(argv: readonly string[], options: O, positionals: readonly string[] = []) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, ''));
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

/** `--app` and `--stack` choose opposite targets: refuse both. */
export function checkTarget(values: { app?: string; stack?: string; region?: string }): void {
  if (values.app !== undefined && values.stack !== undefined) {
    throw new UsageError('--app (local) and --stack (deployed) exclude each other: pass one');
  }
  if (values.region !== undefined && values.stack === undefined) {
    throw new UsageError('--region goes with --stack (a deployed gateway)');
  }
}
