// The long fuzz run: `npm run fuzz -- [--runs N] [--seed S] [--path P] [--profile a,b] [--timeout MS]
// [--no-shrink]`. Not part of `npm test` (which runs a short, seeded slice).
import { parseArgs } from 'node:util';
import { PROFILES } from '../support/schemes';
import { fuzz, FuzzTarget, replayCommand, type FuzzRun } from './harness';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '2000' },
    seed: { type: 'string' },
    path: { type: 'string' },
    profile: { type: 'string' },
    timeout: { type: 'string', default: '5000' },
    'no-shrink': { type: 'boolean', default: false },
  },
});

const names = values.profile ? values.profile.split(',').map((s) => s.trim()) : PROFILES.map((p) => p.name);
const unknown = names.filter((n) => !PROFILES.some((p) => p.name === n));
if (unknown.length > 0) {
  console.error(`unknown profile(s) ${unknown.join(', ')}; known: ${PROFILES.map((p) => p.name).join(', ')}`);
  process.exit(2);
}
const run: FuzzRun = {
  profiles: PROFILES.map((p) => p.name).filter((n) => names.includes(n)),
  seed: values.seed !== undefined ? Number(values.seed) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0,
  numRuns: Number(values.runs),
  ...(values.path !== undefined && { path: values.path }),
  endOnFailure: values['no-shrink'],
};
console.log(
  `fuzz: seed ${run.seed}, ${run.numRuns} runs over ${run.profiles.length} webhook(s); replay: ${replayCommand(run)}`,
);

const target = await FuzzTarget.start({ timeoutMs: Number(values.timeout) });
const started = performance.now();
let code = 0;
try {
  await fuzz(target, run);
  console.log('fuzz: every property held');
} catch (error) {
  console.error(`fuzz: ${error instanceof Error ? error.message : String(error)}`);
  code = 1;
} finally {
  const seconds = (performance.now() - started) / 1000;
  const s = target.stats;
  console.log(
    `fuzz: ${s.cases} mutated requests in ${seconds.toFixed(1)} s; ${s.mustReject} could not be authentic (all refused unless reported above), ` +
      `${s.acceptedUnsigned} accepted and ${s.rejectedUnsigned} refused after unsigned changes, ${s.dedupChecked} dedup checks; ` +
      `statuses ${JSON.stringify(s.byStatus)}`,
  );
  await target.stop();
}
process.exit(code);
