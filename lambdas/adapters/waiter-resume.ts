import { METRICS } from '../core/config/environment';
import type { WorkflowInput } from '../core/config/messages';
import { loadRegexEngine, usesRegex } from '../core/cel/regex';
import { evaluateMatch, withinWaiter } from '../core/waiters/match';
import {
  toWaiter,
  WAITER_LIMITS,
  type OfferedEvent,
  type Waiter,
  type WaiterRegistration,
} from '../core/waiters/model';
import type { HistoryStore, TaskAnswer, Telemetry, WaiterPorts } from './ports';

// The waiter protocol over the waiter ports. It sits with the ports, not in a handler folder, because
// two functions run it: the dispatcher offers events (offerEvent), the registrar registers (registerWaiter).

export interface WaiterDeps extends WaiterPorts {
  readonly history: Pick<HistoryStore, 'markEnqueued'>;
  readonly telemetry: Telemetry;
}

/**
 * `resumed`; `gone` (its task no longer waits: timed out, stopped); `taken` (another event claimed
 * it first); `failed` (its task was failed with EVENT_TOO_LARGE).
 */
export type ResumeOutcome = TaskAnswer | 'taken' | 'failed';

export interface ResumeResult {
  readonly waiter: Waiter;
  readonly outcome: ResumeOutcome;
}

/** The error a waiter's task fails with when its event cannot be its output (cannot happen for gateway events). */
export const EVENT_TOO_LARGE = 'WebhookGateway.EventTooLarge';

/**
 * The dispatcher's side: records the event for look-back, THEN reads the waiters (strongly
 * consistent), and resumes every waiter the event matches. Each waiter is claimed (a conditional
 * write) before its task is answered, so it resumes at most once, whichever event or registrar
 * gets there first. Throws, after every waiter was tried, when one of them failed.
 */
export async function offerEvent(deps: WaiterDeps, offered: OfferedEvent): Promise<ResumeResult[]> {
  const { event, claimant } = offered;
  const received = Math.floor(Date.parse(event.receivedAt) / 1000);
  await deps.store.recordEvent(offered, received + WAITER_LIMITS.recentEventSeconds);
  const now = Math.floor(deps.clock.now().getTime() / 1000);
  const candidates = (await deps.store.waitersFor(event.webhook, event.eventKey)).filter(
    (w) => w.expiresAt > now && (w.claimedBy === undefined || w.claimedBy === claimant) && withinWaiter(w, event),
  );
  const matching = await matchingWaiters(deps, candidates, event);
  const settled = await Promise.allSettled(matching.map((w) => resume(deps, w, offered, 'event')));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s, i) => ({ waiter: matching[i]!, outcome: (s as PromiseFulfilledResult<ResumeOutcome>).value }));
}

/**
 * The registrar's side: writes the waiter, THEN reads the events recorded in its look-back window
 * (strongly consistent), and resumes it with the oldest that matches. With both sides writing
 * before they read, an event and a waiter registering at the same time always meet on one side.
 */
export async function registerWaiter(
  deps: WaiterDeps,
  registration: WaiterRegistration,
): Promise<{ readonly waiter: Waiter; readonly resumedBy?: string }> {
  const now = deps.clock.now();
  const waiter = toWaiter(registration, now);
  await deps.store.register(waiter);
  deps.telemetry.log.info('waiter registered', fieldsOf(waiter));
  const since = new Date(now.getTime() - waiter.lookBackSeconds * 1000);
  const recent = await deps.store.recentEvents(waiter.webhook, waiter.eventKey, since);
  for (const offered of recent) {
    if (!withinWaiter(waiter, offered.event)) continue;
    if ((await matchingWaiters(deps, [waiter], offered.event)).length === 0) continue;
    // Its own claimant: the dispatcher may be resuming the waiter with this very event right now.
    const outcome = await resume(deps, waiter, { ...offered, claimant: `${offered.claimant}#look-back` }, 'look-back');
    return outcome === 'resumed' ? { waiter, resumedBy: offered.event.deliveryId } : { waiter };
  }
  return { waiter };
}

async function matchingWaiters(deps: WaiterDeps, waiters: readonly Waiter[], event: WorkflowInput): Promise<Waiter[]> {
  if (waiters.length === 0) return [];
  if (usesRegex(waiters.map((w) => w.match))) await loadRegexEngine();
  const seen =
    event.payloadRef && waiters.some((w) => w.match !== undefined)
      ? { ...event, payload: JSON.parse((await deps.payloads.get(event.payloadRef)).toString('utf8')) as unknown }
      : event;
  return waiters.filter((waiter) => {
    const result = evaluateMatch(waiter, seen);
    if (!result.ok) {
      deps.telemetry.log.warn('waiter match failed', {
        ...fieldsOf(waiter),
        deliveryId: event.deliveryId,
        error: result.error,
      });
    }
    return result.ok && result.matched;
  });
}

async function resume(
  deps: WaiterDeps,
  waiter: Waiter,
  offered: OfferedEvent,
  via: 'event' | 'look-back',
): Promise<ResumeOutcome> {
  const { event, claimant } = offered;
  if (!(await deps.store.claim(waiter, claimant, deps.clock.now()))) return 'taken';
  const fields = { ...fieldsOf(waiter), deliveryId: event.deliveryId, via };
  const output = JSON.stringify(event);
  const bytes = Buffer.byteLength(output);
  let outcome: ResumeOutcome;
  if (bytes > WAITER_LIMITS.taskOutputBytes) {
    // The ingest keeps events under the limit (large payloads travel as payloadRef); never retry this.
    const answer = await deps.tasks.fail(
      waiter.taskToken,
      EVENT_TOO_LARGE,
      `event ${event.deliveryId} is ${bytes} bytes`,
    );
    outcome = answer === 'gone' ? 'gone' : 'failed';
  } else {
    outcome = await deps.tasks.succeed(waiter.taskToken, output);
  }
  if (outcome === 'resumed') {
    deps.telemetry.metrics.count(METRICS.waitersResumed);
    await deps.history.markEnqueued(offered.historyKey, waiter.executionArn).catch((error: unknown) => {
      // The workflow was resumed; retrying the event cannot redo that, so the history update is given up.
      deps.telemetry.log.error('history not updated', { ...fields, error: describe(error) });
    });
  }
  await deps.store.remove(waiter, claimant);
  deps.telemetry.log[outcome === 'failed' ? 'error' : 'info'](`waiter ${outcome}`, fields);
  return outcome;
}

function fieldsOf(waiter: Waiter) {
  return {
    waiter: waiter.name,
    webhook: waiter.webhook,
    eventKey: waiter.eventKey,
    executionArn: waiter.executionArn,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
