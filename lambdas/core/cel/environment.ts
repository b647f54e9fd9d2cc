import { Environment } from '@marcbachmann/cel-js';
import { re2Matches } from './regex';

/**
 * Which variables an expression sees.
 * - `request`: a webhook's filter, eventKey and scope — `input` is the parsed body.
 * - `event`: a webhook's idempotencyKey and groupBy, and route filters — `input` is the final
 *   payload (body merged with staticPayload), plus `eventKey` and `scope`.
 * - `waiter`: a waitForWebhook `match` — `event` is what a workflow receives, `values` the
 *   workflow's own values.
 */
export type CelEnvironmentName = 'request' | 'event' | 'waiter';

/** The method name `x.matches(p)` calls are rewritten to, so that they run on RE2 (see compile.ts). */
export const RE2_MATCHES_METHOD = 'matches_re2';

export const VARIABLES: Readonly<Record<CelEnvironmentName, readonly string[]>> = {
  request: ['input', 'headers', 'query', 'webhook'],
  event: ['input', 'headers', 'query', 'webhook', 'eventKey', 'scope'],
  waiter: ['event', 'values'],
};

function withMatches(environment: Environment): Environment {
  // async: false keeps cel-js on its synchronous fast path.
  return environment
    .registerFunction(`string.${RE2_MATCHES_METHOD}(string): bool`, re2Matches, { async: false })
    .registerFunction('matches(string, string): bool', re2Matches, { async: false });
}

function base(): Environment {
  return withMatches(
    new Environment({ enableOptionalTypes: true })
      .registerVariable('input', 'dyn', { description: 'The parsed body: JSON, or form fields as a map' })
      .registerVariable('headers', 'map<string, string>', { description: 'Request headers, lower-cased names' })
      .registerVariable('query', 'map<string, string>', { description: 'Query-string parameters' })
      .registerVariable('webhook', 'string', { description: 'The webhook name' }),
  );
}

// Building an environment is the expensive part of cel-js: once per process.
const environments: Record<CelEnvironmentName, Environment> = {
  request: base(),
  event: base()
    .registerVariable('eventKey', 'string', { description: 'The event key' })
    .registerVariable('scope', 'dyn', { description: 'The scope, or null' }),
  waiter: withMatches(
    new Environment({ enableOptionalTypes: true })
      .registerVariable('event', 'dyn', { description: 'The event, as a workflow receives it' })
      .registerVariable('values', 'dyn', { description: "The waiting workflow's values" }),
  ),
};

export function celEnvironment(name: CelEnvironmentName): Environment {
  return environments[name];
}
