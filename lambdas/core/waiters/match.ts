import { compileExpression, type CompiledExpression } from '../cel';
import type { WorkflowInput } from '../config/messages';
import { celTypeName } from '../events/expressions';
import { matchesEventKey } from '../events/routing';
import { run } from '../events/transform';
import type { Waiter } from './model';

export const WAITER_MATCH = { type: 'bool', environment: 'waiter' } as const;

export type MatchResult =
  { readonly ok: true; readonly matched: boolean } | { readonly ok: false; readonly error: string };

// Match expressions come from the app's waitForWebhook states: few distinct sources, compiled once each.
const compiled = new Map<string, CompiledExpression>();
const MAX_COMPILED = 500;

function compiledMatch(source: string): CompiledExpression {
  let expression = compiled.get(source);
  if (expression === undefined) {
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    expression = compileExpression(source, WAITER_MATCH.type, WAITER_MATCH);
    compiled.set(source, expression);
  }
  return expression;
}

/**
 * Whether `event` may resume `waiter` before its `match` is evaluated: the key matches the
 * waiter's exact key or pattern, and the event was accepted no earlier than the look-back window
 * before the waiter registered.
 */
export function withinWaiter(
  waiter: Pick<Waiter, 'eventKey' | 'registeredAt' | 'lookBackSeconds'>,
  event: WorkflowInput,
) {
  const windowStart = Date.parse(waiter.registeredAt) - waiter.lookBackSeconds * 1000;
  return matchesEventKey(waiter.eventKey, event.eventKey) && Date.parse(event.receivedAt) >= windowStart;
}

/**
 * Evaluates the waiter's `match` over `event` (with its payload, loaded when the event carries a
 * payloadRef) and the waiter's values. No match expression matches every event. An expression
 * that errors or does not yield a bool does not match; the error is returned for the log.
 */
export function evaluateMatch(waiter: Pick<Waiter, 'match' | 'values'>, event: WorkflowInput): MatchResult {
  if (waiter.match === undefined) return { ok: true, matched: true };
  let expression: CompiledExpression;
  try {
    expression = compiledMatch(waiter.match);
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  const result = run(expression, { event, values: waiter.values });
  if (!result.ok) return result;
  if (typeof result.value !== 'boolean')
    return { ok: false, error: `must return bool, got ${celTypeName(result.value)}` };
  return { ok: true, matched: result.value };
}
