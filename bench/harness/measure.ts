// Timing loops. Every operation is awaited when it returns a promise, so async handlers and sync
// verifiers go through the same loop; the loop's own cost (a call and an instanceof) is a few ns.

export interface MeasureOptions {
  /** Samples taken; the median is reported. */
  readonly samples: number;
  /** Minimum wall time of one sample (the iteration count is calibrated to reach it). */
  readonly sampleMs: number;
  /** Time spent warming up (JIT, caches) before calibrating. */
  readonly warmupMs: number;
}

export const FULL: MeasureOptions = { samples: 7, sampleMs: 400, warmupMs: 500 };
export const QUICK: MeasureOptions = { samples: 3, sampleMs: 120, warmupMs: 150 };

export interface Timing {
  /** Median nanoseconds per operation over the samples. */
  readonly nsPerOp: number;
  readonly samples: readonly number[];
  readonly iterations: number;
}

let sink: unknown;

async function loop(fn: () => unknown, iterations: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const result = fn();
    sink = result instanceof Promise ? await result : result;
  }
  return Number(process.hrtime.bigint() - started);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile (0–100) of the values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Median ns per operation of `samples` timed loops, each calibrated to last at least `sampleMs`. */
export async function measure(fn: () => unknown, options: MeasureOptions): Promise<Timing> {
  const [timing] = await measureInterleaved([fn], options);
  return timing!;
}

/**
 * Several operations measured in turns: each calibrated alone, then sample 1 of each, sample 2 of each…
 * so that all of them see the same moments of a busy machine, and ratios between them hold up better
 * than their absolute times.
 */
export async function measureInterleaved(fns: readonly (() => unknown)[], options: MeasureOptions): Promise<Timing[]> {
  const iterations: number[] = [];
  for (const fn of fns) {
    const warmupEnd = performance.now() + options.warmupMs;
    let n = 16;
    while (performance.now() < warmupEnd) await loop(fn, n);
    for (;;) {
      const ns = await loop(fn, n);
      if (ns >= options.sampleMs * 1e6) break;
      n = Math.ceil(n * Math.min(10, Math.max(1.5, (options.sampleMs * 1.1e6) / Math.max(ns, 1))));
    }
    iterations.push(n);
  }
  const samples: number[][] = fns.map(() => []);
  for (let s = 0; s < options.samples; s++)
    for (const [i, fn] of fns.entries()) samples[i]!.push((await loop(fn, iterations[i]!)) / iterations[i]!);
  if (sink === Symbol.for('never')) console.log(sink);
  return samples.map((own, i) => ({ nsPerOp: median(own), samples: own, iterations: iterations[i]! }));
}

/** The median of the per-sample ratios a ÷ b of two interleaved timings. */
export function pairedRatio(a: Timing, b: Timing): number {
  return median(a.samples.map((x, i) => x / b.samples[i]!));
}

/** b in time = a · n^b, least squares on logarithms. */
export function growthExponent(points: readonly { n: number; ms: number }[]): number {
  const xs = points.map((p) => Math.log(p.n));
  const ys = points.map((p) => Math.log(p.ms));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return num / den;
}
