import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { parseBody } from '../core/body';
import { sha256Hex } from '../core/digest';
import { METRICS } from '../core/config/environment';
import { normalizeIdempotencyKey } from '../core/config/messages';
import { EMPTY_SECRET, InvalidSecretFormatError, type SecretMaterial } from '../core/config/secret';
import type { WebhookConfig } from '../core/config/webhook';
import { InboundRequest } from '../core/http/request';
import { answerHandshake, authenticatedInput, verifyRequest, type VerifyContext } from '../core/verify';
import type { VerifiedRequest } from '../core/verify/types';
import type { LoadedWebhook } from '../adapters/ports';
import { readEvent, signedUrl, type HttpExchange } from './event';
import {
  DeliveryInProgressError,
  DependencyError,
  describeError,
  processDelivery,
  redactHeaders,
  type Delivery,
  type IngestDeps,
  type Mutable,
} from './pipeline';
import { accepted, handshakeAnswer, rejection, type RejectionStatus } from './responses';

const SAMPLE_INTERVAL_MS = 60_000;
const RETRY_AFTER_UNAVAILABLE = 5;

/**
 * The ingest Lambda: API Gateway proxy event → config → secrets → verify → handshake → parse →
 * rate windows → CEL → route → dedup write → queue → 202. Every refusal is logged with its reason
 * and counted; the sender sees one generic body per status.
 */
