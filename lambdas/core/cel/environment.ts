import { Environment } from '@marcbachmann/cel-js';
import { re2Matches } from './regex';

/**
 * Which variables an expression sees.
 * - `request`: a webhook's filter, eventKey and scope — `input` is the parsed body.
 * - `event`: a webhook's idempotencyKey and groupBy, and route filters — `input` is the final
 *   payload (body merged with staticPayload), plus `eventKey` and `scope`.
 */
export type CelEnvironmentName = 'request' | 'event';

/** The method name `x.matches(p)` calls are rewritten to, so that they run on RE2 (see compile.ts). */
export const RE2_MATCHES_METHOD = 'matches_re2';

export const VARIABLES: Readonly<Record<CelEnvironmentName, readonly string[]>> = {
  request: ['input', 'headers', 'query', 'webhook'],
  event: ['input', 'headers', 'query', 'webhook', 'eventKey', 'scope'],
};

function base(): Environment {
  return (
    new Environment({ enableOptionalTypes: true })
      .registerVariable('input', 'dyn', { description: 'The parsed body: JSON, or form fields as a map' })
      .registerVariable('headers', 'map<string, string>', { description: 'Request headers, lower-cased names' })
      .registerVariable('query', 'map<string, string>', { description: 'Query-string parameters' })
      .registerVariable('webhook', 'string', { description: 'The webhook name' })
      // async: false keeps cel-js on its synchronous fast path.
      .registerFunction(`string.${RE2_MATCHES_METHOD}(string): bool`, re2Matches, { async: false })
      .registerFunction('matches(string, string): bool', re2Matches, { async: false })
  );
}

// Building an environment is the expensive part of cel-js: once per process.
const environments: Record<CelEnvironmentName, Environment> = {
  request: base(),
  event: base()
    .registerVariable('eventKey', 'string', { description: 'The event key' })
    .registerVariable('scope', 'dyn', { description: 'The scope, or null' }),
};

export function celEnvironment(name: CelEnvironmentName): Environment {
  return environments[name];
}
