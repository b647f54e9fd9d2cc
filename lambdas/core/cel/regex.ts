import { EvaluationError } from '@marcbachmann/cel-js';
import { RE2JS } from 're2js';

/**
 * CEL's `matches()` with RE2 semantics (as the CEL spec defines it) in linear time, via re2js.
 * cel-js's built-in uses JS RegExp, which backtracks: `'^(a+)+$'` against thirty `a`s and a `!`
 * takes minutes. Patterns are compiled once and cached; literal patterns are compiled (and so
 * validated) when the expression is compiled.
 */
const MAX_CACHED_PATTERNS = 512;
const cache = new Map<string, RE2JS>();

/** The compiled pattern, or throws RE2's syntax error. */
export function compilePattern(pattern: string): RE2JS {
  let re = cache.get(pattern);
  if (re === undefined) {
    re = RE2JS.compile(pattern);
    // Patterns built from payload data could grow the cache without bound: evict the oldest.
    if (cache.size >= MAX_CACHED_PATTERNS) cache.delete(cache.keys().next().value!);
    cache.set(pattern, re);
  }
  return re;
}

/** Why `pattern` is not valid RE2 syntax, or undefined when it is. */
export function patternError(pattern: string): string | undefined {
  try {
    compilePattern(pattern);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** CEL `string.matches(string)`: true when the RE2 pattern matches any substring. */
export function re2Matches(subject: string, pattern: string): boolean {
  let re: RE2JS;
  try {
    re = compilePattern(pattern);
  } catch (error) {
    throw new EvaluationError({
      code: 'invalid_regular_expression',
      message: `invalid regular expression ${JSON.stringify(pattern)}: ${(error as Error).message}`,
    });
  }
  return re.test(subject);
}