export function createIngestHandler(deps: IngestDeps) {
  const { log, metrics } = deps.telemetry;
  const lastSample = new Map<string, number>();
  const verifiedHere = new Set<string>();

  /** At most one rejection record per webhook per minute from this instance. */
  const sampleRejection = async (
    x: HttpExchange,
    webhook: WebhookConfig,
    status: RejectionStatus,
    reason: string,
    receivedAt: Date,
  ) => {
    const now = receivedAt.getTime();
    if (now - (lastSample.get(webhook.name) ?? -Infinity) < SAMPLE_INTERVAL_MS) return;
    lastSample.set(webhook.name, now);
    try {
      await deps.history.putRejection({
        webhook: webhook.name,
        receivedAt: receivedAt.toISOString(),
        status: 'rejected',
        httpStatus: status,
        reason,
        ...(x.sourceIp !== undefined && { sourceIp: x.sourceIp }),
        ...(x.userAgent !== undefined && { userAgent: x.userAgent }),
        headers: redactHeaders(x.headers, webhook),
        bodySize: x.body.length,
        bodySha256: sha256Hex(x.body),
        expiresAt: Math.floor(now / 1000) + Math.round(deps.settings.historyRetentionDays * 86400),
      });
    } catch (error) {
      log.warn('rejection not recorded', { webhook: webhook.name, error: describeError(error) });
    }
  };

  const handle = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const receivedAt = deps.clock.now();
    const x = readEvent(event);
    metrics.count(METRICS.received);
    const answer = new Answers(deps, sampleRejection, x, receivedAt);

    const size = Math.max(x.body.length, x.declaredLength ?? 0);
    if (size > deps.settings.maxBodySize) {
      return answer.reject(
        413,
        'body_too_large',
        `${size} bytes, the gateway accepts at most ${deps.settings.maxBodySize}`,
      );
    }
    if (x.webhook === undefined) return answer.reject(404, 'unknown_webhook', 'the path names no webhook');
    let loaded: LoadedWebhook | undefined;
    try {
      loaded = await deps.config.load(x.webhook);
    } catch (error) {
      return answer.unavailable('config', error);
    }
    if (!loaded) return answer.reject(404, 'unknown_webhook', `no webhook "${x.webhook}"`);
    const { config } = loaded;
    if (x.method !== 'POST') return answer.reject(405, 'method_not_allowed', `${x.method} is not POST`, config);
    if (size > config.maxBodySize) {
      return answer.reject(413, 'body_too_large', `${size} bytes, maxBodySize is ${config.maxBodySize}`, config);
    }

    const request = new InboundRequest({
      method: x.method,
      url: signedUrl(x, config.publicUrl),
      headers: x.headers,
      body: x.body,
    });
    let secrets: Map<string, SecretMaterial>;
    try {
      secrets = await loadSecrets(deps, config);
    } catch (error) {
      if (error instanceof InvalidSecretFormatError) return answer.reject(401, 'invalid_secret', error.message, config);
      return answer.unavailable('secrets', error);
    }
    const ctx: VerifyContext = { request, now: receivedAt, secrets: resolverOf(secrets) };
    let verdict;
    try {
      verdict = verifyRequest(config.verifier, ctx);
      // Awaited only when a scheme is asynchronous (JWT keys, allOf): an await suspends even on a plain value.
      if (verdict instanceof Promise) verdict = await verdict;
    } catch (error) {
      // Verifiers throw only on misuse (a config they cannot use): fail closed.
      return answer.reject(401, 'verifier_error', describeError(error), config);
    }
    if (!verdict.ok) return answer.reject(401, verdict.reason, `${verdict.scheme}: ${verdict.detail}`, config);
    metrics.count(METRICS.verified);

    if (loaded.verifiedAt === undefined && !verifiedHere.has(config.name)) {
      verifiedHere.add(config.name);
      answer.sideWork = deps.config.markVerified(config.name, receivedAt).catch((error: unknown) => {
        verifiedHere.delete(config.name);
        log.warn('verifiedAt not recorded', { webhook: config.name, error: describeError(error) });
      });
    }
    const accepted = { loaded, request, verdict };

    try {
      const handshake = answerHandshake(config.verifier, config.handshake, ctx);
      if (handshake) {
        log.info('handshake answered', { ...answer.context, scheme: verdict.scheme });
        return await answer.afterSideWork(handshakeAnswer(handshake));
      }
      const parsed = parseBody(request);
      if (!parsed.ok) {
        return await answer.afterSideWork(await answer.reject(parsed.status, parsed.reason, parsed.detail, config));
      }

      if (config.rateWindows && config.rateWindows.length > 0) {
        let decision;
        try {
          decision = await deps.rateWindows.hit(config.name, config.rateWindows, receivedAt);
        } catch (error) {
          return await answer.afterSideWork(answer.unavailable('rate_windows', error));
        }
        if (!decision.allowed) {
          metrics.count(METRICS.rateWindowExceeded);
          const detail = `a rate window is full for ${decision.retryAfterSeconds} s`;
          return await answer.afterSideWork(
            await answer.reject(429, 'rate_window_exceeded', detail, config, decision.retryAfterSeconds),
          );
        }
      }
      // A scheme that authenticates a canonical form of the body (Twilio's parameter set) gives CEL that form.
      return await answer.deliver(accepted, authenticatedInput(config.verifier, ctx) ?? parsed.input);
    } catch (error) {
      const expected = await answer.expected(error);
      if (expected) return expected;
      // Verified, then something unexpected (a bug, a body no code path expected): never a 5xx for an
      // authentic request. It is recorded as transform_failed with its body, so that it can be replayed.
      log.error('unexpected error after verification', { ...answer.context, error: describeError(error) });
      try {
        return await answer.deliver(accepted, {}, `internal_error: ${describeError(error)}`);
      } catch (again) {
        const expectedAgain = await answer.expected(again);
        if (expectedAgain) return expectedAgain;
        throw again;
      }
    }
  };

  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    try {
      return await handle(event);
    } finally {
      metrics.flush();
    }
  };
}

type SampleRejection = (
  x: HttpExchange,
  webhook: WebhookConfig,
  status: RejectionStatus,
  reason: string,
  receivedAt: Date,
) => Promise<void>;

/**
 * One request's answers. Methods rather than closures made per request: the bundle keeps function
 * names (keepNames), and naming each closure of each request costs microseconds.
 */
class Answers {
  /** Work alongside the delivery (marking the webhook verified), awaited before any answer. */
  sideWork?: Promise<void>;
  readonly context: Readonly<Record<string, string | undefined>>;

  constructor(
    private readonly deps: IngestDeps,
    private readonly sample: SampleRejection,
    private readonly x: HttpExchange,
    private readonly receivedAt: Date,
  ) {
    this.context = { webhook: x.webhook, requestId: x.requestId, sourceIp: x.sourceIp, userAgent: x.userAgent };
  }

