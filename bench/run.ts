// `npm run bench [-- SUITE… ] [--quick] [--no-save] [--markdown]`: runs the benchmark suites, prints the results
// table, warns about any timing more than 25% slower than bench/results.json on the same machine,
// and writes the file. Not part of `npm test`; docs/PERFORMANCE.md explains each number.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import { machineInfo, merge, regressions, type Result, type ResultsFile } from './harness/results';
import { SuiteContext, type Suite } from './harness/suite';
import { formatMarkdownTable, formatTable } from './harness/table';
import { coldStartSuite } from './suites/cold-start';
import { costSuite } from './suites/cost';
import { gatewaySuite } from './suites/gateway';
import { ingestSuite } from './suites/ingest';
import { microSuite } from './suites/micro';
import { synthSuite } from './suites/synth';

export type { Benchmark } from './suites/micro';

// The SDK's notice about Node versions is not a benchmark result.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const SUITES: readonly Suite[] = [ingestSuite, coldStartSuite, synthSuite, gatewaySuite, costSuite, microSuite];
const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    quick: { type: 'boolean', default: false },
    'no-save': { type: 'boolean', default: false },
    markdown: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log('npm run bench [-- SUITE…] [--quick] [--no-save] [--markdown]\n');
  for (const s of SUITES) console.log(`  ${s.name.padEnd(10)} ${s.description}`);
  console.log('\n  --quick     fewer samples, shorter runs (numbers are rougher; not saved)');
  console.log('  --no-save   print only; bench/results.json is left as it is');
  console.log('  --markdown  print bench/results.json as the table of docs/PERFORMANCE.md; runs nothing');
  process.exit(0);
}

if (values.markdown) {
  if (!existsSync(RESULTS)) {
    console.error('no bench/results.json yet: run npm run bench first');
    process.exit(2);
  }
  console.log(formatMarkdownTable((JSON.parse(readFileSync(RESULTS, 'utf8')) as ResultsFile).results));
  process.exit(0);
}

const unknown = positionals.filter((p) => !SUITES.some((s) => s.name === p));
if (unknown.length > 0) {
  console.error(`unknown suite ${unknown.join(', ')}: choose from ${SUITES.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
const selected = positionals.length === 0 ? SUITES : SUITES.filter((s) => positionals.includes(s.name));
const machine = machineInfo();
const previous = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as ResultsFile) : undefined;

const loadAtStart = loadavg()[0]!;
console.log(
  `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load average ${loadAtStart.toFixed(1)}${values.quick ? ' (quick mode)' : ''}`,
);
const results: Result[] = [];
const details: Record<string, unknown> = {};
for (const suite of selected) {
  console.log(`\n${suite.name}: ${suite.description}`);
  const ctx = new SuiteContext(suite.name, values.quick, (line) => console.log(line));
  const started = performance.now();
  const loadBefore = loadavg()[0]!;
  await suite.run(ctx);
  // Kept per suite, so that a suite's numbers keep the load they were taken under when others rerun.
  ctx.detail('loadAverage', [loadBefore, loadavg()[0]!]);
  console.log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  results.push(...ctx.results);
  Object.assign(details, ctx.details);
}

console.log(`\n${formatTable(results)}`);
const slower = regressions(previous, results, machine);
for (const r of slower) {
  console.warn(
    `WARNING: ${r.id} is ${Math.round(r.slower * 100)}% slower than bench/results.json (${r.previous.toPrecision(4)} → ${r.current.toPrecision(4)} ${r.unit})`,
  );
}
if (previous && slower.length === 0) console.log('No benchmark is more than 25% slower than bench/results.json.');

if (values.quick || values['no-save']) {
  console.log('\nbench/results.json not written (quick or --no-save).');
} else {
  const file = { ...merge(previous, results, details, machine, new Date()), loadAverage: [loadAtStart, loadavg()[0]!] };
  // Formatted as `npm run format` would, so that formatting the repository leaves the file alone.
  const options = { ...(await prettier.resolveConfig(RESULTS)), filepath: RESULTS };
  writeFileSync(RESULTS, await prettier.format(JSON.stringify(file), options));
  console.log(
    '\nWritten to bench/results.json; `npm run bench -- --markdown` prints the table for docs/PERFORMANCE.md.',
  );
}
