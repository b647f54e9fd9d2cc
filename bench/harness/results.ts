// The results file (bench/results.json) and the regression check against it. Pure, except
// machineInfo(); tested in test/bench/harness.test.ts.
import { cpus } from 'node:os';

export type Unit = 'ns' | 'µs' | 'ms' | 's' | 'req/s' | 'B' | 'KB' | 'x' | 'count' | 'USD';

export interface Result {
  /** Unique across the file: `suite/name`. */
  readonly id: string;
  readonly suite: string;
  readonly name: string;
  readonly value: number;
  readonly unit: Unit;
  /** A target, when the issue sets one: the value must stay at or below (`max`) or above (`min`). */
  readonly target?: { readonly max?: number; readonly min?: number; readonly why: string };
  /** Free text shown in the table (what was measured, a ratio's operands …). */
  readonly note?: string;
  readonly measuredAt: string;
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly platform: string;
}

export interface ResultsFile {
  readonly machine: Machine;
  readonly updatedAt: string;
  /** The machine's 1-minute load average when the last run started and ended (other work skews timings). */
  readonly loadAverage?: readonly [number, number];
  readonly results: readonly Result[];
  /** Tables that are not single numbers (bundle contributors, cost breakdown, round trips). */
  readonly details: Readonly<Record<string, unknown>>;
}

export function machineInfo(): Machine {
  const all = cpus();
  return {
    cpu: all[0]?.model.trim() ?? 'unknown',
    cores: all.length,
    node: process.version,
    platform: process.platform,
  };
}

/** Units where a larger value means slower (a time), or a smaller one does (a rate). */
const SLOWER_IF_HIGHER: ReadonlySet<Unit> = new Set(['ns', 'µs', 'ms', 's']);
const SLOWER_IF_LOWER: ReadonlySet<Unit> = new Set(['req/s']);

/** The same machine: same CPU model and core count (the Node version may differ; it is reported). */
export function sameMachine(a: Machine, b: Machine): boolean {
  return a.cpu === b.cpu && a.cores === b.cores;
}

export interface Regression {
  readonly id: string;
  readonly previous: number;
  readonly current: number;
  readonly unit: Unit;
  /** How much slower, as a fraction: 0.3 is 30% slower. */
  readonly slower: number;
}

/**
 * Timings more than `threshold` (0.25: 25%) slower than the previous run's on the same machine.
 * Slower means a time grew by more than the threshold, or a rate fell so that the time per request grew by it.
 */
export function regressions(
  previous: ResultsFile | undefined,
  current: readonly Result[],
  machine: Machine,
  threshold = 0.25,
): Regression[] {
  if (!previous || !sameMachine(previous.machine, machine)) return [];
  const before = new Map(previous.results.map((r) => [r.id, r]));
  const found: Regression[] = [];
  for (const now of current) {
    const then = before.get(now.id);
    if (!then || then.unit !== now.unit || then.value <= 0 || now.value <= 0) continue;
    let slower: number | undefined;
    if (SLOWER_IF_HIGHER.has(now.unit)) slower = now.value / then.value - 1;
    else if (SLOWER_IF_LOWER.has(now.unit)) slower = then.value / now.value - 1;
    if (slower !== undefined && slower > threshold)
      found.push({ id: now.id, previous: then.value, current: now.value, unit: now.unit, slower });
  }
  return found;
}

/**
 * The file after a run: this run's results replace those with the same id, others (suites not run
 * this time) are kept, unless the machine changed, when only this run's are kept.
 */
export function merge(
  previous: ResultsFile | undefined,
  current: readonly Result[],
  details: Readonly<Record<string, unknown>>,
  machine: Machine,
  now: Date,
): ResultsFile {
  const keep = previous && sameMachine(previous.machine, machine) ? previous : undefined;
  const ids = new Set(current.map((r) => r.id));
  const suites = new Set(current.map((r) => r.suite));
  const kept = (keep?.results ?? []).filter((r) => !ids.has(r.id) && !suites.has(r.suite));
  return {
    machine,
    updatedAt: now.toISOString(),
    results: [...kept, ...current],
    details: { ...(keep?.details ?? {}), ...details },
  };
}

/** Whether a result meets its target (undefined without one). */
export function meetsTarget(result: Pick<Result, 'value' | 'target'>): boolean | undefined {
  const { target } = result;
  if (!target) return undefined;
  if (target.max !== undefined && result.value > target.max) return false;
  if (target.min !== undefined && result.value < target.min) return false;
  return true;
}