  async reject(
    status: RejectionStatus,
    reason: string,
    detail: string,
    webhook?: WebhookConfig,
    retryAfter?: number,
  ): Promise<APIGatewayProxyResult> {
    this.deps.telemetry.log.warn('rejected', { ...this.context, status, reason, detail });
    this.deps.telemetry.metrics.count(METRICS.rejected, 1, reason);
    if (webhook) await this.sample(this.x, webhook, status, `${reason}: ${detail}`, this.receivedAt);
    return rejection(status, retryAfter);
  }

  unavailable(dependency: string, error: unknown): APIGatewayProxyResult {
    this.deps.telemetry.log.error('dependency failed', {
      ...this.context,
      status: 503,
      reason: `${dependency}_unavailable`,
      error: describeError(error),
    });
    this.deps.telemetry.metrics.count(METRICS.dependencyFailed, 1, dependency);
    return rejection(503, RETRY_AFTER_UNAVAILABLE);
  }

  async afterSideWork<T>(result: T): Promise<T> {
    await this.sideWork;
    return result;
  }

  /** The delivery processed and answered. Built by assignment: spreads with conditional members cost microseconds. */
  async deliver(
    { loaded, request, verdict }: { loaded: LoadedWebhook; request: InboundRequest; verdict: VerifiedRequest },
    input: unknown,
    failure?: string,
  ): Promise<APIGatewayProxyResult> {
    const { x } = this;
    const delivery: Mutable<Delivery> = {
      webhook: loaded,
      headers: x.headers,
      query: request.query,
      body: x.body,
      input,
      // A delivery id is a DynamoDB index key (at most 2 KB): an oversized one is hashed like a long idempotency key.
      deliveryId: normalizeIdempotencyKey(verdict.deliveryId),
      dedupKey: verdict.dedupKey,
      receivedAt: this.receivedAt,
    };
    const bound = request.stringifiedJsonBytesAtMost(input);
    if (bound !== undefined) delivery.inputJsonBytesAtMost = bound;
    if (failure !== undefined) delivery.failure = failure;
    if (x.sourceIp !== undefined) delivery.sourceIp = x.sourceIp;
    if (x.userAgent !== undefined) delivery.userAgent = x.userAgent;
    if (this.sideWork) delivery.sideWork = this.sideWork;
    const outcome = await processDelivery(this.deps, delivery);
    return accepted(outcome.deliveryId, outcome.status, loaded.config.successResponse);
  }

  /** The answers to the errors processDelivery throws on purpose: a dependency failed, or another attempt holds the delivery. */
  async expected(error: unknown): Promise<APIGatewayProxyResult | undefined> {
    if (error instanceof DependencyError) return this.afterSideWork(this.unavailable(error.dependency, error.cause));
    if (error instanceof DeliveryInProgressError) {
      // Not sampled into the history as a rejection: the request was authentic, and its delivery is recorded.
      return this.afterSideWork(
        await this.reject(503, 'delivery_in_progress', error.message, undefined, RETRY_AFTER_UNAVAILABLE),
      );
    }
    return undefined;
  }
}

/**
 * VerifyContext.secrets over the loaded map. Returned, not bound or assigned to a property: the bundle
 * keeps names (keepNames), which names a closure assigned to a name on each request, and bind is slower still.
 */
function resolverOf(secrets: Map<string, SecretMaterial>): VerifyContext['secrets'] {
  return (ref) => secrets.get(ref) ?? EMPTY_SECRET;
}

async function loadSecrets(deps: IngestDeps, config: WebhookConfig): Promise<Map<string, SecretMaterial>> {
  const refs = Object.keys(config.secrets);
  if (refs.length === 1) {
    // Most webhooks have one secret: no Promise.all, no entry arrays.
    const ref = refs[0]!;
    return new Map([[ref, await deps.secrets.get(config.secrets[ref]!, { webhook: config.name, ref })]]);
  }
  const entries = await Promise.all(
    Object.entries(config.secrets).map(
      async ([ref, location]) => [ref, await deps.secrets.get(location, { webhook: config.name, ref })] as const,
    ),
  );
  return new Map(entries);
}
