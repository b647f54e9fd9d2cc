import type { HeaderMatchVerifierConfig } from '../../config/verifier';
import { hashedKey, reject, signedBytesKey, verified } from '../common';
import type { Scheme } from '../types';
import { assertValid, headerNameProblem } from './config-error';
import { secretEquals } from './secret-compare';

const SCHEME = 'headerMatch';

/** Human-readable problems with a headerMatch config (empty when it is usable). */
export function validateHeaderMatchConfig(config: HeaderMatchVerifierConfig): string[] {
  const entries = Object.entries(config.headers ?? {});
  if (entries.length === 0) return ['headers must name at least one header'];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [name, value] of entries) {
    const problem = headerNameProblem('header', name);
    if (problem) problems.push(problem);
    if (seen.has(name.toLowerCase())) problems.push(`header "${name}" is listed twice (names are case-insensitive)`);
    seen.add(name.toLowerCase());
    if (typeof value !== 'string' || value === '') problems.push(`header "${name}" needs a non-empty value`);
  }
  return problems;
}

/**
 * Each configured header must be present with exactly the configured value (names are
 * case-insensitive; values are compared in constant time, lengths included).
 */
export const headerMatch: Scheme<HeaderMatchVerifierConfig> = {
  verify(config, ctx) {
    assertValid(SCHEME, validateHeaderMatchConfig(config));
    let mismatch: string | undefined;
    for (const [name, expected] of Object.entries(config.headers)) {
      const value = ctx.request.headers.single(name);
      if (value === 'missing') return reject(SCHEME, 'missing_header', `${name} is missing`);
      if (value === 'ambiguous') {
        return reject(SCHEME, 'ambiguous_header', `${name} was sent several times with different values`);
      }
      // Every header is compared even after a mismatch: the time taken does not say which one differed.
      if (!secretEquals(value, expected)) mismatch ??= name;
    }
    if (mismatch !== undefined)
      return reject(SCHEME, 'header_mismatch', `${mismatch} does not have the expected value`);
    return verified(SCHEME, hashedKey(signedBytesKey('', ctx.request.body), 'body-hash'));
  },
  sensitiveHeaders: (config) => Object.keys(config.headers).map((name) => name.toLowerCase()),
};
