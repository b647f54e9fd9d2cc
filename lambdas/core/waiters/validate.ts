import '../cel/regex-engine';
import { checkExpression, VARIABLES, type ExpressionProblem } from '../cel';
import { WAITER_MATCH } from './match';
import { WAITER_LIMITS } from './model';

/** What the constructs know of a waitForWebhook state at synth time; tokens are left out. */
export interface WaiterValidationInput {
  /** How messages name the waiter, e.g. its construct id. */
  readonly name: string;
  readonly webhook?: string;
  readonly eventKey?: string;
  readonly match?: string;
  readonly timeoutSeconds?: number;
  readonly lookBackSeconds?: number;
}

const EXAMPLE_MATCH = "event.payload.review.state == 'approved' && event.payload.pull_request.number == values.pr";

/**
 * The checks `cdk synth` runs on a waiter: the webhook exists, the event key is set, `match` is
 * CEL yielding bool (with its position), the timeout and look-back are within bounds. Messages
 * name the waiter, the field, the value and the fix.
 */
export function validateWaiter(waiter: WaiterValidationInput, knownWebhooks: Iterable<string>): string[] {
  const errors: string[] = [];
  const subject = `waitForWebhook "${waiter.name}"`;
  if (waiter.webhook !== undefined) {
    const known = [...knownWebhooks];
    if (!known.includes(waiter.webhook)) {
      const list = known.length > 0 ? `known webhooks: ${known.sort().join(', ')}` : 'no webhook is defined';
      errors.push(`${subject}: webhook "${waiter.webhook}" does not exist; ${list}`);
    }
  }
  if (waiter.eventKey !== undefined && waiter.eventKey.trim() === '') {
    errors.push(`${subject}: eventKey is empty; give the event key to wait for, e.g. 'github:pull_request_review'`);
  }
  if (waiter.match !== undefined) {
    const problem = matchProblem(waiter.match);
    if (problem !== undefined) errors.push(`${subject}: match ${problem}`);
  }
  const { maxTimeoutSeconds, maxLookBackSeconds } = WAITER_LIMITS;
  const t = waiter.timeoutSeconds;
  if (t !== undefined && !(Number.isInteger(t) && t >= 1 && t <= maxTimeoutSeconds)) {
    errors.push(
      `${subject}: timeout ${t} seconds must be a whole number of seconds from 1 to ${maxTimeoutSeconds} (365 days)`,
    );
  }
  const l = waiter.lookBackSeconds;
  if (l !== undefined && !(Number.isInteger(l) && l >= 0 && l <= maxLookBackSeconds)) {
    errors.push(
      `${subject}: lookBack ${l} seconds must be a whole number of seconds from 0 to ${maxLookBackSeconds} (1 hour)`,
    );
  }
  return errors;
}

function matchProblem(source: string): string | undefined {
  if (source.trim() === '') return `is empty; write a CEL expression, e.g. ${EXAMPLE_MATCH}`;
  const checked = checkExpression(source, WAITER_MATCH.type, WAITER_MATCH);
  return checked.ok ? undefined : describe(checked);
}

function describe(problem: ExpressionProblem): string {
  const at = `${problem.line}:${problem.column}`;
  const message = problem.message.charAt(0).toLowerCase() + problem.message.slice(1);
  switch (problem.kind) {
    case 'syntax':
      return `is not valid CEL at ${at}: ${message}. Fix the expression; strings are quoted, e.g. ${EXAMPLE_MATCH}`;
    case 'regex':
      return `has an invalid regular expression at ${at}: ${message}. matches() takes RE2 syntax (no lookaround or backreferences)`;
    case 'result':
      return `must return bool, got ${problem.actualType}`;
    case 'type': {
      const hint =
        problem.code === 'unknown_variable'
          ? `. Variables: ${VARIABLES.waiter.join(', ')} (the event is event.payload, event.eventKey, event.scope, …)`
          : '';
      return `does not type-check at ${at}: ${message}${hint}`;
    }
  }
}
