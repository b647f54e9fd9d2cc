import { describe, expect, it } from 'vitest';
import {
  compileWebhook,
  transformEvent,
  WebhookCompileError,
  type TransformRequest,
  type WebhookEventConfig,
} from '../../lambdas/core/events';
import { allGithubExamples, githubExample } from './fixtures/github';
import { paymentIntentEvent } from './fixtures/stripe';

const GITHUB_KEY = "'github:' + headers['x-github-event'] + ':' + input.action";

function transform(config: WebhookEventConfig, request: Partial<TransformRequest> & { input: unknown }) {
  return transformEvent(compileWebhook(config), { headers: {}, query: {}, dedupKey: 'delivery-1', ...request });
}

const stripe = (
  expressions: Partial<WebhookEventConfig['expressions']> = {},
  staticPayload?: Record<string, unknown>,
) => ({
  name: 'stripe',
  expressions: { eventKey: "'stripe:' + input.type", ...expressions },
  ...(staticPayload && { staticPayload }),
});

describe('transformEvent', () => {
  it("gives 'stripe:payment_intent.created' for a Stripe event", () => {
    const event = paymentIntentEvent('payment_intent.created');
    expect(transform(stripe(), { input: event, dedupKey: event.id })).toEqual({
      status: 'transformed',
      eventKey: 'stripe:payment_intent.created',
      payload: event,
      idempotencyKey: event.id,
      groupBy: event.id,
    });
  });

  it("gives 'github:star:created' for GitHub's star example", () => {
    const result = transform(
      { name: 'github', expressions: { eventKey: GITHUB_KEY } },
      { input: githubExample('star', 'created'), headers: { 'x-github-event': 'star' } },
    );
    expect(result).toMatchObject({ status: 'transformed', eventKey: 'github:star:created' });
  });

  it('fails as transform_failed, not a crash, for a GitHub ping (no action)', () => {
    const result = transform(
      { name: 'github', expressions: { eventKey: GITHUB_KEY } },
      { input: githubExample('ping'), headers: { 'x-github-event': 'ping' } },
    );
    expect(result).toEqual({
      status: 'transform_failed',
      expression: 'eventKey',
      error: 'No such key: action at 1:53',
    });
  });

  it('keys every published GitHub example, guarding events without an action', () => {
    const config = {
      name: 'github',
      expressions: {
        eventKey: "'github:' + headers['x-github-event'] + (has(input.action) ? ':' + input.action : '')",
      },
    };
    for (const { event, payload } of allGithubExamples()) {
      const action = typeof payload['action'] === 'string' ? `:${payload['action']}` : '';
      const result = transform(config, { input: payload, headers: { 'x-github-event': event } });
      expect(result).toMatchObject({ status: 'transformed', eventKey: `github:${event}${action}` });
    }
  });

  it('merges staticPayload over the top level; the static value wins', () => {
    const result = transform(stripe({}, { source: 'stripe', environment: 'production' }), {
      input: { type: 'payment_intent.created', source: 'api' },
    });
    expect(result).toMatchObject({
      status: 'transformed',
      payload: { type: 'payment_intent.created', source: 'stripe', environment: 'production' },
    });
  });

  it('leaves an array body (SendGrid) as it is, staticPayload or not', () => {
    const events = [{ event: 'processed', sg_event_id: 'a' }];
    const config = { name: 'sendgrid', expressions: { eventKey: "'sendgrid:batch'" }, staticPayload: { env: 'prod' } };
    expect(transform(config, { input: events })).toMatchObject({ status: 'transformed', payload: events });
    const eachEvent = { name: 'sendgrid', expressions: { eventKey: "'sendgrid:' + input[0].event" } };
    expect(transform(eachEvent, { input: events })).toMatchObject({ eventKey: 'sendgrid:processed' });
  });

  it('does not mutate the input', () => {
    const event = paymentIntentEvent('payment_intent.created');
    const before = structuredClone(event);
    transform(stripe({ scope: 'input.data.object.customer' }, { source: 'stripe', type: 'overridden' }), {
      input: event,
    });
    expect(event).toEqual(before);
  });

  it('keeps a __proto__ key of the body as a plain field when merging', () => {
    const input = JSON.parse('{"type":"x","__proto__":{"polluted":true}}') as unknown;
    const result = transform(stripe({}, { env: 'prod' }), { input });
    const payload = result.status === 'transformed' ? (result.payload as Record<string, unknown>) : {};
    expect(Object.getPrototypeOf(payload)).toBe(Object.prototype);
    expect(Object.keys(payload)).toEqual(['type', '__proto__', 'env']);
    expect(JSON.stringify(payload)).toBe('{"type":"x","__proto__":{"polluted":true},"env":"prod"}');
  });

  it('filters before computing anything else', () => {
    const config = stripe({ filter: "input.type != 'payment_intent.created'", scope: 'input.missing.field' });
    expect(transform(config, { input: paymentIntentEvent('payment_intent.created') })).toEqual({ status: 'filtered' });
    expect(transform(config, { input: paymentIntentEvent('payment_intent.succeeded') })).toMatchObject({
      status: 'transform_failed',
      expression: 'scope',
      eventKey: 'stripe:payment_intent.succeeded',
    });
  });

  it('takes the scope as the default FIFO group, and no scope when it is null', () => {
    const config = stripe({ scope: 'input.data.object.customer' });
    const withCustomer = paymentIntentEvent('payment_intent.created');
    expect(transform(config, { input: withCustomer })).toMatchObject({
      scope: 'cus_NffrFeUfNV2Hib',
      groupBy: 'cus_NffrFeUfNV2Hib',
      idempotencyKey: 'delivery-1',
    });
    const guest = paymentIntentEvent('payment_intent.created', { customer: null });
    const result = transform(config, { input: guest });
    expect(result).toMatchObject({ status: 'transformed', groupBy: 'delivery-1' });
    expect(result).not.toHaveProperty('scope');
  });

  it('evaluates idempotencyKey and groupBy over the final event', () => {
    const config = stripe(
      {
        scope: 'input.data.object.customer',
        idempotencyKey: "input.id + ':' + input.env",
        groupBy: "scope + '/' + eventKey",
      },
      { env: 'prod' },
    );
    expect(transform(config, { input: paymentIntentEvent('payment_intent.created') })).toMatchObject({
      idempotencyKey: 'evt_3MtwBwLkdIwHu7ix2rOBiVBM:prod',
      groupBy: 'cus_NffrFeUfNV2Hib/stripe:payment_intent.created',
    });
  });

  it('fails if eventKey is empty or not a string', () => {
    expect(
      transform(stripe({ eventKey: 'input.data.object.description' }), {
        input: paymentIntentEvent('payment_intent.created'),
      }),
    ).toEqual({
      status: 'transform_failed',
      expression: 'eventKey',
      error: 'must return a non-empty string, got null',
    });
    expect(
      transform(stripe({ eventKey: 'input.data.object.amount' }), {
        input: paymentIntentEvent('payment_intent.created'),
      }),
    ).toMatchObject({ error: 'must return a non-empty string, got double; wrap it in string(...)' });
    expect(transform(stripe({ eventKey: 'input.type' }), { input: { type: '' } })).toMatchObject({
      error: 'must return a non-empty string, got an empty string',
    });
  });

  it('fails if filter returns something other than bool, or idempotencyKey a number', () => {
    expect(transform(stripe({ filter: 'input.livemode' }), { input: { livemode: 'yes', type: 'x' } })).toEqual({
      status: 'transform_failed',
      expression: 'filter',
      error: 'must return bool, got string',
    });
    expect(
      transform(stripe({ idempotencyKey: 'input.created' }), { input: paymentIntentEvent('payment_intent.created') }),
    ).toMatchObject({ expression: 'idempotencyKey', eventKey: 'stripe:payment_intent.created' });
  });

  it('sees form fields, query parameters and the webhook name', () => {
    const config = { name: 'twilio', expressions: { eventKey: "webhook + ':' + query.kind + ':' + input.SmsStatus" } };
    const result = transform(config, { input: { SmsStatus: 'received' }, query: { kind: 'sms' } });
    expect(result).toMatchObject({ eventKey: 'twilio:sms:received' });
  });

  it('compiles once per config object', () => {
    const config = stripe();
    expect(compileWebhook(config)).toBe(compileWebhook(config));
    expect(compileWebhook({ ...config })).not.toBe(compileWebhook(config));
  });

  it('fails if an expression does not compile, with a WebhookCompileError naming it', () => {
    expect(() => compileWebhook(stripe({ scope: 'input.' }))).toThrow(WebhookCompileError);
    expect(() => compileWebhook(stripe({ scope: 'input.' }))).toThrow(/webhook "stripe": scope does not compile/);
  });
});
