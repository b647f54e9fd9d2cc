import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import type { QueueEntry } from '../../lambdas/adapters/ports';
import { parseSecretMaterial } from '../../lambdas/core/config/secret';
import type { LoadedWebhook } from '../../lambdas/adapters/ports';
import type { IngestDeps } from '../../lambdas/ingest/pipeline';
import { createIngestHandler } from '../../lambdas/ingest/request-handler';
import { apiEvent } from '../support/api-event';
import { RecordingTelemetry } from '../support/telemetry';

// Only the handler's own modules: nothing here installs the RE2 engine (the constructs' validation
// does, at synth), so the handler must load it for a config that calls matches(), as in Lambda.
const SECRET = 'whsec_lazy_regex_test_secret';
const stripe = new Stripe('sk_test_unused');
const target = { arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:Paid', type: 'STANDARD' } as const;

function deps(loaded: LoadedWebhook, sent: QueueEntry[]): IngestDeps {
  const material = parseSecretMaterial(SECRET);
  return {
    config: { load: async () => loaded, markVerified: async () => {} },
    secrets: { get: async () => material },
    history: {
      claim: async () => ({ claimed: true }),
      markQueued: async () => {},
      markFailed: async () => {},
    } as unknown as IngestDeps['history'],
    queue: { send: async (entries) => void sent.push(...entries) },
    payloads: { bucket: 'b', put: async (key) => ({ bucket: 'b', key }), get: async () => Buffer.alloc(0) },
    rateWindows: { hit: async () => ({ allowed: true }) },
    clock: { now: () => new Date() },
    telemetry: new RecordingTelemetry(),
    settings: {
      historyRetentionDays: 30,
      dedupRetentionDays: 90,
      ingestTimeoutSeconds: 15,
      historyBodyLimit: 65_536,
      maxBodySize: 1_000_000,
    },
  };
}

describe('ingest with a route filter that calls matches()', () => {
  it('loads the RE2 engine itself and routes by the pattern', async () => {
    const loaded: LoadedWebhook = {
      verifiedAt: '2026-01-01T00:00:00.000Z',
      config: {
        name: 'stripe',
        verifier: { type: 'stripe' },
        secrets: { default: { secretId: 'stripe' } },
        expressions: { eventKey: "'stripe:' + input.type" },
        maxBodySize: 1_000_000,
      },
      routes: [
        { id: 'customers', eventKeyPattern: 'stripe:*', filter: "input.data.object.customer.matches('^cus_')", target },
      ],
    };
    const sent: QueueEntry[] = [];
    const handler = createIngestHandler(deps(loaded, sent));
    const deliver = async (id: string, customer: string) => {
      const body = JSON.stringify({ id, type: 'invoice.paid', data: { object: { customer } } });
      const signature = stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET });
      return handler(
        apiEvent({
          webhook: 'stripe',
          body,
          headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
        }),
      );
    };

    const routed = await deliver('evt_1', 'cus_1');
    expect(routed.statusCode).toBe(202);
    expect(JSON.parse(routed.body)).toEqual({ id: 'evt_1', status: 'accepted' });
    expect(sent.map((e) => e.message.kind === 'start' && e.message.routeId)).toEqual(['customers']);

    const other = await deliver('evt_2', 'acct_1');
    expect(JSON.parse(other.body)).toEqual({ id: 'evt_2', status: 'unrouted' });
    expect(sent).toHaveLength(1);
  });
});
