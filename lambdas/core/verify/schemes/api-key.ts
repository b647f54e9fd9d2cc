import type { ApiKeyVerifierConfig } from '../../config/verifier';
import { activeSecrets, hashedKey, isRejection, reject, signedBytesKey, verified } from '../common';
import type { RejectedRequest, Scheme, VerifyContext } from '../types';
import { assertValid, headerNameProblem } from './config-error';
import { matchesAnySecret } from './secret-compare';

const SCHEME = 'apiKey';
const DEFAULT_HEADER = 'x-api-key';

/** The header that carries the key: `x-api-key` unless only a query parameter is configured. */
export function apiKeyHeader(config: ApiKeyVerifierConfig): string | undefined {
  return config.header ?? (config.queryParameter === undefined ? DEFAULT_HEADER : undefined);
}

/** Human-readable problems with an apiKey config (empty when it is usable). */
export function validateApiKeyConfig(config: ApiKeyVerifierConfig): string[] {
  const problems: string[] = [];
  if (config.header !== undefined) {
    const problem = headerNameProblem('header', config.header);
    if (problem) problems.push(problem);
  }
  if (
    config.queryParameter !== undefined &&
    (typeof config.queryParameter !== 'string' || config.queryParameter === '')
  ) {
    problems.push('queryParameter must not be empty');
  }
  return problems;
}

/** Every value of a query parameter, decoded as a form would be. */
function queryValues(url: string, name: string): string[] {
  const q = url.indexOf('?');
  return q < 0 ? [] : new URLSearchParams(url.slice(q + 1).split('#')[0]).getAll(name);
}

/** The keys the request presents, or a rejection for an ambiguous one. */
function presentedKeys(config: ApiKeyVerifierConfig, ctx: VerifyContext): string[] | RejectedRequest {
  const keys: string[] = [];
  const header = apiKeyHeader(config);
  if (header !== undefined) {
    const value = ctx.request.headers.single(header);
    if (value === 'ambiguous') {
      return reject(SCHEME, 'ambiguous_header', `${header} was sent several times with different values`);
    }
    if (value !== 'missing' && value.trim() !== '') keys.push(value.trim());
  }
  if (config.queryParameter !== undefined) {
    const values = new Set(queryValues(ctx.request.url, config.queryParameter).filter((v) => v !== ''));
    if (values.size > 1) {
      return reject(SCHEME, 'ambiguous_header', `query parameter ${config.queryParameter} has several values`);
    }
    keys.push(...values);
  }
  return keys;
}

/**
 * A static API key in a header (default `x-api-key`) or a query parameter; any active secret value
 * matches, compared in constant time. With both configured, either place may carry the key, and a
 * key sent in both places must match in both.
 */
export const apiKey: Scheme<ApiKeyVerifierConfig> = {
  verify(config, ctx) {
    assertValid(SCHEME, validateApiKeyConfig(config));
    const keys = presentedKeys(config, ctx);
    if (isRejection(keys)) return keys;
    if (keys.length === 0) {
      const where = [apiKeyHeader(config), config.queryParameter && `?${config.queryParameter}`].filter(Boolean);
      return reject(SCHEME, 'missing_credentials', `no API key in ${where.join(' or ')}`);
    }
    const secrets = activeSecrets(ctx, SCHEME, config.secret);
    if (isRejection(secrets)) return secrets;
    // Every presented key is compared, with no early exit.
    const matches = keys.map((key) => matchesAnySecret(key, secrets));
    if (matches.includes(false)) return reject(SCHEME, 'credentials_mismatch', 'API key does not match');
    return verified(SCHEME, hashedKey(signedBytesKey('', ctx.request.body), 'body-hash'));
  },
  sensitiveHeaders: (config) => {
    const header = apiKeyHeader(config);
    return header === undefined ? [] : [header.toLowerCase()];
  },
};
