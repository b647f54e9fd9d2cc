import { describe, expect, it } from 'vitest';
import { compileExpression, loadRegexEngine, RegexEngineNotLoadedError, usesRegex } from '../../lambdas/core/cel';
import { compileRoutes, matchRoutes } from '../../lambdas/core/events/routing';

// This file's modules are its own (vitest isolates test files): nothing here has loaded the engine
// before the first test, as in a handler that has not met an expression calling matches() yet.
const target = { arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:S', type: 'STANDARD' } as const;

describe('the RE2 engine, loaded on demand', () => {
  it('is not loaded by the CEL compiler: compiling matches() before loading it fails loudly, not as a bad pattern', () => {
    expect(() => compileExpression("'abc'.matches('^a')", 'bool')).toThrow(RegexEngineNotLoadedError);
    // Expressions without matches() need no engine.
    expect(compileExpression("'abc'.startsWith('a')", 'bool').evaluate({})).toBe(true);
  });

  it('compiles and evaluates matches() once loaded, literal and dynamic patterns alike', async () => {
    await loadRegexEngine();
    expect(compileExpression("'abc'.matches('^a')", 'bool').evaluate({})).toBe(true);
    const routes = compileRoutes([
      { id: 'r', eventKeyPattern: 'k', filter: 'input.name.matches(input.pattern)', target },
    ]);
    const event = { webhook: 'w', eventKey: 'k', headers: {}, query: {} };
    expect(matchRoutes(routes, { ...event, payload: { name: 'cus_1', pattern: '^cus_' } })).toMatchObject({
      status: 'routed',
    });
    expect(matchRoutes(routes, { ...event, payload: { name: 'acct_1', pattern: '^cus_' } })).toEqual({
      status: 'unrouted',
    });
    await expect(loadRegexEngine()).resolves.toBeUndefined();
  });

  it('is needed exactly where an expression names matches (a superset: the name anywhere in the source)', () => {
    expect(usesRegex(["'stripe:' + input.type", undefined, 'input.amount > 1000'])).toBe(false);
    expect(usesRegex(['input.a', "matches(input.b, '^x')"])).toBe(true);
    expect(usesRegex(["input.name.matches('^x')"])).toBe(true);
    expect(usesRegex(["input.note == 'matches'"])).toBe(true);
  });
});
