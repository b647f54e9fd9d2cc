import type * as Crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { VerifierConfig } from '../../lambdas/core/config/verifier';
import { accepted, verify } from '../helpers/verify';

const { timingSafeEqual } = vi.hoisted(() => ({ timingSafeEqual: vi.fn() }));
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof Crypto>();
  timingSafeEqual.mockImplementation(actual.timingSafeEqual);
  return { ...actual, timingSafeEqual };
});

// GitLab does not sign: it sends the webhook's secret token as is. Headers are as GitLab's
// WebHookService builds them.
const config: VerifierConfig = { type: 'gitlab' };
const secret = 'glwt-4f2c1b6e9d';
const body = JSON.stringify({ object_kind: 'push', ref: 'refs/heads/main', after: 'da1560886d4f094c3e6c9ef4' });

function gitlabHeaders(token = secret, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'User-Agent': 'GitLab/17.6.0',
    'Idempotency-Key': 'f0e7a0d4-6c0e-4a57-8d6e-08b1b0b7f3e1',
    'X-Gitlab-Event': 'Push Hook',
    'X-Gitlab-Webhook-UUID': 'b6b0a5a2-0f4e-4a5f-9e50-0c9d8a7f6e5d',
    'X-Gitlab-Instance': 'https://gitlab.example.com',
    'X-Gitlab-Token': token,
    'X-Gitlab-Event-UUID': '0bd4ce9e-5b6c-4b1e-bb1a-1b0b8e4d6a2c',
    ...extra,
  };
}

describe('gitlab preset', () => {
  it('accepts the secret token and shows Idempotency-Key as the delivery id', async () => {
    expect(await verify(config, { headers: gitlabHeaders(), body }, secret)).toMatchObject({
      ok: true,
      scheme: 'gitlab',
      deliveryId: 'f0e7a0d4-6c0e-4a57-8d6e-08b1b0b7f3e1',
      deliveryIdSource: 'provider',
      dedupKeySource: 'body-hash',
      eventType: 'Push Hook',
    });
  });

  it('dedups on the body: Idempotency-Key and the other headers are only labels (GitLab signs nothing)', async () => {
    const first = await accepted(config, { headers: gitlabHeaders(), body }, secret);
    const noKey = gitlabHeaders();
    delete noKey['Idempotency-Key'];
    const retry = { ...gitlabHeaders(), 'Idempotency-Key': 'another-key', 'X-Gitlab-Event-UUID': 'another-uuid' };
    expect(await accepted(config, { headers: noKey, body }, secret)).toMatchObject({
      deliveryIdSource: 'fallback',
      deliveryId: first.dedupKey,
      dedupKey: first.dedupKey,
    });
    expect(await accepted(config, { headers: retry, body }, secret)).toMatchObject({
      deliveryId: 'another-key',
      dedupKey: first.dedupKey,
    });
    const other = await accepted(config, { headers: gitlabHeaders(), body: body.replace('main', 'dev') }, secret);
    expect(other.dedupKey).not.toBe(first.dedupKey);
  });

  it('accepts any active token while rotating, and not an expired one', async () => {
    const headers = gitlabHeaders('old-token');
    const rotating = { values: [{ value: 'new-token' }, { value: 'old-token', expiresAt: '2999-01-01T00:00:00Z' }] };
    expect(await verify(config, { headers, body }, { default: rotating })).toMatchObject({ ok: true });
    const expired = { values: [{ value: 'new-token' }, { value: 'old-token', expiresAt: '2000-01-01T00:00:00Z' }] };
    expect(await verify(config, { headers, body }, { default: expired })).toMatchObject({
      ok: false,
      reason: 'credentials_mismatch',
    });
  });

  it('matches a stored token with line breaks, as GitLab strips them before sending', async () => {
    expect(await verify(config, { headers: gitlabHeaders(), body }, [`${secret}\n`])).toMatchObject({ ok: true });
  });

  it('fails with the wrong token, a prefix of it, or the token with extra characters', async () => {
    for (const token of ['another', secret.slice(0, -1), `${secret}x`, secret.toUpperCase()]) {
      expect(await verify(config, { headers: gitlabHeaders(token), body }, secret)).toMatchObject({
        ok: false,
        reason: 'credentials_mismatch',
      });
    }
  });

  it('fails a token of another length only after a constant-time comparison (its length is secret too)', async () => {
    timingSafeEqual.mockClear();
    expect(await verify(config, { headers: gitlabHeaders('x'), body }, secret)).toMatchObject({
      ok: false,
      reason: 'credentials_mismatch',
    });
    expect(timingSafeEqual).toHaveBeenCalled();
  });

  it('fails if the token is missing', async () => {
    const headers = gitlabHeaders();
    delete headers['X-Gitlab-Token'];
    expect(await verify(config, { headers, body }, secret)).toMatchObject({ ok: false, reason: 'missing_credentials' });
  });

  it('fails if X-Gitlab-Event is missing', async () => {
    const headers = gitlabHeaders();
    delete headers['X-Gitlab-Event'];
    expect(await verify(config, { headers, body }, secret)).toMatchObject({ ok: false, reason: 'missing_header' });
  });

  it('fails if the token is sent twice with different values', async () => {
    const headers = { ...gitlabHeaders(), 'X-Gitlab-Token': [secret, 'another'] };
    expect(await verify(config, { headers, body }, secret)).toMatchObject({ ok: false, reason: 'ambiguous_header' });
  });

  it('fails closed when no secret is set', async () => {
    expect(await verify(config, { headers: gitlabHeaders(), body }, { default: { values: [] } })).toMatchObject({
      ok: false,
      reason: 'secret_not_set',
    });
  });
});
