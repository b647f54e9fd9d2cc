import type { HistoryKey, WorkflowInput } from '../config/messages';
import { WEBHOOK_NAME_PATTERN } from '../config/webhook';

/** The `kind` of the payload a waitForWebhook state sends the registrar: how the state is recognised. */
export const WAITER_TASK_KIND = 'waitForWebhook';

export const WAITER_LIMITS = {
  /** A Standard workflow runs for at most a year. */
  maxTimeoutSeconds: 365 * 24 * 3600,
  defaultLookBackSeconds: 5 * 60,
  maxLookBackSeconds: 3600,
  /** Recent events are kept (and read) for the longest look-back. */
  recentEventSeconds: 3600,
  /** SendTaskSuccess takes at most 256 KiB of output. */
  taskOutputBytes: 256 * 1024,
} as const;

/**
 * What a waitForWebhook state sends the registrar (its Lambda payload), with the task token and
 * the workflow's values resolved by Step Functions.
 */
export interface WaiterRegistration {
  readonly kind: typeof WAITER_TASK_KIND;
  readonly taskToken: string;
  /** Unique per waitForWebhook state in the app (the construct's address). */
  readonly waiterId: string;
  /** The state's name, for logs. */
  readonly name: string;
  readonly executionArn: string;
  readonly webhook: string;
  /** Exact event key, or a pattern where `*` matches any run of characters. */
  readonly eventKey: string;
  /** CEL over `event` and `values`, yielding bool. */
  readonly match?: string;
  readonly values?: Readonly<Record<string, unknown>>;
  readonly timeoutSeconds: number;
  readonly lookBackSeconds: number;
}

/** A registered waiter, as stored. */
export interface Waiter extends Omit<WaiterRegistration, 'kind' | 'values' | 'timeoutSeconds'> {
  readonly values: Readonly<Record<string, unknown>>;
  /** ISO-8601, taken before the waiter was written: the look-back window ends here. */
  readonly registeredAt: string;
  /** Epoch seconds: registeredAt + timeout, when Step Functions has timed the task out. */
  readonly expiresAt: number;
  /** The event that claimed the waiter (it is being resumed). */
  readonly claimedBy?: string;
}

/** An event offered to waiters, as the dispatcher records it for look-back. */
export interface OfferedEvent {
  /** Exactly what a workflow started by the event receives; also the waiter's output. */
  readonly event: WorkflowInput;
  /** Identifies the event among claimants: `<webhook>/<idempotency key>`. */
  readonly claimant: string;
  /** Its delivery's history item, which lists the executions the event resumed. */
  readonly historyKey: HistoryKey;
}

/** The registrar was sent something that is not a waiter (a deployment bug): the task fails, without retry. */
export class InvalidWaiterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidWaiterError';
  }
}

export function claimantOf(webhook: string, idempotencyKey: string): string {
  return `${webhook}/${idempotencyKey}`;
}

const isText = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isWholeNumber = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** Checks the registrar's payload field by field; throws InvalidWaiterError naming the first bad field. */
export function parseRegistration(payload: unknown): WaiterRegistration {
  const p = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<string, unknown>;
  const bad = (field: string, expected: string) =>
    new InvalidWaiterError(
      `waiter payload: ${field} must be ${expected}, got ${JSON.stringify(p[field]) ?? 'nothing'}`,
    );
  if (p.kind !== WAITER_TASK_KIND) throw bad('kind', `"${WAITER_TASK_KIND}"`);
  for (const field of ['taskToken', 'waiterId', 'name', 'executionArn', 'eventKey'] as const) {
    if (!isText(p[field])) throw bad(field, 'a non-empty string');
  }
  if (typeof p.webhook !== 'string' || !WEBHOOK_NAME_PATTERN.test(p.webhook)) throw bad('webhook', 'a webhook name');
  if (p.match !== undefined && !isText(p.match)) throw bad('match', 'a CEL expression');
  if (p.values !== undefined && (typeof p.values !== 'object' || p.values === null || Array.isArray(p.values))) {
    throw bad('values', 'an object');
  }
  if (!isWholeNumber(p.timeoutSeconds, 1, WAITER_LIMITS.maxTimeoutSeconds)) {
    throw bad('timeoutSeconds', `a whole number of seconds from 1 to ${WAITER_LIMITS.maxTimeoutSeconds}`);
  }
  if (!isWholeNumber(p.lookBackSeconds, 0, WAITER_LIMITS.maxLookBackSeconds)) {
    throw bad('lookBackSeconds', `a whole number of seconds from 0 to ${WAITER_LIMITS.maxLookBackSeconds}`);
  }
  return p as unknown as WaiterRegistration;
}

/** The waiter a registration becomes at `now`. */
export function toWaiter(registration: WaiterRegistration, now: Date): Waiter {
  const { kind: _kind, values, timeoutSeconds, ...rest } = registration;
  return {
    ...rest,
    values: values ?? {},
    registeredAt: now.toISOString(),
    expiresAt: Math.ceil(now.getTime() / 1000) + timeoutSeconds,
  };
}
