import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_KINDS, type Fault } from '../support/faults';
import { describeFailure, FaultLab, pool, type DeliverySpec, type Scenario } from './harness';

/**
 * A seeded random schedule (fast-check): several deliveries at once, copies sent concurrently and
 * late, faults of every kind at random calls of the accept path, its failure path (markFailed, the
 * claim's reads and clean-ups) and the dispatcher, the dispatcher running between rounds or only
 * at the end. `npm test` runs a short slice; FAULT_RUNS and FAULT_SEED (a number, or `random`)
 * change it; `npm run faults` runs 300 under a random seed. A failure prints its seed, its index and
 * the scenario, to paste into a regression test.
 */
const SEED =
  process.env.FAULT_SEED === 'random'
    ? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0
    : Number(process.env.FAULT_SEED ?? 20_260_301);
const RUNS = Number(process.env.FAULT_RUNS ?? 8);
const CONCURRENCY = 4;

/** Every call a delivery can make, on the happy path or after a failure. */
export const LABELS = [
  'config.webhook',
  'config.routes',
  'config.verified',
  'secrets.get',
  'payloads.put',
  'claim.marker',
  'claim.history',
  'read.marker',
  'read.history',
  'delete.history',
  'history.duplicate',
  'queue.send',
  'marker.queued',
  'marker.failed',
  'history.failed',
  'sfn.start',
  'history.enqueued',
  'marker.dispatched',
] as const;

const fault: fc.Arbitrary<Fault> = fc.record({
  label: fc.constantFrom(...LABELS),
  nth: fc.integer({ min: 1, max: 4 }),
  kind: fc.constantFrom(...FAULT_KINDS),
  persistent: fc.boolean(),
});

const delivery = fc.record(
  {
    copies: fc.integer({ min: 1, max: 3 }),
    size: fc.constantFrom('small', 'small', 'large', 'huge'),
    lateCopyRound: fc.integer({ min: 1, max: 6 }),
    attempts: fc.integer({ min: 1, max: 3 }),
  },
  { requiredKeys: ['copies', 'size'] },
);

export const scenarios: fc.Arbitrary<Scenario> = fc.record({
  deliveries: fc
    .array(delivery, { minLength: 1, maxLength: 4 })
    .map((ds) => ds.map((d, i): DeliverySpec => ({ id: `delivery-${i}`, ...d }))),
  faults: fc.array(fault, { minLength: 1, maxLength: 6 }),
  copyOnFault: fc.boolean(),
  dispatchBetweenRounds: fc.boolean(),
});

let lab: FaultLab;
beforeAll(async () => {
  lab = await FaultLab.start();
});
afterAll(() => lab?.stop());

describe('a seeded random schedule of faults, deliveries, copies and retries', () => {
  it(`holds every invariant over ${RUNS} runs (seed ${SEED})`, async () => {
    const sample = fc.sample(scenarios, { seed: SEED, numRuns: RUNS });
    const results = await pool(
      sample.map((scenario, i) => async () => ({ i, scenario, result: await lab.run(scenario) })),
      CONCURRENCY,
    );
    const failed = results.filter((r) => r.result.violations.length > 0);
    expect(
      failed.map(
        (f) =>
          `${describeFailure(`FAULT_SEED=${SEED} run ${f.i}`, f.result)}\n  scenario: ${JSON.stringify(f.scenario)}`,
      ),
    ).toEqual([]);
  }, 600_000);
});
