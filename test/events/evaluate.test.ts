import { sign } from '@octokit/webhooks-methods';
import { describe, expect, it } from 'vitest';
import type { RouteConfig } from '../../lambdas/core/config/webhook';
import { evaluate, type WebhookEventConfig } from '../../lambdas/core/events';
import { inbound, verify } from '../helpers/verify';
import { githubExample } from './fixtures/github';
import { paymentIntentEvent } from './fixtures/stripe';

const stripe: WebhookEventConfig = {
  name: 'stripe',
  expressions: { eventKey: "'stripe:' + input.type", scope: 'input.data.object.customer' },
  staticPayload: { source: 'stripe', environment: 'production' },
};
const github: WebhookEventConfig = {
  name: 'github',
  expressions: {
    eventKey: "'github:' + headers['x-github-event'] + ':' + input.action",
    filter: "headers['x-github-event'] != 'watch'",
  },
};

const route = (id: string, eventKeyPattern: string, options: Partial<RouteConfig> = {}): RouteConfig => ({
  id,
  eventKeyPattern,
  target: { arn: `arn:aws:states:us-east-1:123456789012:stateMachine:${id}`, type: 'STANDARD' },
  ...options,
});
const routes = [
  route('large-payments', 'stripe:payment_intent.succeeded', {
    webhook: 'stripe',
    filter: 'input.data.object.amount > 1000',
  }),
  route('all-intents', 'stripe:payment_intent.*', { webhook: 'stripe' }),
  route('stars', 'github:star:*', { webhook: 'github' }),
];

const json = (body: unknown, headers: Record<string, string> = {}) =>
  inbound({ body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', ...headers } });

describe('evaluate (dry run)', () => {
  it('shows key, scope, merged payload and the matched routes of a Stripe event', () => {
    const event = paymentIntentEvent('payment_intent.succeeded');
    const result = evaluate(stripe, routes, json(event), event.id);
    expect(result).toMatchObject({
      status: 'accepted',
      filterResult: true,
      eventKey: 'stripe:payment_intent.succeeded',
      scope: 'cus_NffrFeUfNV2Hib',
      payload: { ...event, source: 'stripe', environment: 'production' },
      idempotencyKey: event.id,
      groupBy: 'cus_NffrFeUfNV2Hib',
    });
    expect(result.matchedRoutes.map((r) => r.id)).toEqual(['large-payments', 'all-intents']);
  });

  it('skips a route whose filter is false', () => {
    const event = paymentIntentEvent('payment_intent.succeeded', { amount: 500 });
    expect(evaluate(stripe, routes, json(event)).matchedRoutes.map((r) => r.id)).toEqual(['all-intents']);
  });

  it('is unrouted when no route matches', () => {
    const event = { ...paymentIntentEvent('payment_intent.created'), type: 'charge.refunded' };
    expect(evaluate(stripe, routes, json(event))).toMatchObject({
      status: 'unrouted',
      eventKey: 'stripe:charge.refunded',
      matchedRoutes: [],
    });
  });

  it('takes the dedup key from a request GitHub signed and the verifier accepted', async () => {
    const body = JSON.stringify(githubExample('star', 'created'));
    const secret = "It's a Secret to Everybody";
    const headers = {
      'Content-Type': 'application/json',
      'X-GitHub-Event': 'star',
      'X-GitHub-Delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'X-Hub-Signature-256': await sign(secret, body),
    };
    const verdict = await verify({ type: 'github' }, { headers, body }, secret);
    expect(verdict.ok).toBe(true);
    const result = evaluate(github, routes, inbound({ headers, body }), verdict.ok ? verdict.dedupKey : undefined);
    expect(result).toMatchObject({
      status: 'accepted',
      eventKey: 'github:star:created',
      idempotencyKey: verdict.ok && verdict.dedupKey,
    });
    expect(result.idempotencyKey).toMatch(/^[0-9a-f]{64}$/); // the signed body's hash, not X-GitHub-Delivery
    expect(result.matchedRoutes.map((r) => r.id)).toEqual(['stars']);
  });

  it("gives CEL a Twilio form's signed parameter set, as the ingest does", () => {
    const sms = { name: 'sms', verifier: { type: 'twilio' as const }, expressions: { eventKey: "'sms:' + input.To" } };
    const request = inbound({
      body: 'To=%2B1555&MediaUrl=b&To=%2B1555&MediaUrl=a',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(evaluate(sms, [], request)).toMatchObject({
      status: 'unrouted',
      eventKey: 'sms:+1555',
      input: { To: '+1555', MediaUrl: ['a', 'b'] },
    });
  });

  it('reads a GitHub delivery sent as application/x-www-form-urlencoded', () => {
    const body = new URLSearchParams({ payload: JSON.stringify(githubExample('star', 'deleted')) }).toString();
    const request = inbound({
      body,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-GitHub-Event': 'star' },
    });
    expect(evaluate(github, routes, request)).toMatchObject({ status: 'accepted', eventKey: 'github:star:deleted' });
  });

  it('reports transform_failed for a GitHub ping and keeps the input for replay', () => {
    const ping = githubExample('ping');
    expect(evaluate(github, routes, json(ping, { 'X-GitHub-Event': 'ping' }))).toEqual({
      status: 'transform_failed',
      input: ping,
      filterResult: true,
      matchedRoutes: [],
      error: { expression: 'eventKey', message: 'No such key: action at 1:53' },
    });
  });

  it('reports filtered when the webhook filter is false', () => {
    const watch = githubExample('watch');
    expect(evaluate(github, routes, json(watch, { 'X-GitHub-Event': 'watch' }))).toEqual({
      status: 'filtered',
      input: watch,
      filterResult: false,
      matchedRoutes: [],
    });
  });

  it('reports a route filter error as transform_failed naming the route', () => {
    const strict = [route('needs-amount', 'stripe:*', { filter: 'input.data.object.amount > 0' })];
    const keyOnly = { name: 'stripe', expressions: { eventKey: "'stripe:' + input.type" } };
    expect(evaluate(keyOnly, strict, json({ type: 'balance.available' }))).toMatchObject({
      status: 'transform_failed',
      eventKey: 'stripe:balance.available',
      error: { expression: 'routes[needs-amount].filter', message: 'No such key: data at 1:7' },
    });
  });

  it('reports a body the gateway refuses as rejected with its HTTP status', () => {
    const request = inbound({ body: '<xml/>', headers: { 'Content-Type': 'application/xml' } });
    expect(evaluate(stripe, routes, request)).toMatchObject({
      status: 'rejected',
      httpStatus: 415,
      reason: 'unsupported_media_type',
    });
    const truncated = inbound({ body: '{"type":', headers: { 'Content-Type': 'application/json' } });
    expect(evaluate(stripe, routes, truncated)).toMatchObject({
      status: 'rejected',
      httpStatus: 400,
      reason: 'malformed_json',
    });
  });
});
