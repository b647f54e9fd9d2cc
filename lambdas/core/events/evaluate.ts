import '../cel/regex-engine';
import { parseBody, type BodyRejectReason } from '../body';
import { EMPTY_SECRET } from '../config/secret';
import type { VerifierConfig } from '../config/verifier';
import type { RouteConfig } from '../config/webhook';
import { authenticatedInput } from '../verify';
import type { InboundRequest } from '../http/request';
import type { ExpressionName, WebhookEventConfig } from './expressions';
import { compileRoutes, matchRoutes } from './routing';
import { compileWebhook, transformEvent } from './transform';

/** What the gateway would do with a request, past verification: the CLI's and local gateway's dry run. */
export interface DryRunResult {
  /** The 202 status the gateway would answer, or `rejected` for a body it refuses (400/415). */
  readonly status: 'accepted' | 'filtered' | 'unrouted' | 'transform_failed' | 'rejected';
  /** For `rejected`. */
  readonly httpStatus?: 400 | 415;
  readonly reason?: BodyRejectReason;
  /** The parsed body (CEL's `input`): kept for replay even when a transform fails. */
  readonly input?: unknown;
  /** false when the webhook's filter dropped the delivery; true when it passed or there is none. */
  readonly filterResult?: boolean;
  readonly eventKey?: string;
  readonly scope?: string;
  readonly payload?: unknown;
  readonly idempotencyKey?: string;
  readonly groupBy?: string;
  readonly matchedRoutes: readonly RouteConfig[];
  readonly error?: { readonly expression?: ExpressionName; readonly message: string };
}

/**
 * parseBody → transformEvent → matchRoutes for one request, without verifying it. Throws
 * WebhookCompileError / RouteCompileError when the configuration itself does not compile.
 */
export function evaluate(
  webhook: WebhookEventConfig & { readonly verifier?: VerifierConfig },
  routes: readonly RouteConfig[],
  request: InboundRequest,
  /** The verifier's dedup key, the default idempotency key. */
  dedupKey = 'dry-run',
): DryRunResult {
  const compiled = compileWebhook(webhook);
  const compiledRoutes = compileRoutes(routes);

  const body = parseBody(request);
  if (!body.ok) {
    return {
      status: 'rejected',
      httpStatus: body.status,
      reason: body.reason,
      matchedRoutes: [],
      error: { message: body.detail },
    };
  }

  const headers = request.headers.toRecord();
  const { query } = request;
  // As the ingest does: a scheme that signs a canonical form of the body (Twilio) gives CEL that form.
  const context = { request, now: new Date(0), secrets: () => EMPTY_SECRET };
  const input = (webhook.verifier && authenticatedInput(webhook.verifier, context)) ?? body.input;
  const event = transformEvent(compiled, { input, headers, query, dedupKey });
  switch (event.status) {
    case 'filtered':
      return { status: 'filtered', input, filterResult: false, matchedRoutes: [] };
    case 'transform_failed': {
      const { expression, error, status, ...known } = event;
      return {
        status,
        input,
        ...(expression !== 'filter' && { filterResult: true }),
        ...known,
        matchedRoutes: [],
        error: { expression, message: error },
      };
    }
  }

  const { status: _, ...transformed } = event;
  const outcome = { input, filterResult: true, ...transformed };
  const routing = matchRoutes(compiledRoutes, { ...transformed, webhook: compiled.name, headers, query });
  switch (routing.status) {
    case 'routed':
      return { status: 'accepted', ...outcome, matchedRoutes: routing.routes };
    case 'unrouted':
      return { status: 'unrouted', ...outcome, matchedRoutes: [] };
    case 'transform_failed':
      return {
        status: 'transform_failed',
        ...outcome,
        matchedRoutes: [],
        error: { expression: routing.expression, message: routing.error },
      };
  }
}
