import { describe, expect, it } from 'vitest';
import type { RouteConfig } from '../../lambdas/core/config/webhook';
import {
  compileRoutes,
  matchesEventKey,
  matchRoutes,
  RouteCompileError,
  type RoutableEvent,
} from '../../lambdas/core/events';
import { paymentIntentEvent } from './fixtures/stripe';

const target = (name: string) => ({
  arn: `arn:aws:states:us-east-1:123456789012:stateMachine:${name}`,
  type: 'STANDARD' as const,
});
const route = (id: string, eventKeyPattern: string, options: Partial<RouteConfig> = {}): RouteConfig => ({
  id,
  eventKeyPattern,
  target: target(id),
  ...options,
});

function event(eventKey: string, payload: unknown = {}, extra: Partial<RoutableEvent> = {}): RoutableEvent {
  return { webhook: 'stripe', eventKey, payload, headers: {}, query: {}, ...extra };
}

const ids = (result: ReturnType<typeof matchRoutes>) =>
  result.status === 'routed' ? result.routes.map((r) => r.id) : result.status;

describe('matchesEventKey', () => {
  it('matches exactly without a wildcard', () => {
    expect(matchesEventKey('stripe:payment_intent.succeeded', 'stripe:payment_intent.succeeded')).toBe(true);
    expect(matchesEventKey('stripe:payment_intent.succeeded', 'stripe:payment_intent.succeeded2')).toBe(false);
    expect(matchesEventKey('stripe:payment_intent.succeeded', 'stripe:payment_intentXsucceeded')).toBe(false);
  });

  it('lets * match any run of characters, : and . included, or none', () => {
    expect(matchesEventKey('stripe:payment_intent.*', 'stripe:payment_intent.created')).toBe(true);
    expect(matchesEventKey('stripe:payment_intent.*', 'stripe:payment_intent.')).toBe(true);
    expect(matchesEventKey('stripe:payment_intent.*', 'stripe:charge.succeeded')).toBe(false);
    expect(matchesEventKey('github:*', 'github:pull_request:opened')).toBe(true);
    expect(matchesEventKey('*:created', 'github:star:created')).toBe(true);
    expect(matchesEventKey('github:*:created', 'github:star:deleted')).toBe(false);
    expect(matchesEventKey('*', 'anything')).toBe(true);
    expect(matchesEventKey('a*b*c', 'aXXbYYc')).toBe(true);
    expect(matchesEventKey('a*b*c', 'aXXcYYb')).toBe(false);
  });

  it('treats regex characters literally', () => {
    expect(matchesEventKey('a.c', 'abc')).toBe(false);
    expect(matchesEventKey('a+(b)?', 'a+(b)?')).toBe(true);
  });

  it('stays fast on a pathological pattern and key', () => {
    const started = performance.now();
    expect(matchesEventKey('*a*a*a*a*a*a*a*b', 'a'.repeat(20_000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('matchRoutes', () => {
  it('returns every matching route in order, and unrouted when none matches', () => {
    const routes = compileRoutes([
      route('all-intents', 'stripe:payment_intent.*'),
      route('charges', 'stripe:charge.*'),
      route('succeeded', 'stripe:payment_intent.succeeded'),
    ]);
    expect(ids(matchRoutes(routes, event('stripe:payment_intent.succeeded')))).toEqual(['all-intents', 'succeeded']);
    expect(matchRoutes(routes, event('stripe:invoice.paid'))).toEqual({ status: 'unrouted' });
  });

  it('matches the webhook and the scope when a route names them', () => {
    const routes = compileRoutes([
      route('from-github', '*', { webhook: 'github' }),
      route('customer', 'stripe:*', { scope: 'cus_NffrFeUfNV2Hib' }),
    ]);
    expect(ids(matchRoutes(routes, event('stripe:x', {}, { scope: 'cus_NffrFeUfNV2Hib' })))).toEqual(['customer']);
    expect(ids(matchRoutes(routes, event('stripe:x', {}, { scope: 'cus_other' })))).toBe('unrouted');
    expect(ids(matchRoutes(routes, event('stripe:x')))).toBe('unrouted');
    expect(ids(matchRoutes(routes, event('github:push', {}, { webhook: 'github' })))).toEqual(['from-github']);
  });

  it('applies a CEL filter over the final payload', () => {
    const routes = compileRoutes([
      route('large', 'stripe:payment_intent.succeeded', { filter: 'input.data.object.amount > 1000' }),
      route('prod', 'stripe:*', { filter: "input.environment == 'production' && eventKey.endsWith('.succeeded')" }),
    ]);
    const large = { ...paymentIntentEvent('payment_intent.succeeded'), environment: 'production' };
    expect(ids(matchRoutes(routes, event('stripe:payment_intent.succeeded', large)))).toEqual(['large', 'prod']);
    const small = paymentIntentEvent('payment_intent.succeeded', { amount: 500 });
    expect(
      ids(matchRoutes(routes, event('stripe:payment_intent.succeeded', { ...small, environment: 'staging' }))),
    ).toBe('unrouted');
  });

  it('fails the delivery as transform_failed when a route filter errors, naming the route', () => {
    const routes = compileRoutes([
      route('ok', 'stripe:*'),
      route('broken', 'stripe:*', { filter: 'input.data.object.amount > 1000' }),
    ]);
    expect(matchRoutes(routes, event('stripe:ping', { type: 'ping' }, { scope: 'cus_1' }))).toEqual({
      status: 'transform_failed',
      expression: 'routes[broken].filter',
      error: 'No such key: data at 1:7',
      eventKey: 'stripe:ping',
      scope: 'cus_1',
    });
  });

  it('does not evaluate the filter of a route whose key does not match', () => {
    const routes = compileRoutes([route('github-only', 'github:*', { filter: 'input.nope.nope' })]);
    expect(matchRoutes(routes, event('stripe:x'))).toEqual({ status: 'unrouted' });
  });

  it('compiles once per routes array, and throws RouteCompileError for a broken filter', () => {
    const list = [route('a', '*')];
    expect(compileRoutes(list)).toBe(compileRoutes(list));
    expect(() => compileRoutes([route('bad', '*', { filter: "'x'" })])).toThrow(RouteCompileError);
    expect(() => compileRoutes([route('bad', '*', { filter: "'x'" })])).toThrow(/route "bad": filter does not compile/);
  });
});
