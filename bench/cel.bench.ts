import { compileExpression } from '../lambdas/core/cel';
import type { RouteConfig } from '../lambdas/core/config/webhook';
import { compileRoutes, compileWebhook, matchRoutes, transformEvent } from '../lambdas/core/events';
import { githubExample } from '../test/events/fixtures/github';
import { paymentIntentEvent } from '../test/events/fixtures/stripe';
import type { Benchmark } from './suites/micro';

const STRIPE_KEY = "'stripe:' + input.type";
const GITHUB_KEY = "'github:' + headers['x-github-event'] + ':' + input.action";
const AMOUNT_FILTER = 'input.data.object.amount > 1000';
const REF_FILTER = "input.ref.matches('^refs/heads/(main|release-.*)$')";

const stripeEvent = paymentIntentEvent('payment_intent.succeeded');
const star = githubExample('star', 'created');
const push = { ...githubExample('push'), ref: 'refs/heads/release-1.2' };
const vars = (input: unknown, headers: Record<string, string> = {}) => ({ input, headers, query: {}, webhook: 'w' });

const stripeKey = compileExpression(STRIPE_KEY, 'string');
const githubKey = compileExpression(GITHUB_KEY, 'string');
const refFilter = compileExpression(REF_FILTER, 'bool');
const redos = compileExpression("input.s.matches('^(a+)+$')", 'bool');
const redosInput = vars({ s: `${'a'.repeat(30)}!` });

const webhook = compileWebhook({
  name: 'stripe',
  expressions: { eventKey: STRIPE_KEY, scope: 'input.data.object.customer', filter: 'input.livemode == false' },
  staticPayload: { environment: 'production' },
});
const target = { arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:x', type: 'STANDARD' as const };
const routes = compileRoutes([
  { id: 'large', eventKeyPattern: 'stripe:payment_intent.succeeded', filter: AMOUNT_FILTER, target },
  { id: 'intents', eventKeyPattern: 'stripe:payment_intent.*', target },
  { id: 'github', eventKeyPattern: 'github:*', target },
] satisfies RouteConfig[]);
const transformed = transformEvent(webhook, { input: stripeEvent, headers: {}, query: {}, dedupKey: stripeEvent.id });
if (transformed.status !== 'transformed') throw new Error(`bench setup: ${JSON.stringify(transformed)}`);
const routable = { ...transformed, webhook: 'stripe', headers: {}, query: {} };

export const benchmarks: Benchmark[] = [
  { name: `compile ${STRIPE_KEY}`, fn: () => compileExpression(STRIPE_KEY, 'string') },
  { name: `compile ${GITHUB_KEY}`, fn: () => compileExpression(GITHUB_KEY, 'string') },
  { name: `compile ${AMOUNT_FILTER}`, fn: () => compileExpression(AMOUNT_FILTER, 'bool', { environment: 'event' }) },
  { name: `compile ${REF_FILTER} (pattern cached)`, fn: () => compileExpression(REF_FILTER, 'bool') },
  { name: `evaluate ${STRIPE_KEY}`, fn: () => stripeKey.evaluate(vars(stripeEvent)) },
  { name: `evaluate ${GITHUB_KEY}`, fn: () => githubKey.evaluate(vars(star, { 'x-github-event': 'star' })) },
  { name: `evaluate ${REF_FILTER}`, fn: () => refFilter.evaluate(vars(push)) },
  { name: "evaluate '^(a+)+$' on 30 a's and a ! (RE2)", fn: () => redos.evaluate(redosInput) },
  {
    name: 'transformEvent (filter, key, scope, staticPayload)',
    fn: () => transformEvent(webhook, { input: stripeEvent, headers: {}, query: {}, dedupKey: stripeEvent.id }),
  },
  { name: 'matchRoutes (3 routes, 1 CEL filter)', fn: () => matchRoutes(routes, routable) },
];
