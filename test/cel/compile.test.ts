import { beforeAll, describe, expect, it } from 'vitest';
import {
  CelCompileError,
  celErrorMessage,
  checkExpression,
  compileExpression,
  loadRegexEngine,
  type ExpectedType,
} from '../../lambdas/core/cel';

// As a handler does before compiling expressions that call matches() (test/cel/regex-engine.test.ts).
beforeAll(() => loadRegexEngine());

const vars = (input: unknown, headers: Record<string, string> = {}) => ({ input, headers, query: {}, webhook: 'w' });

function run(source: string, input: unknown, expected: ExpectedType = 'bool'): unknown {
  return compileExpression(source, expected).evaluate(vars(input));
}

describe('CEL expressions', () => {
  it('evaluates the documented event keys', () => {
    const stripe = compileExpression("'stripe:' + input.type", 'string');
    expect(stripe.evaluate(vars({ type: 'payment_intent.created' }))).toBe('stripe:payment_intent.created');
    const github = compileExpression("'github:' + headers['x-github-event'] + ':' + input.action", 'string');
    expect(github.evaluate(vars({ action: 'created' }, { 'x-github-event': 'star' }))).toBe('github:star:created');
  });

  it('compares JSON numbers (doubles) with int and double literals', () => {
    expect(run('input.amount > 1000', { amount: 2000 })).toBe(true);
    expect(run('input.amount > 1000', { amount: 999 })).toBe(false);
    expect(run('input.amount == 2000', { amount: 2000 })).toBe(true);
    expect(run('input.amount >= 19.99', { amount: 19.99 })).toBe(true);
    expect(run('input.amount in [1000, 2000]', { amount: 2000 })).toBe(true);
  });

  it('needs int() or a double literal for arithmetic on JSON numbers', () => {
    expect(() => run('input.amount + 1 > 0', { amount: 2000 })).toThrow(/no such overload: dyn<double> \+ int/);
    expect(run('int(input.amount) + 1 == 2001', { amount: 2000 })).toBe(true);
    expect(run('input.amount + 1.0 == 2001.0', { amount: 2000 })).toBe(true);
    expect(run("string(input.id) == '186853002'", { id: 186853002 })).toBe(true);
  });

  it('offers optional access and has() for fields that may be missing', () => {
    expect(run("input.?action.orValue('none')", {}, 'string')).toBe('none');
    expect(run('has(input.action)', { action: 'x' })).toBe(true);
    expect(run("headers[?'x-missing'].orValue('') == ''", {})).toBe(true);
  });

  it('does not expose JavaScript prototype properties', () => {
    expect(() => run('input.constructor', {}, 'string')).toThrow(/No such key: constructor/);
  });

  it("finishes '^(a+)+$' against thirty a's and a ! in under 50 ms (RE2, not backtracking)", () => {
    const expression = compileExpression("input.s.matches('^(a+)+$')", 'bool');
    const started = performance.now();
    expect(expression.evaluate(vars({ s: `${'a'.repeat(30)}!` }))).toBe(false);
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('stays linear on a 100 000-character subject and on a pattern taken from the payload', () => {
    const expression = compileExpression('input.s.matches(input.p)', 'bool');
    const started = performance.now();
    expect(expression.evaluate(vars({ s: `${'a'.repeat(100_000)}!`, p: '^(a|aa)+$' }))).toBe(false);
    expect(expression.evaluate(vars({ s: `${'a'.repeat(30)}!`, p: '(a*)*b' }))).toBe(false);
    expect(performance.now() - started).toBeLessThan(250);
  });

  it('keeps the search semantics of CEL matches(): any substring, RE2 inline flags, the global form', () => {
    expect(run("input.ref.matches('heads/(main|release-.*)$')", { ref: 'refs/heads/release-2' })).toBe(true);
    expect(run("input.ref.matches('^main$')", { ref: 'refs/heads/main' })).toBe(false);
    // `(?i)` is RE2 syntax that JS RegExp rejects: this passes only on RE2.
    expect(run("input.name.matches('(?i)^hello')", { name: 'HELLO world' })).toBe(true);
    expect(run("matches(input.name, '^h')", { name: 'hello' })).toBe(true);
    expect(run("input.labels.exists(l, l.matches('^bug'))", { labels: ['docs', 'bug:ui'] })).toBe(true);
  });

  it('uses RE2 even where the receiver is only known at run time', () => {
    const started = performance.now();
    expect(run('input.s.matches(input.p)', { s: `${'a'.repeat(28)}!`, p: '^(a+)+$' })).toBe(false);
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('fails if a pattern from the payload is not RE2, with the user-facing method name', () => {
    expect(() => run('input.s.matches(input.p)', { s: 'a', p: '(?=a)' })).toThrow(/invalid regular expression/);
    const error = (() => {
      try {
        return run("input.s.matches('a')", { s: 1 });
      } catch (e) {
        return e;
      }
    })();
    expect(celErrorMessage(error)).toBe("found no matching overload for 'double.matches(string)'");
  });
});

describe('checkExpression', () => {
  it('accepts a string constant as event key', () => {
    expect(checkExpression("'stripe:event'", 'string')).toEqual({ ok: true, type: 'string' });
    expect(checkExpression('input.type', 'string')).toEqual({ ok: true, type: 'dyn' });
  });

  it('fails if the syntax is wrong, with line and column', () => {
    expect(checkExpression("'stripe:' + input.type)", 'string')).toMatchObject({
      ok: false,
      kind: 'syntax',
      line: 1,
      column: 23,
    });
    expect(checkExpression("'a' +\n  input.", 'string')).toMatchObject({
      ok: false,
      kind: 'syntax',
      line: 2,
      column: 9,
    });
  });

  it('fails if a variable is unknown', () => {
    expect(checkExpression('input.x == 1 && payload.y', 'bool')).toMatchObject({
      ok: false,
      kind: 'type',
      code: 'unknown_variable',
      line: 1,
      column: 17,
      message: 'Unknown variable: payload',
    });
  });

  it('fails if the result type does not fit', () => {
    expect(checkExpression("'x'", 'bool')).toMatchObject({ ok: false, kind: 'result', actualType: 'string' });
    expect(checkExpression('null', 'string')).toMatchObject({ ok: false, kind: 'result' });
    expect(checkExpression('null', 'string', { nullable: true })).toEqual({ ok: true, type: 'null' });
  });

  it('fails if a literal pattern is not RE2, pointing at the pattern', () => {
    expect(checkExpression("input.s.matches('(a)\\\\1')", 'bool')).toMatchObject({
      ok: false,
      kind: 'regex',
      line: 1,
      column: 17,
    });
  });

  it('knows eventKey and scope only in the event environment', () => {
    expect(checkExpression("eventKey == 'x'", 'bool')).toMatchObject({ ok: false, code: 'unknown_variable' });
    expect(checkExpression("eventKey == 'x' && scope == null", 'bool', { environment: 'event' })).toMatchObject({
      ok: true,
    });
  });

  it('throws a CelCompileError from compileExpression', () => {
    expect(() => compileExpression('1 +', 'bool')).toThrow(CelCompileError);
  });
});
