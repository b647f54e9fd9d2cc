import { describe, expect, it } from 'vitest';
import type { WorkflowInput } from '../../lambdas/core/config/messages';
import { evaluateMatch, withinWaiter } from '../../lambdas/core/waiters/match';
import { InvalidWaiterError, parseRegistration, toWaiter } from '../../lambdas/core/waiters/model';
import { validateWaiter } from '../../lambdas/core/waiters/validate';
import { registration } from './support';

const event: WorkflowInput = {
  webhook: 'github',
  deliveryId: 'd-1',
  eventKey: 'github:pull_request_review',
  scope: 'octo/repo',
  receivedAt: '2026-03-01T12:00:00.000Z',
  headers: { 'x-github-event': 'pull_request_review' },
  payload: { review: { state: 'approved' }, pull_request: { number: 42, labels: ['deploy'] } },
};

describe('a waiter match', () => {
  const waiter = (match: string | undefined, values: Record<string, unknown> = { pr: 42 }) => ({
    ...(match !== undefined && { match }),
    values,
  });

  it('sees the event as a workflow receives it and the values of the waiting workflow', () => {
    const match = "event.payload.review.state == 'approved' && event.payload.pull_request.number == values.pr";
    expect(evaluateMatch(waiter(match), event)).toEqual({ ok: true, matched: true });
    expect(evaluateMatch(waiter(match, { pr: 7 }), event)).toEqual({ ok: true, matched: false });
    expect(
      evaluateMatch(waiter("event.scope == 'octo/repo' && 'deploy' in event.payload.pull_request.labels"), event),
    ).toEqual({ ok: true, matched: true });
    expect(evaluateMatch(waiter("event.headers['x-github-event'].matches('^pull_')"), event)).toEqual({
      ok: true,
      matched: true,
    });
  });

  it('matches every event when there is no match expression', () => {
    expect(evaluateMatch(waiter(undefined), event)).toEqual({ ok: true, matched: true });
  });

  it('fails if the expression errors or does not yield a bool, with the reason', () => {
    expect(evaluateMatch(waiter('event.payload.nothing.here'), event)).toMatchObject({ ok: false, error: /nothing/ });
    expect(evaluateMatch(waiter('event.payload.review.state'), event)).toEqual({
      ok: false,
      error: 'must return bool, got string',
    });
    expect(evaluateMatch(waiter('event.payload ==='), event)).toMatchObject({ ok: false });
  });

  it('applies to the key pattern and to events from the look-back window on', () => {
    const w = toWaiter(
      registration({ eventKey: 'github:pull_request*', lookBackSeconds: 60 }),
      new Date(event.receivedAt),
    );
    expect(withinWaiter(w, event)).toBe(true);
    expect(withinWaiter(w, { ...event, receivedAt: '2026-03-01T11:59:00.000Z' })).toBe(true);
    expect(withinWaiter(w, { ...event, receivedAt: '2026-03-01T11:58:59.999Z' })).toBe(false);
    expect(withinWaiter(w, { ...event, receivedAt: '2026-03-02T00:00:00.000Z' })).toBe(true);
    expect(withinWaiter(w, { ...event, eventKey: 'github:push' })).toBe(false);
  });
});

describe('the registrar payload', () => {
  it('is accepted as Step Functions sends it', () => {
    const sent = registration();
    expect(parseRegistration(JSON.parse(JSON.stringify(sent)))).toEqual(sent);
  });

  it.each([
    [{ kind: 'other' }, /kind must be "waitForWebhook"/],
    [{ taskToken: '' }, /taskToken must be a non-empty string/],
    [{ webhook: 'Not A Name' }, /webhook must be a webhook name/],
    [{ values: [1] }, /values must be an object/],
    [{ lookBackSeconds: 3601 }, /lookBackSeconds must be a whole number of seconds from 0 to 3600/],
    [{ timeoutSeconds: 1.5 }, /timeoutSeconds must be a whole number/],
  ])('fails if %j', (change, message) => {
    expect(() => parseRegistration({ ...registration(), ...change })).toThrow(InvalidWaiterError);
    expect(() => parseRegistration({ ...registration(), ...change })).toThrow(message);
  });
});

describe('synth-time checks', () => {
  it('pass a valid waiter and skip what is unknown (tokens)', () => {
    expect(validateWaiter({ name: 'W' }, [])).toEqual([]);
    expect(
      validateWaiter(
        { name: 'W', webhook: 'github', eventKey: 'github:*', match: 'true', timeoutSeconds: 1, lookBackSeconds: 0 },
        ['github'],
      ),
    ).toEqual([]);
  });

  it('fail with the position of a CEL syntax error and the fix', () => {
    expect(validateWaiter({ name: 'W', match: 'event.payload.x == )' }, [])).toEqual([
      expect.stringMatching(/^waitForWebhook "W": match is not valid CEL at 1:20: .*strings are quoted/),
    ]);
  });

  it('fail if the webhook is unknown, with none defined', () => {
    expect(validateWaiter({ name: 'W', webhook: 'github' }, [])).toEqual([
      'waitForWebhook "W": webhook "github" does not exist; no webhook is defined',
    ]);
  });
});
