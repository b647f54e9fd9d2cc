import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROFILES, signedRequest, toApiEvent, type Profile } from '../support/schemes';
import { fuzz, FuzzTarget } from './harness';

/**
 * Mutations of validly signed requests, for every preset and scheme, through the real ingest
 * handler on dynalite and local-aws-sqs (test/fuzz/harness.ts says which properties). A short,
 * seeded slice runs here; `npm run fuzz` runs as long as asked (docs/development.md, Fuzzing).
 * FUZZ_SEED and FUZZ_RUNS (per webhook) override the slice; a failure prints its replay command.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_301);
const RUNS = Number(process.env.FUZZ_RUNS ?? 30);

let target: FuzzTarget;
beforeAll(async () => {
  target = await FuzzTarget.start();
});
afterAll(() => target?.stop());

describe('a validly signed request, unchanged', () => {
  it.each(PROFILES.map((p) => [p.name, p] as const))('%s: is accepted', async (_, profile) => {
    const now = target.gateway.clock.now();
    const response = await target.gateway.ingest(
      toApiEvent(profile.name, await signedRequest(profile, { now, nonce: `plain-${profile.name}` })),
    );
    expect(response.statusCode, response.body).toBe(202);
    expect(JSON.parse(response.body)).toMatchObject({ status: 'accepted' });
  });

  const handshake = async (profile: Profile, which: string, nonce: string) => {
    const now = target.gateway.clock.now();
    const payload = profile.handshakes![which]!(nonce, now);
    return target.gateway.ingest(toApiEvent(profile.name, await signedRequest(profile, { now, nonce, payload })));
  };

  it("answers each provider's handshake as the provider expects", async () => {
    const byName = (name: string) => PROFILES.find((p) => p.name === name)!;
    expect(await handshake(byName('slack'), 'url_verification', 'hs1')).toMatchObject({
      statusCode: 200,
      body: JSON.stringify({ challenge: 'challenge-hs1' }),
    });
    const zoom = byName('zoom');
    const encryptedToken = createHmac('sha256', zoom.secrets.default as string)
      .update('pths2')
      .digest('hex');
    expect(await handshake(zoom, 'url_validation', 'hs2')).toMatchObject({
      statusCode: 200,
      body: JSON.stringify({ plainToken: 'pths2', encryptedToken }),
    });
    expect(await handshake(byName('discord'), 'ping', 'hs3')).toMatchObject({ statusCode: 200, body: '{"type":1}' });
  });
});

describe('mutations of validly signed requests', () => {
  it.each(PROFILES.map((p, i) => [p.name, i] as const))(
    '%s: no 5xx, no hang, nothing accepted that cannot be authentic',
    async (name, i) => {
      await fuzz(target, { profiles: [name], seed: SEED + i, numRuns: RUNS, endOnFailure: true });
    },
  );

  it('keys a replay of the same signed bytes under a new unsigned id header as the original (a duplicate)', async () => {
    const idHeaders: Record<string, string> = {
      github: 'X-GitHub-Delivery',
      'allof-github': 'X-GitHub-Delivery',
      shopify: 'X-Shopify-Webhook-Id',
      linear: 'Linear-Delivery',
      twilio: 'I-Twilio-Idempotency-Token',
      'twilio-json': 'I-Twilio-Idempotency-Token',
    };
    const checked = target.stats.dedupChecked;
    for (const [name, header] of Object.entries(idHeaders)) {
      // check() sends the original, then the mutation, and fails if the copy was enqueued under a new key.
      await expect(
        target.check({
          profile: name,
          original: true,
          shape: { kind: 'plain' },
          mutations: [{ kind: 'header-set', name: header, value: 'replayed-id' }],
          delay: 0,
        }),
        name,
      ).resolves.toBeUndefined();
    }
    expect(target.stats.dedupChecked - checked).toBe(Object.keys(idHeaders).length);
  });
});
