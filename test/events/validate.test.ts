import { describe, expect, it } from 'vitest';
import { validateRoute, validateWebhookExpressions, type WebhookValidationInput } from '../../lambdas/core/events';

const webhook = (expressions: WebhookValidationInput['expressions'], extra: Partial<WebhookValidationInput> = {}) =>
  validateWebhookExpressions({ name: 'stripe', expressions, ...extra });

describe('validateWebhookExpressions', () => {
  it('accepts the documented expressions', () => {
    expect(
      webhook({
        eventKey: "'stripe:' + input.type",
        scope: 'input.data.object.customer',
        filter: 'input.livemode',
        idempotencyKey: 'input.id',
        groupBy: "scope + ':' + eventKey",
      }),
    ).toEqual({ errors: [], warnings: [] });
    expect(webhook({ eventKey: "'stripe:event'" })).toEqual({ errors: [], warnings: [] });
  });

  it('fails if eventKey is not valid CEL, naming the webhook, the field, the position and the fix', () => {
    expect(webhook({ eventKey: "'stripe:' + input.type)" }).errors).toEqual([
      'webhook "stripe": eventKey is not valid CEL at 1:23: unexpected character: \')\'. ' +
        "Fix the expression; strings are quoted, e.g. 'stripe:' + input.type",
    ]);
  });

  it('fails if a string is not quoted', () => {
    expect(webhook({ eventKey: 'stripe: + input.type' }).errors[0]).toMatch(
      /^webhook "stripe": eventKey is not valid CEL at 1:7: .*strings are quoted/,
    );
  });

  it('fails if filter does not return bool', () => {
    expect(webhook({ eventKey: "'k'", filter: "'yes'" }).errors).toEqual([
      `webhook "stripe": filter must return bool, got string. Compare it, e.g. input.amount > 1000 or input.action == 'opened'`,
    ]);
    expect(webhook({ eventKey: "'k'", scope: '1 == 1' }).errors).toEqual([
      'webhook "stripe": scope must return string or null, got bool. Convert it with string(...), e.g. input.data.object.customer',
    ]);
  });

  it('fails if a variable is unknown, listing the ones there are', () => {
    expect(webhook({ eventKey: "'stripe:' + body.type" }).errors).toEqual([
      'webhook "stripe": eventKey does not type-check at 1:13: unknown variable: body. Variables: input, headers, query, webhook',
    ]);
    expect(webhook({ eventKey: "'k'", groupBy: 'eventKey' }).errors).toEqual([]);
  });

  it('fails if types do not add up, suggesting a conversion', () => {
    expect(webhook({ eventKey: "'stripe:' + 1" }).errors[0]).toMatch(
      /eventKey does not type-check at 1:1: no such overload: string \+ int\. Convert explicitly: string\(x\)/,
    );
  });

  it('fails if a literal pattern is not RE2, and on a line after the first', () => {
    expect(
      webhook({ eventKey: "'k'", filter: "input.type != 'ping' &&\n  input.ref.matches('(?<=v)1')" }).errors,
    ).toEqual([
      'webhook "stripe": filter has an invalid regular expression at 2:21: "(?<=v)1" is not RE2 syntax: ' +
        'error parsing regexp: invalid named capture: `(?<=v)1`. matches() takes RE2 syntax (no lookaround or backreferences)',
    ]);
  });

  it('warns when matches() takes its pattern from the request', () => {
    const result = webhook({ eventKey: "'k'", filter: 'input.ref.matches(input.pattern)' });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([
      'webhook "stripe": filter calls matches() with a pattern that is not a literal at 1:19; RE2 is linear in the ' +
        'subject but its cost also grows with the pattern, so a pattern taken from the request can make each delivery ' +
        'slow. Prefer a literal pattern',
    ]);
    expect(webhook({ eventKey: "'k'", filter: "input.ref.matches('^v[0-9]+')" }).warnings).toEqual([]);
  });

  it('fails if eventKey is missing, empty, or always the empty string', () => {
    expect(webhook({}).errors).toEqual(['webhook "stripe": eventKey is required, e.g. \'stripe:\' + input.type']);
    expect(webhook({ eventKey: '  ' }).errors[0]).toMatch(/eventKey is empty; write a CEL expression/);
    expect(webhook({ eventKey: "''" }).errors[0]).toMatch(/eventKey is always the empty string/);
  });

  it('fails if staticPayload is not a JSON object', () => {
    expect(webhook({ eventKey: "'k'" }, { staticPayload: ['a'] }).errors).toEqual([
      'webhook "stripe": staticPayload must be a JSON object, got an array',
    ]);
    expect(webhook({ eventKey: "'k'" }, { staticPayload: { when: new Date(0) } }).errors[0]).toMatch(
      /staticPayload\.when is not a JSON value \(a Date instance\)/,
    );
    expect(webhook({ eventKey: "'k'" }, { staticPayload: { n: [1, Number.NaN] } }).errors[0]).toMatch(
      /staticPayload\.n\[1\] is not a JSON value \(NaN\)/,
    );
  });

  it('warns when staticPayload is set on a preset that sends arrays', () => {
    const sendgrid = { type: 'sendgrid' } as const;
    const result = webhook({ eventKey: "'sendgrid'" }, { staticPayload: { env: 'prod' }, verifier: sendgrid });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([
      'webhook "stripe": staticPayload is merged only into JSON object bodies, and SendGrid sends a JSON array of events, ' +
        'so it will not be applied; read constant values in the workflow instead',
    ]);
    const allOf = { type: 'allOf', sources: [{ type: 'apiKey' }, sendgrid] } as const;
    expect(webhook({ eventKey: "'k'" }, { staticPayload: {}, verifier: allOf }).warnings).toHaveLength(1);
    expect(webhook({ eventKey: "'k'" }, { staticPayload: {}, verifier: { type: 'stripe' } }).warnings).toEqual([]);
  });
});

describe('validateRoute', () => {
  const known = ['stripe', 'github'];

  it('accepts a route with a filter over the final event', () => {
    const route = {
      id: 'large',
      eventKeyPattern: 'stripe:*',
      webhook: 'stripe',
      filter: 'input.data.object.amount > 1000 && scope != null',
    };
    expect(validateRoute(route, known)).toEqual({ errors: [], warnings: [] });
  });

  it('fails if the route names a webhook that does not exist', () => {
    expect(validateRoute({ id: 'r', eventKeyPattern: 'stripe:*', webhook: 'strpie' }, known).errors).toEqual([
      'route "r" (stripe:*): webhook "strpie" does not exist; known webhooks: github, stripe',
    ]);
  });

  it('fails if the filter is not valid CEL or not bool', () => {
    expect(validateRoute({ id: 'r', eventKeyPattern: 'r', filter: 'input.amount >' }, known).errors[0]).toMatch(
      /^route "r": filter is not valid CEL at 1:15: /,
    );
    expect(validateRoute({ id: 'r', eventKeyPattern: 'r', filter: 'input.amount' }, known).errors).toEqual([]);
    expect(validateRoute({ id: 'r', eventKeyPattern: 'r', filter: 'eventKey' }, known).errors).toEqual([
      `route "r": filter must return bool, got string. Compare it, e.g. input.amount > 1000 or input.action == 'opened'`,
    ]);
  });

  it('fails if the pattern or scope is empty', () => {
    expect(validateRoute({ id: 'r', eventKeyPattern: '', scope: '' }, known).errors).toEqual([
      'route "r" (): eventKeyPattern is empty; use \'*\' to match every event',
      'route "r" (): scope is empty; omit it to match events of any scope',
    ]);
  });
});
