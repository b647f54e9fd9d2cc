import type { Call } from '../../test/support/round-trips';

/** Calls grouped by round trip: each stage starts after every call of the previous one ended. */
export function stagesOf(calls: readonly Call[]): string[][] {
  const sorted = [...calls].sort((a, b) => a.start - b.start);
  const depth: number[] = [];
  sorted.forEach((call, i) => {
    let best = 0;
    for (let j = 0; j < i; j++) if (sorted[j]!.end <= call.start) best = Math.max(best, depth[j]!);
    depth.push(best + 1);
  });
  const stages: string[][] = [];
  sorted.forEach((call, i) =>
    (stages[depth[i]! - 1] ??= []).push(`${call.service}.${call.command.replace(/Command$/, '')}`),
  );
  return stages;
}
