import { parseBody } from '../../lambdas/core/body';
import type { DeliveryRecord } from '../../lambdas/core/config/messages';
import { HttpHeaders } from '../../lambdas/core/http/headers';
import { InboundRequest } from '../../lambdas/core/http/request';
import type { PayloadStore } from '../../lambdas/adapters/ports';
import { processDelivery, type DeliveryOutcome, type IngestDeps } from '../../lambdas/ingest/pipeline';

/** A deployed delivery cannot run locally: `message` says why. */
export class ForwardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForwardError';
  }
}

/** The raw body of a deployed history item: inline, or in the payload bucket (`bodyRef`). */
export async function deployedBody(record: DeliveryRecord, payloads: Pick<PayloadStore, 'get'>): Promise<Buffer> {
  if (record.body) return Buffer.from(record.body);
  if (record.bodyRef) return payloads.get(record.bodyRef);
  if (record.bodySize) throw new ForwardError(`the history item of ${record.deliveryId} holds no body`);
  return Buffer.alloc(0);
}

/**
 * Runs a delivery the deployed gateway verified through the local pipeline, after verification,
 * as the ingest does after its verifier passed: the local app's CEL, routes, dedup and queue
 * (processDelivery on the local gateway's ports). It keeps its delivery id and idempotency key, so
 * forwarding it twice is answered `duplicate`. Headers are the stored ones (credentials
 * `[redacted]`); the query string is not stored, so `query` is empty. Received now, locally.
 */
export async function forwardDelivery(
  deps: IngestDeps,
  record: DeliveryRecord,
  body: Buffer,
): Promise<DeliveryOutcome> {
  if (!record.deliveryId || !record.idempotencyKey) {
    throw new ForwardError(`the history item received at ${record.receivedAt} has no delivery id`);
  }
  const webhook = await deps.config.load(record.webhook);
  if (!webhook) throw new ForwardError(`webhook "${record.webhook}" is not in the local app`);
  const headers = HttpHeaders.from(record.headers ?? {});
  const parsed = parseBody(new InboundRequest({ method: 'POST', url: 'https://listen.invalid/', headers, body }));
  if (!parsed.ok) throw new ForwardError(`the body does not parse locally: ${parsed.detail}`);
  return processDelivery(deps, {
    webhook,
    headers,
    query: {},
    body,
    input: parsed.input,
    deliveryId: record.deliveryId,
    dedupKey: record.idempotencyKey,
    receivedAt: deps.clock.now(),
    ...(record.sourceIp !== undefined && { sourceIp: record.sourceIp }),
    ...(record.userAgent !== undefined && { userAgent: record.userAgent }),
  });
}
