import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_KINDS, type Fault, type FaultKind } from '../support/faults';
import { describeFailure, FaultLab, pool, type DeliverySpec, type RunResult } from './harness';

/**
 * Every fault kind at every call the accept path and the dispatcher make for one delivery, one
 * fault per run, table-driven from the calls of a fault-free run: config reads, the secret, the
 * payload puts, the claim's marker and history writes, the queue send, the queued mark, each
 * StartExecution and each enqueued mark. Each fault also sends a copy of the delivery at that
 * moment, as a provider retrying a slow request does. After each run the invariants hold (harness
 * `check`): 2xx only once the messages are on the queue, 503 with Retry-After otherwise, every
 * delivery accepted in the end and started exactly once per route, nothing left pending.
 *
 * SDK calls fail on every attempt (the SDK's own retry too); the writes' `timeout-applied` and
 * `timeout-late` also on the first attempt only (the SDK's retry meets the write that landed).
 * FAULTS_FULL=1 (`npm run faults`) adds `reset` and the first-attempt variant of every kind at
 * every SDK call.
 */
const FULL = process.env.FAULTS_FULL === '1';
const CONCURRENCY = 16;
/** A body kept in the payload store, and a workflow input too large to travel inline (a second put). */
const DELIVERY: DeliverySpec = { id: 'delivery-1', size: 'huge' };
/** The same calls but the second put, with a lighter body: for the runs that do not fault that put. */
const LIGHTER: DeliverySpec = { id: 'delivery-1', size: 'large' };
/** Calls through stubbed clients: no SDK, so no attempts. */
const STUBBED = new Set(['secrets.get', 'payloads.put', 'sfn.start']);

let lab: FaultLab;
let baseline: RunResult;
/** Every case's result by variant: all cases run in one pool, so slow ones overlap across variants. */
let results: Map<Variant, { name: string; result: RunResult }[]>;

interface Variant {
  readonly kind: FaultKind;
  readonly persistent: boolean;
}

/** `reset` fails a call before it is handled, as a 500 does: only in the full table. */
const VARIANTS: Variant[] = [
  ...FAULT_KINDS.filter((k) => FULL || k !== 'reset').map((kind) => ({ kind, persistent: true })),
  ...FAULT_KINDS.filter((k) => k !== 'crash' && (FULL || k === 'timeout-applied' || k === 'timeout-late')).map(
    (kind) => ({ kind, persistent: false }),
  ),
];
/** Reads: a first attempt applied and lost is the same as one never handled (the full table has them). */
const READS = new Set(['config.webhook', 'config.routes']);
const covered = (variant: Variant, label: string) =>
  variant.persistent || (!STUBBED.has(label) && (FULL || !READS.has(label)));

beforeAll(async () => {
  lab = await FaultLab.start();
  baseline = await lab.run({ deliveries: [DELIVERY], faults: [] });
  const cases = VARIANTS.flatMap((variant) =>
    baseline.calls.filter((call) => covered(variant, call.label)).map((call) => ({ variant, call })),
  );
  const done = await pool(
    cases.map(({ variant, call }) => async () => {
      const fault: Fault = { label: call.label, nth: call.n, kind: variant.kind, persistent: variant.persistent };
      const scenario = {
        deliveries: [call.label === 'payloads.put' && call.n === 2 ? DELIVERY : LIGHTER],
        faults: [fault],
        copyOnFault: true,
        healAfterRound: 8,
      };
      // A run whose request failed before the call (an SDK timeout nobody injected, on a loaded
      // machine) never reaches the fault: it proves nothing, so it runs again.
      let result = await lab.run(scenario);
      for (let again = 0; again < 2 && !result.calls.some((c) => c.fault); again++) result = await lab.run(scenario);
      return { variant, name: `${variant.kind} at ${call.label}#${call.n}`, result };
    }),
    CONCURRENCY,
  );
  results = new Map(VARIANTS.map((v) => [v, done.filter((d) => d.variant === v)]));
}, 300_000);
afterAll(() => lab?.stop());

describe('one fault at each call of the accept path and the dispatcher', () => {
  it('a fault-free run makes these calls, accepts the delivery and starts both routes', () => {
    expect(baseline.violations).toEqual([]);
    expect(baseline.answers.map((a) => a.outcome)).toEqual(['accepted']);
    expect(baseline.calls.map((c) => `${c.label}#${c.n}`)).toEqual([
      'config.webhook#1',
      'config.routes#1', // the gateway's own routes
      'config.routes#2', // routes other stacks added (the importedRoutes index)
      'secrets.get#1',
      'config.verified#1',
      'payloads.put#1',
      'payloads.put#2',
      'claim.marker#1',
      'claim.history#1',
      'queue.send#1',
      'marker.queued#1',
      'sfn.start#1',
      'history.enqueued#1',
      'marker.dispatched#1',
      'sfn.start#2',
      'history.enqueued#2',
      'marker.dispatched#2',
    ]);
  });

  it.each(VARIANTS.map((v) => [`${v.kind}${v.persistent ? '' : ' (first attempt only)'}`, v] as const))(
    '%s at each call: every invariant holds',
    (_name, variant) => {
      const ran = results.get(variant)!;
      expect(ran.length).toBe(baseline.calls.filter((c) => covered(variant, c.label)).length);
      // Every fault was injected (a run that never reached the call would prove nothing).
      for (const { name, result } of ran)
        expect(
          result.calls.some((c) => c.fault),
          name,
        ).toBe(true);
      const failed = ran.filter((r) => r.result.violations.length > 0);
      expect(failed.map((f) => describeFailure(f.name, f.result))).toEqual([]);
    },
  );
});
