import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFailure, FaultLab, type RunResult, type Scenario } from './harness';

/** Bugs the fault runs found, each as the smallest scenario that showed it. */
let lab: FaultLab;
beforeAll(async () => {
  lab = await FaultLab.start();
});
afterAll(() => lab?.stop());

const expectNoViolations = (name: string, result: RunResult) =>
  expect(result.violations, describeFailure(name, result)).toEqual([]);

describe('regressions', () => {
  it('a copy that arrives while the queue send is failing sends its own messages before its 2xx', async () => {
    // The marker is marked queued alongside the send: a copy finding it used to be answered
    // `duplicate` (2xx) while the send was still failing, and the delivery was lost.
    const result = await lab.run({
      deliveries: [{ id: 'slow-send' }],
      faults: [{ label: 'queue.send', nth: 1, kind: 'timeout' }],
      copyOnFault: true,
    });
    expectNoViolations('slow send', result);
    const round0 = result.answers.filter((a) => a.round === 0);
    expect(round0.map((a) => a.outcome ?? a.status).sort()).toEqual([503, 'duplicate']);
    expect(round0.find((a) => a.outcome === 'duplicate')).toMatchObject({ status: 202, queued: true });
  });

  it('a failed send whose marker could not be failed again is sent again by the retry', async () => {
    // The marker stays `queued` (marked alongside the failed send) when markFailed cannot reach it:
    // every retry used to be answered `duplicate` without sending anything, and the delivery was lost.
    const result = await lab.run({
      deliveries: [{ id: 'lost' }],
      faults: [
        { label: 'queue.send', nth: 1, kind: 'server-error' },
        { label: 'marker.failed', nth: 1, kind: 'server-error' },
      ],
    });
    expectNoViolations('send and markFailed failed', result);
    expect(result.answers.map((a) => a.outcome ?? a.status)).toEqual([503, 'duplicate']);
    expect(result.answers.at(-1)).toMatchObject({ status: 202, queued: true });
  });

  it("a copy arriving after the first attempt's lease, before the dispatcher started it, keeps its history item", async () => {
    // The history item's lease ran out while its messages waited on the queue: the late copy's
    // claim overwrote the item (a pending item past its lease was retryable), lost the marker (queued)
    // and then deleted the item it had written as a stray; the dispatcher found no item to mark.
    const result = await lab.run({ deliveries: [{ id: 'late-copy', lateCopyRound: 4 }], faults: [] });
    expectNoViolations('late copy', result);
    expect(result.answers.map((a) => `${a.round}:${a.outcome}`)).toEqual(['0:accepted', '4:duplicate']);
  });

  it('a claim write that lands after its attempt failed leaves nothing pending, even with no retry', async () => {
    // The history put timed out (twice) and the attempt marked its marker failed and answered 503;
    // then the put landed: a pending history item under a failed marker, which the sweeper (it reads
    // pending markers) never saw. With a sender that does not retry, it stayed pending for good.
    const result = await lab.run({
      deliveries: [{ id: 'late-write', attempts: 1 }],
      faults: [{ label: 'claim.history', nth: 1, kind: 'timeout-late' }],
    });
    expectNoViolations('late claim write', result);
    expect(result.answers.map((a) => a.status)).toEqual([503]);
  });

  it('a copy that lost the marker leaves no history item behind for an attempt that then fails', async () => {
    // Two copies: one won the history item and lost the marker (its marker write was slow), and
    // left its pending item for the marker's attempt to take over; that attempt's own history write
    // timed out and it failed, marking only what it held. Neither sender retried: the item stayed
    // pending, under a failed marker, for good.
    const result = await lab.run({
      deliveries: [{ id: 'two-copies', copies: 2, attempts: 1 }],
      faults: [
        { label: 'claim.marker', nth: 1, kind: 'timeout', persistent: false },
        { label: 'claim.history', nth: 2, kind: 'timeout-late' },
      ],
    });
    expectNoViolations('orphaned copy item', result);
    expect(result.answers.map((a) => a.status)).toEqual([503, 503]);
  });

  it("a retry that finds the first attempt's marker held keeps the delivery's record, which the dispatcher then marks", async () => {
    // The send timed out but landed; markFailed could fail the history item, not the marker (still
    // pending, in its lease). Each retry wrote over the failed record, lost the marker, and removed
    // what it had written: when the dispatcher started the queued messages, the record was gone.
    const result = await lab.run({
      deliveries: [{ id: 'kept-record', attempts: 3 }],
      faults: [
        { label: 'queue.send', nth: 1, kind: 'timeout-late' },
        { label: 'marker.failed', nth: 1, kind: 'server-error' },
      ],
    });
    expectNoViolations('record kept', result);
    // The retry finds the marker queued: it writes its own record over the failed one and sends.
    expect(result.answers.map((a) => a.outcome ?? a.status)).toEqual([503, 'duplicate']);
  });

  it("a history write that lands over another attempt's failed item after its own attempt failed is swept", async () => {
    // Found by the random schedule (FAULT_SEED=77): a copy's item, failed (claim_lost), was written
    // over by the late claim write of the attempt holding the marker, after that attempt had failed
    // and answered 503: a pending item under a failed marker, out of the sweeper's index. Failed
    // markers now stay in the index until the sweeper has looked at their history item.
    const result = await lab.run(SEED_77_RUN_55);
    expectNoViolations('late write over a failed item', result);
  });
});

const SEED_77_RUN_55: Scenario = {
  deliveries: [
    { id: 'delivery-0', copies: 3, size: 'small', attempts: 2 },
    { id: 'delivery-1', copies: 3, size: 'large', attempts: 1 },
    { id: 'delivery-2', copies: 1, size: 'small', attempts: 3 },
  ],
  faults: [
    { label: 'claim.history', nth: 4, kind: 'timeout-late', persistent: false },
    { label: 'claim.history', nth: 3, kind: 'timeout-late', persistent: true },
    { label: 'history.enqueued', nth: 3, kind: 'timeout-applied', persistent: false },
    { label: 'marker.failed', nth: 2, kind: 'timeout-late', persistent: true },
    { label: 'config.webhook', nth: 2, kind: 'server-error', persistent: true },
    { label: 'read.marker', nth: 2, kind: 'throttle', persistent: true },
  ],
  copyOnFault: true,
  dispatchBetweenRounds: false,
};
