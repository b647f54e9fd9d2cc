// Runs every bench/*.bench.ts and prints operations per second. `npm run bench`; not part of `npm test`.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface Benchmark {
  readonly name: string;
  readonly fn: () => unknown;
}

const MIN_TIME_MS = 500;
let sink: unknown;

function measure({ fn }: Benchmark): { opsPerSecond: number; nsPerOp: number } {
  for (let i = 0; i < 1_000; i++) sink = fn();
  let iterations = 1_000;
  for (;;) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) sink = fn();
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (elapsedMs >= MIN_TIME_MS) {
      const nsPerOp = (elapsedMs * 1e6) / iterations;
      return { opsPerSecond: 1e9 / nsPerOp, nsPerOp };
    }
    iterations = Math.ceil(iterations * Math.max(2, (MIN_TIME_MS * 1.2) / Math.max(elapsedMs, 1)));
  }
}

const dir = fileURLToPath(new URL('.', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
for (const file of files) {
  const { benchmarks } = (await import(pathToFileURL(`${dir}${file}`).href)) as { benchmarks: Benchmark[] };
  console.log(`\n${file} (node ${process.version})`);
  const width = Math.max(...benchmarks.map((b) => b.name.length));
  for (const benchmark of benchmarks) {
    const { opsPerSecond, nsPerOp } = measure(benchmark);
    const ops = Math.round(opsPerSecond).toLocaleString('en-US').padStart(14);
    console.log(`  ${benchmark.name.padEnd(width)}  ${ops} ops/s  ${nsPerOp.toFixed(0).padStart(9)} ns/op`);
  }
}
if (sink === Symbol.for('never')) console.log(sink);
