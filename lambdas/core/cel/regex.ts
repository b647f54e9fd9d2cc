import { EvaluationError } from '@marcbachmann/cel-js';
import type { RE2JS } from 're2js';

/**
 * CEL's `matches()` with RE2 semantics (as the CEL spec defines it) in linear time, via re2js.
 * cel-js's built-in uses JS RegExp, which backtracks: `'^(a+)+$'` against thirty `a`s and a `!`
 * takes minutes. Patterns are compiled once and cached; literal patterns are compiled (and so
 * validated) when the expression is compiled.
 */
const MAX_CACHED_PATTERNS = 512;
const cache = new Map<string, RE2JS>();

/**
 * The RE2 engine (re2js, ~150 KB) is loaded only where expressions call `matches()`: a handler
 * awaits loadRegexEngine() for configs whose expressions use it (usesRegex); code that checks
 * expressions synchronously (synth) installs it with regex-engine.ts.
 */
let engine: typeof RE2JS | undefined;
let loading: Promise<void> | undefined;

export function installRegexEngine(re2: typeof RE2JS): void {
  engine = re2;
}

/** Loads the RE2 engine once; resolves at once when it is there. */
export function loadRegexEngine(): Promise<void> {
  if (engine) return Promise.resolve();
  loading ??= import('re2js').then(
    (module) => installRegexEngine(module.RE2JS),
    (error: unknown) => {
      loading = undefined; // a later call tries again
      throw error;
    },
  );
  return loading;
}

/** Whether any of these expressions may call `matches()` (a superset: the name appearing anywhere). */
export function usesRegex(sources: Iterable<string | undefined>): boolean {
  for (const source of sources) if (source?.includes('matches')) return true;
  return false;
}

/** The RE2 engine is needed before loadRegexEngine() (or installRegexEngine) made it available: a bug. */
export class RegexEngineNotLoadedError extends Error {
  override readonly name = 'RegexEngineNotLoadedError';
  constructor() {
    super('the RE2 engine is not loaded: await loadRegexEngine() before compiling expressions that call matches()');
  }
}

/** The compiled pattern, or throws RE2's syntax error. */
export function compilePattern(pattern: string): RE2JS {
  let re = cache.get(pattern);
  if (re === undefined) {
    if (engine === undefined) throw new RegexEngineNotLoadedError();
    re = engine.compile(pattern);
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
    if (error instanceof RegexEngineNotLoadedError) throw error;
    return (error as Error).message;
  }
}

/** CEL `string.matches(string)`: true when the RE2 pattern matches any substring. */
export function re2Matches(subject: string, pattern: string): boolean {
  let re: RE2JS;
  try {
    re = compilePattern(pattern);
  } catch (error) {
    if (error instanceof RegexEngineNotLoadedError) throw error;
    throw new EvaluationError({
      code: 'invalid_regular_expression',
      message: `invalid regular expression ${JSON.stringify(pattern)}: ${(error as Error).message}`,
    });
  }
  return re.test(subject);
}
