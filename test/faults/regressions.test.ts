import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFailure, FaultLab, type RunResult } from './harness';

/** Bugs the fault runs found, each as the smallest scenario that showed it. */
let lab: FaultLab;
beforeAll(async () => {
  lab = await FaultLab.start();
});
afterAll(() => lab?.stop());

const expectNoViolations = (name: string, result: RunResult) =>
  expect(result.violations, describeFailure(name, result)).toEqual([]);

describe('regressions', () => {
  it("a copy arriving after the first attempt's lease, before the dispatcher started it, keeps its history item", async () => {
    // The history item's lease ran out while its messages waited on the queue: the late copy's
    // claim overwrote the item (a pending item past its lease was retryable), lost the marker (queued)
    // and then deleted the item it had written as a stray; the dispatcher found no item to mark.
    const result = await lab.run({ deliveries: [{ id: 'late-copy', lateCopyRound: 4 }], faults: [] });
    expectNoViolations('late copy', result);
    expect(result.answers.map((a) => `${a.round}:${a.outcome}`)).toEqual(['0:accepted', '4:duplicate']);
  });
});
