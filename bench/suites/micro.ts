// The micro-benchmarks in bench/*.bench.ts (verification, CEL, body parsing), each timed alone.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { measure } from '../harness/measure';
import type { Suite } from '../harness/suite';

export interface Benchmark {
  readonly name: string;
  readonly fn: () => unknown;
}

const DIR = fileURLToPath(new URL('..', import.meta.url));

export const microSuite: Suite = {
  name: 'micro',
  description: 'verification, CEL and body parsing alone (bench/*.bench.ts)',
  async run(ctx) {
    const files = readdirSync(DIR)
      .filter((f) => f.endsWith('.bench.ts'))
      .sort();
    for (const file of files) {
      const { benchmarks } = (await import(pathToFileURL(`${DIR}${file}`).href)) as { benchmarks: Benchmark[] };
      const group = file.replace(/\.bench\.ts$/, '');
      for (const benchmark of benchmarks) {
        const { nsPerOp } = await measure(benchmark.fn, ctx.measureOptions);
        ctx.add(`${group}: ${benchmark.name}`, nsPerOp, 'ns');
        ctx.log(`  ${`${group}: ${benchmark.name}`.padEnd(70)} ${nsPerOp.toFixed(0).padStart(10)} ns`);
      }
    }
  },
};
