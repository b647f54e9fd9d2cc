import { parseBody } from '../core/body';
import { HISTORY_ITEMS } from '../core/config/tables';
import { HttpHeaders } from '../core/http/headers';
import { InboundRequest } from '../core/http/request';
import { processDelivery, type DeliveryOutcome, type IngestDeps } from './pipeline';

export class ReplayError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReplayError';
  }
}

/**
 * Replays a recorded delivery: the stored raw body and (redacted) headers run through the current
 * config's CEL, routes, dedup and queue again, without verification (the original was verified).
 * The replay is a new delivery, `<deliveryId>#replay-<n>` (n counted atomically on the original),
 * whose workflow input carries `replayOf`. Signature headers are `[redacted]` and `query` is empty
 * for the replay's expressions.
 */
export async function replayDelivery(deps: IngestDeps, webhook: string, deliveryId: string): Promise<DeliveryOutcome> {
  const original = await deps.history.getDelivery(webhook, deliveryId);
  if (!original?.idempotencyKey || !original.deliveryId) {
    throw new ReplayError(`webhook "${webhook}" has no recorded delivery "${deliveryId}"`);
  }
  const body = original.body
    ? Buffer.from(original.body)
    : original.bodyRef
      ? await deps.payloads.get(original.bodyRef)
      : Buffer.alloc(0);
  const loaded = await deps.config.load(webhook);
  if (!loaded) throw new ReplayError(`webhook "${webhook}" no longer exists`);
  const headers = HttpHeaders.from(original.headers ?? {});
  const parsed = parseBody(new InboundRequest({ method: 'POST', url: 'https://replay.invalid/', headers, body }));
  if (!parsed.ok) throw new ReplayError(`the recorded body no longer parses: ${parsed.detail}`);
  const n = await deps.history.nextReplayNumber(HISTORY_ITEMS.delivery(webhook, original.idempotencyKey));
  return processDelivery(deps, {
    webhook: loaded,
    headers,
    query: {},
    body,
    input: parsed.input,
    deliveryId: original.deliveryId,
    dedupKey: original.idempotencyKey,
    receivedAt: deps.clock.now(),
    replay: { of: original, n },
  });
}
