import { Token } from 'aws-cdk-lib';
import { WEBHOOK_NAME_PATTERN, type RouteConfig, type WebhookConfig } from '../../lambdas/core/config/webhook';
import { validateRoute, validateWebhookExpressions } from '../../lambdas/core/events/validate';
import type { RateLimit, WebhookOptions } from '../webhook';
import type { WebhookSourceConfig } from '../webhook-source';

export interface Findings {
  readonly errors: string[];
  readonly warnings: string[];
}

/**
 * CEL checks of a webhook's expressions and staticPayload, by the verification core's own
 * validator. Its messages already name the webhook, the field and the position.
 */
export function checkWebhookExpressions(config: WebhookConfig): Findings {
  return validateWebhookExpressions({
    name: config.name,
    expressions: config.expressions,
    staticPayload: config.staticPayload,
    verifier: config.verifier,
  });
}

/** A message when the name cannot be a webhook's path segment. */
export function nameProblem(name: string): string | undefined {
  return typeof name === 'string' && WEBHOOK_NAME_PATTERN.test(name)
    ? undefined
    : `webhook name ${JSON.stringify(name)} is not URL-safe: use 1-64 of a-z, 0-9, "-" and "_", starting with a letter or digit`;
}

const positiveInteger = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 0;

export function rateLimitProblems(limit: RateLimit | undefined): string[] {
  if (!limit) return [];
  const problems: string[] = [];
  if (limit.rate !== undefined && !(typeof limit.rate === 'number' && limit.rate > 0)) {
    problems.push(`rateLimit.rate ${limit.rate} must be a positive number of requests per second`);
  }
  if (limit.burst !== undefined && !(Number.isInteger(limit.burst) && limit.burst >= 0)) {
    problems.push(`rateLimit.burst ${limit.burst} must be a whole number, zero or more`);
  }
  if (limit.quota && !positiveInteger(limit.quota.limit)) {
    problems.push(`rateLimit.quota.limit ${limit.quota.limit} must be a positive whole number`);
  }
  for (const [i, w] of (limit.windows ?? []).entries()) {
    const seconds = w.period.toSeconds({ integral: false });
    if (!Number.isInteger(seconds) || seconds < 1) {
      problems.push(`rateLimit.windows[${i}].period must be a whole number of seconds, at least 1`);
    }
    if (!positiveInteger(w.limit))
      problems.push(`rateLimit.windows[${i}].limit ${w.limit} must be a positive whole number`);
  }
  return problems;
}

/** The stage throttle after defaults. */
export interface StageThrottle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export function stageThrottleProblems(throttle: StageThrottle): string[] {
  const problems: string[] = [];
  if (!(typeof throttle.rateLimit === 'number' && throttle.rateLimit > 0)) {
    problems.push(`stageThrottle.rateLimit ${throttle.rateLimit} must be a positive number of requests per second`);
  }
  if (!(Number.isInteger(throttle.burstLimit) && throttle.burstLimit > 0)) {
    problems.push(`stageThrottle.burstLimit ${throttle.burstLimit} must be a positive whole number`);
  }
  return problems;
}

/**
 * A webhook whose rate or burst exceeds the stage's is throttled by the stage before its own limit
 * is reached: the limit it declares would never hold, so this is an error rather than a warning.
 */
export function aboveStageThrottle(limits: { rate: number; burst: number }, stage: StageThrottle): string[] {
  const problems: string[] = [];
  if (limits.rate > stage.rateLimit) {
    problems.push(
      `rateLimit.rate ${limits.rate} is above the stage's ${stage.rateLimit} requests per second, which API Gateway applies to all webhooks together: lower the webhook's rate (or defaultRateLimit) or raise stageThrottle.rateLimit`,
    );
  }
  if (limits.burst > stage.burstLimit) {
    problems.push(
      `rateLimit.burst ${limits.burst} is above the stage's burst ${stage.burstLimit}: lower the webhook's burst (or defaultRateLimit) or raise stageThrottle.burstLimit`,
    );
  }
  return problems;
}

/** Everything about one webhook's options that can be checked without the others. */
export function checkWebhookOptions(
  options: WebhookOptions,
  source: WebhookSourceConfig,
  maxBodySize: number,
  maxBodySizeLimit: number,
): Findings {
  const found: Findings = {
    errors: source.errors.map((e) => `source ${e}`),
    warnings: [...source.warnings],
  };
  if (source.verifier.type === 'headerMatch') {
    found.warnings.push(
      'source headerMatch alone compares values stored in the template; combine it with a signing scheme in allOf',
    );
  }
  if (options.secret && source.secrets.length === 0) {
    found.errors.push(
      `secret is given, but source ${source.verifier.type} reads no secret: remove it, or use a source that verifies with it`,
    );
  }
  found.errors.push(...rateLimitProblems(options.rateLimit));
  if (
    !Token.isUnresolved(maxBodySize) &&
    !(Number.isInteger(maxBodySize) && maxBodySize > 0 && maxBodySize <= maxBodySizeLimit)
  ) {
    found.errors.push(`maxBodySize ${maxBodySize} bytes must be between 1 byte and ${maxBodySizeLimit} bytes (4 MiB)`);
  }
  const response = options.successResponse;
  if (response && !(Number.isInteger(response.statusCode) && response.statusCode >= 200 && response.statusCode < 300)) {
    found.errors.push(`successResponse.statusCode ${response.statusCode} must be 2xx`);
  }
  if (response && (typeof response.contentType !== 'string' || response.contentType === '')) {
    found.errors.push('successResponse.contentType is required');
  }
  if (options.publicUrl !== undefined && !Token.isUnresolved(options.publicUrl) && !URL.canParse(options.publicUrl)) {
    found.errors.push(`publicUrl ${JSON.stringify(options.publicUrl)} is not an absolute URL`);
  }
  const handshake = options.handshake;
  if (
    handshake &&
    [handshake.field, handshake.equalTo, handshake.respondWith].some((v) => typeof v !== 'string' || v === '')
  ) {
    found.errors.push('handshake needs field, equalTo and respondWith');
  }
  return found;
}

/**
 * Route checks that need every webhook: the pattern, scope and filter (CEL) and a known webhook,
 * by the core's validator, plus a target. Messages name the route by its pattern.
 */
export function checkRoute(route: RouteConfig, hasTarget: boolean, knownWebhooks: ReadonlySet<string>): Findings {
  const found = validateRoute({ ...route, id: route.eventKeyPattern }, knownWebhooks);
  if (!hasTarget) found.errors.push(`route "${route.eventKeyPattern}": has no target; pass the state machine to start`);
  return found;
}
