import { SFNServiceException } from '@aws-sdk/client-sfn';
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PAYLOAD_KEYS } from '../../lambdas/core/config/messages';
import { toWaiter } from '../../lambdas/core/waiters/model';
import { createRegistrar, WaiterRegistrationError } from '../../lambdas/waiter/handler';
import { EVENT_TOO_LARGE, offerEvent, registerWaiter } from '../../lambdas/adapters/waiter-resume';
import { startLocalAws, type LocalAws } from '../support/local-aws';
import { createWaiterTable, PAYLOAD_BUCKET, registration, reviewEvent, waiterDeps } from './support';

let local: LocalAws;
let w: ReturnType<typeof waiterDeps>;

beforeAll(async () => {
  local = await startLocalAws();
});
afterAll(() => local?.stop());
beforeEach(async () => {
  w = waiterDeps(local, await createWaiterTable(local));
});

const output = (o: { event: unknown }) => JSON.stringify(o.event);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('an event offered to waiters (the dispatcher)', () => {
  it('resumes a matching waiter with SendTaskSuccess, the event as output, and records the execution', async () => {
    const r = registration();
    await registerWaiter(w.deps, r);
    w.clock.advance(10_000);
    const offered = reviewEvent(w.clock);

    const results = await offerEvent(w.deps, offered);

    expect(results.map((x) => x.outcome)).toEqual(['resumed']);
    expect(w.sfn.successes()).toEqual([{ taskToken: r.taskToken, output: output(offered) }]);
    expect(w.history.marks).toEqual([{ key: offered.historyKey, executionArn: r.executionArn }]);
    expect(await w.ports.store.waitersFor('github', r.eventKey)).toEqual([]);
    expect(w.telemetry.total('WaitersResumed')).toBe(1);
  });

  it('resumes every waiter one event matches, each once', async () => {
    const a = registration();
    const b = registration({ waiterId: 'waiter-other', name: 'WaitAgain', eventKey: 'github:pull_request_*' });
    await registerWaiter(w.deps, a);
    await registerWaiter(w.deps, b);
    const offered = reviewEvent(w.clock);

    await offerEvent(w.deps, offered);
    await offerEvent(w.deps, offered); // redelivered message
    await offerEvent(w.deps, reviewEvent(w.clock)); // another matching event

    expect(
      w.sfn
        .successes()
        .map((s) => s.taskToken)
        .sort(),
    ).toEqual([a.taskToken, b.taskToken].sort());
    expect(w.sfn.successes().every((s) => s.output === output(offered))).toBe(true);
  });

  it('resumes nothing for an event the match, the key or the webhook rule out', async () => {
    const r = registration();
    await registerWaiter(w.deps, r);
    await offerEvent(w.deps, reviewEvent(w.clock, { pr: 7 }));
    await offerEvent(w.deps, reviewEvent(w.clock, { state: 'changes_requested' }));
    await offerEvent(w.deps, reviewEvent(w.clock, {}, { eventKey: 'github:pull_request' }));
    await offerEvent(w.deps, reviewEvent(w.clock, {}, { webhook: 'gitea' }));
    expect(w.sfn.successes()).toEqual([]);
    expect(await w.ports.store.waitersFor('github', r.eventKey)).toHaveLength(1);
  });

  it('does not match when the match expression errors, and logs why', async () => {
    await registerWaiter(w.deps, registration({ match: 'event.payload.missing.field == 1' }));
    await offerEvent(w.deps, reviewEvent(w.clock));
    expect(w.sfn.successes()).toEqual([]);
    expect(w.telemetry.logs.find((l) => l.message === 'waiter match failed')?.fields.error).toMatch(/missing/);
  });

  it('resumes nothing once the waiter timed out', async () => {
    await registerWaiter(w.deps, registration({ timeoutSeconds: 60 }));
    w.clock.advance(61_000);
    await offerEvent(w.deps, reviewEvent(w.clock));
    expect(w.sfn.successes()).toEqual([]);
  });

  it('drops a waiter whose task is gone (timed out, execution stopped) and goes on', async () => {
    const stopped = registration();
    const live = registration({ name: 'Second' });
    await registerWaiter(w.deps, stopped);
    await registerWaiter(w.deps, live);
    w.sfn.gone.add(stopped.taskToken);
    const results = await offerEvent(w.deps, reviewEvent(w.clock));
    expect(results.map((x) => [x.waiter.taskToken, x.outcome])).toEqual(
      expect.arrayContaining([
        [stopped.taskToken, 'gone'],
        [live.taskToken, 'resumed'],
      ]),
    );
    expect(await w.ports.store.waitersFor('github', stopped.eventKey)).toEqual([]);
    expect(w.history.marks.map((m) => m.executionArn)).toEqual([live.executionArn]);
  });

  it('fails the message when Step Functions fails, and its retry resumes the waiter it had claimed', async () => {
    const r = registration();
    await registerWaiter(w.deps, r);
    const offered = reviewEvent(w.clock);
    w.sfn.mock
      .on(SendTaskSuccessCommand)
      .rejectsOnce(new SFNServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: {} }));
    await expect(offerEvent(w.deps, offered)).rejects.toMatchObject({ name: 'ThrottlingException' });
    // Another event cannot take the claimed waiter meanwhile.
    await offerEvent(w.deps, reviewEvent(w.clock));
    w.sfn.mock.on(SendTaskSuccessCommand).resolves({});
    await offerEvent(w.deps, offered);
    const calls = w.sfn.mock.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      { taskToken: r.taskToken, output: output(offered) },
      { taskToken: r.taskToken, output: output(offered) },
    ]);
  });

  it('evaluates match over the payload of a large event, and resumes with its payloadRef', async () => {
    await registerWaiter(w.deps, registration());
    const ref = { bucket: PAYLOAD_BUCKET, key: PAYLOAD_KEYS.payload('github', 'big', '0'.repeat(64)) };
    const large = reviewEvent(w.clock);
    const payload = { ...(large.event.payload as object), body: 'x'.repeat(300 * 1024) };
    await w.s3.client.send(
      new (await import('@aws-sdk/client-s3')).PutObjectCommand({
        Bucket: ref.bucket,
        Key: ref.key,
        Body: JSON.stringify(payload),
      }),
    );
    const { payload: _inline, ...rest } = large.event;
    const offered = { ...large, event: { ...rest, payloadRef: ref } };
    await offerEvent(w.deps, offered);
    expect(w.sfn.successes()).toEqual([{ taskToken: expect.any(String), output: output(offered) }]);
    expect(JSON.parse(w.sfn.successes()[0]!.output!)).toMatchObject({ payloadRef: ref });
    expect(w.sfn.successes()[0]!.output!.length).toBeLessThan(4096);
  });

  it('fails the task with EVENT_TOO_LARGE rather than retrying an output Step Functions refuses', async () => {
    const r = registration({ match: undefined });
    await registerWaiter(w.deps, r);
    const offered = reviewEvent(w.clock, {}, { payload: { body: 'x'.repeat(257 * 1024) } });
    expect((await offerEvent(w.deps, offered)).map((x) => x.outcome)).toEqual(['failed']);
    expect(w.sfn.successes()).toEqual([]);
    expect(w.sfn.failures()).toEqual([
      { taskToken: r.taskToken, error: EVENT_TOO_LARGE, cause: expect.stringMatching(/bytes/) },
    ]);
  });
});

