import { sign } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbPendingSweep } from '../../lambdas/adapters/dynamodb-dedup';
import type { RouteConfig, WebhookConfig } from '../../lambdas/core/config/webhook';
import type { PendingSweep, StaleMarker } from '../../lambdas/adapters/ports';
import { createSweeper, SWEEP_GRACE_SECONDS, SweepIncompleteError } from '../../lambdas/sweeper/handler';
import { ManualClock } from '../support/clock';
import { testGateway } from '../support/gateway';
import { startLocalAws, type LocalAws } from '../support/local-aws';
import { RecordingTelemetry } from '../support/telemetry';

let local: LocalAws;
beforeAll(async () => {
  local = await startLocalAws();
});
afterAll(() => local?.stop());

const SECRET = 'gh-webhook-secret';
const github: WebhookConfig = {
  name: 'github',
  verifier: { type: 'github' },
  secrets: { default: { secretId: 'github-secret' } },
  expressions: { eventKey: "'github:' + headers['x-github-event']" },
  maxBodySize: 1_000_000,
};
const routes: RouteConfig[] = [
  {
    id: 'on-push',
    eventKeyPattern: 'github:push',
    target: { arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:OnPush', type: 'STANDARD' },
  },
];

async function push(delivery: string, after: string) {
  const body = JSON.stringify({ ref: 'refs/heads/main', after });
  return {
    webhook: 'github',
    body,
    headers: {
      'Content-Type': 'application/json',
      'X-GitHub-Event': 'push',
      'X-GitHub-Delivery': delivery,
      'X-Hub-Signature-256': await sign(SECRET, body),
    },
  };
}

describe('the sweeper', () => {
  it('fails a delivery whose ingest attempt died before queuing it, so that nothing stays pending', async () => {
    const gw = await testGateway(
      local,
      { webhooks: [github], routes },
      { secrets: { 'github-secret': JSON.stringify({ values: [{ value: SECRET }] }) }, maxAttempts: 1 },
    );
    await gw.post(await push('warm', 'w')); // caches config and secret
    await gw.dispatch();
    // An attempt that dies after its claim: the queue and every later update fail.
    local.sqsServer.fail('down');
    local.dynamodbServer.fail('down', /UpdateItem$/);
    try {
      expect((await gw.post(await push('died-1', 'a'))).statusCode).toBe(503);
    } finally {
      local.sqsServer.heal();
      local.dynamodbServer.heal();
    }
    // A delivery that went through while its queued mark was lost (the dispatcher starts it).
    local.dynamodbServer.fail('down', /UpdateItem$/);
    try {
      expect((await gw.post(await push('lost-mark', 'b'))).json()).toMatchObject({ status: 'accepted' });
    } finally {
      local.dynamodbServer.heal();
    }
    await gw.dispatch();
    expect(await gw.delivery('github', 'died-1')).toMatchObject({ status: 'pending' });

    const telemetry = new RecordingTelemetry();
    const sweeper = createSweeper({
      sweep: new DynamoDbPendingSweep(local.dynamodb, gw.resources.historyTable),
      clock: gw.clock,
      telemetry,
    });
    // Within lease and grace: nothing to do.
    expect(await sweeper()).toMatchObject({ found: 0 });
    gw.clock.advance((16 + SWEEP_GRACE_SECONDS + 1) * 1000);
    // The other one's lost queued mark was repaired by the dispatcher when it started the delivery.
    expect(await sweeper()).toEqual({
      found: 1,
      outcomes: { failed: 1, queued: 0, settled: 0, cleared: 0, skipped: 0, error: 0 },
    });
    expect(telemetry.total('Interrupted')).toBe(1);
    expect(await gw.delivery('github', 'died-1')).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/^ingest_interrupted/),
    });
    expect(await gw.delivery('github', 'lost-mark')).toMatchObject({ status: 'enqueued' });
    expect(await sweeper()).toMatchObject({ found: 0 });

    // The sender's retry of the failed one is handled as new; a copy of the other is a duplicate.
    expect((await gw.post(await push('died-1', 'a'))).json()).toMatchObject({ status: 'accepted' });
    expect((await gw.post(await push('lost-mark', 'b'))).json()).toMatchObject({ status: 'duplicate' });
  });
});

describe('a sweep that cannot settle every marker', () => {
  it('settles the others, then fails the run (the Errors metric and its alarm), leaving the rest for the next run', async () => {
    const markers: StaleMarker[] = ['a', 'b', 'c'].map((k) => ({ webhook: 'github', idempotencyKey: k }));
    const settled: string[] = [];
    const sweep: PendingSweep = {
      stalePending: async () => markers,
      settle: async (marker) => {
        if (marker.idempotencyKey === 'b')
          throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        settled.push(marker.idempotencyKey);
        return 'failed';
      },
    };
    const telemetry = new RecordingTelemetry();
    const run = createSweeper({ sweep, clock: new ManualClock(), telemetry })();
    await expect(run).rejects.toThrow(SweepIncompleteError);
    await expect(run).rejects.toMatchObject({
      message: '1 of 3 stale markers could not be settled',
      summary: { found: 3, outcomes: { failed: 2, queued: 0, settled: 0, cleared: 0, skipped: 0, error: 1 } },
    });
    expect(settled.sort()).toEqual(['a', 'c']);
    expect(telemetry.total('Interrupted')).toBe(2);
    expect(telemetry.logs).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'marker not settled',
        fields: expect.objectContaining({ idempotencyKey: 'b' }),
      }),
    );
  });
});