describe('look-back (the registrar)', () => {
  it('resumes a waiter at once with a matching event accepted within lookBack before it registered', async () => {
    const offered = reviewEvent(w.clock);
    await offerEvent(w.deps, offered); // no waiter yet: recorded only
    w.clock.advance(299_000);
    const r = registration({ lookBackSeconds: 300 });
    expect(await registerWaiter(w.deps, r)).toMatchObject({ resumedBy: offered.event.deliveryId });
    expect(w.sfn.successes()).toEqual([{ taskToken: r.taskToken, output: output(offered) }]);
    expect(w.history.marks).toEqual([{ key: offered.historyKey, executionArn: r.executionArn }]);
  });

  it('resumes with the oldest matching event, once', async () => {
    const older = reviewEvent(w.clock);
    w.clock.advance(1000);
    const newer = reviewEvent(w.clock);
    await offerEvent(w.deps, newer);
    await offerEvent(w.deps, older);
    const r = registration();
    await registerWaiter(w.deps, r);
    expect(w.sfn.successes()).toEqual([{ taskToken: r.taskToken, output: output(older) }]);
  });

  it('does not resume with events older than lookBack, nor non-matching ones', async () => {
    await offerEvent(w.deps, reviewEvent(w.clock));
    w.clock.advance(301_000);
    await offerEvent(w.deps, reviewEvent(w.clock, { pr: 7 }));
    expect(await registerWaiter(w.deps, registration({ lookBackSeconds: 300 }))).not.toHaveProperty('resumedBy');
    expect(await registerWaiter(w.deps, registration({ lookBackSeconds: 0 }))).not.toHaveProperty('resumedBy');
    expect(w.sfn.successes()).toEqual([]);
  });

  it('applies the window on the dispatcher side too: a late-dispatched old event does not resume', async () => {
    const old = reviewEvent(w.clock); // accepted now, dispatched after the waiter registered
    w.clock.advance(600_000);
    await registerWaiter(w.deps, registration({ lookBackSeconds: 300 }));
    await offerEvent(w.deps, old);
    expect(w.sfn.successes()).toEqual([]);
  });

  it('resumes each waiter exactly once, however registration and dispatch interleave', async () => {
    for (let round = 0; round < 30; round++) {
      const r = registration({ values: { pr: 1000 + round } });
      const offered = reviewEvent(w.clock, { pr: 1000 + round });
      const second = reviewEvent(w.clock, { pr: 1000 + round });
      // Each side starts after 0-19 ms: every order of the writes and reads occurs over the rounds.
      const after = (ms: number, run: () => Promise<unknown>) => sleep(ms).then(run);
      await Promise.all([
        after((round * 7) % 20, () => registerWaiter(w.deps, r)),
        after((round * 13) % 20, () => offerEvent(w.deps, offered)),
        after((round * 3) % 20, () => offerEvent(w.deps, second)),
      ]);
      const mine = w.sfn.successes().filter((s) => s.taskToken === r.taskToken);
      expect(mine, `round ${round}`).toHaveLength(1);
      expect([output(offered), output(second)]).toContain(mine[0]!.output);
    }
    const via = new Set(w.telemetry.logs.filter((l) => l.message === 'waiter resumed').map((l) => l.fields.via));
    expect(via).toEqual(new Set(['event', 'look-back']));
  });
});

describe('the registrar function', () => {
  it('fails without retry if the payload is not a waiter', async () => {
    const registrar = createRegistrar(w.deps);
    await expect(registrar({ ...registration(), timeoutSeconds: 0 })).rejects.toMatchObject({
      name: 'InvalidWaiterError',
      message: expect.stringMatching(/timeoutSeconds must be a whole number of seconds from 1/),
    });
    await expect(registrar({ kind: 'other' })).rejects.toMatchObject({ name: 'InvalidWaiterError' });
  });

  it('fails with WaiterRegistrationError (retried by the state) if the table is unavailable', async () => {
    local.dynamodbServer.fail('down', /PutItem$/);
    try {
      const registrar = createRegistrar({ ...w.deps, store: waiterDeps(local, 'missing-table').ports.store });
      await expect(registrar(registration())).rejects.toBeInstanceOf(WaiterRegistrationError);
    } finally {
      local.dynamodbServer.heal();
    }
  });

  it('answers registered, and which delivery resumed it at once', async () => {
    const registrar = createRegistrar(w.deps);
    expect(await registrar(registration())).toEqual({ registered: true });
    const offered = reviewEvent(w.clock);
    await offerEvent(w.deps, offered);
    expect(await registrar(registration())).toEqual({ registered: true, resumedBy: offered.event.deliveryId });
  });

  it('registers the waiter with its TTL at registeredAt + timeout', async () => {
    const r = registration({ timeoutSeconds: 7 * 86400 });
    await createRegistrar(w.deps)(r);
    const [stored] = await w.ports.store.waitersFor('github', r.eventKey);
    expect(stored).toEqual(toWaiter(r, w.clock.now()));
    expect(stored!.expiresAt).toBe(Math.ceil(w.clock.now().getTime() / 1000) + 7 * 86400);
  });
});
