import { sign } from '@octokit/webhooks-methods';
import { describe, expect, it } from 'vitest';
import type { VerifierConfig } from '../../lambdas/core/config/verifier';
import { accepted, prettyPrinted, tampered, verify } from '../helpers/verify';

const config: VerifierConfig = { type: 'github' };
const secret = "It's a Secret to Everybody";
const payload = 'Hello, World!';

async function signedHeaders(body: string, key = secret) {
  return {
    'X-Hub-Signature-256': await sign(key, body),
    'X-GitHub-Event': 'push',
    'X-GitHub-Delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    'Content-Type': 'application/json',
  };
}

describe('github preset', () => {
  it("accepts GitHub's documented test vector", async () => {
    const headers = {
      'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
      'x-github-event': 'ping',
      'x-github-delivery': 'd1',
    };
    const verdict = await verify(config, { headers, body: payload }, secret);
    expect(verdict).toMatchObject({ ok: true, deliveryId: 'd1', deliveryIdSource: 'provider', eventType: 'ping' });
  });

  it('accepts a request signed by @octokit/webhooks-methods', async () => {
    const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    const verdict = await verify(config, { headers: await signedHeaders(body), body }, secret);
    expect(verdict).toMatchObject({ ok: true, deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958', eventType: 'push' });
  });

  it('dedups on the signed body: X-GitHub-Delivery is only the label', async () => {
    const body = JSON.stringify({ action: 'opened', number: 7 });
    const first = await accepted(config, { headers: await signedHeaders(body), body }, secret);
    expect(first).toMatchObject({ deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958', dedupKeySource: 'signed-hash' });
    // The same signed body replayed with another (unsigned) delivery id: another label, the same key.
    const replayed = await accepted(
      config,
      { headers: { ...(await signedHeaders(body)), 'X-GitHub-Delivery': 'future-delivery' }, body },
      secret,
    );
    expect(replayed).toMatchObject({ deliveryId: 'future-delivery', dedupKey: first.dedupKey });
    // Another signed body: another key, whatever the delivery header says.
    const other = JSON.stringify({ action: 'opened', number: 8 });
    expect((await accepted(config, { headers: await signedHeaders(other), body: other }, secret)).dedupKey).not.toBe(
      first.dedupKey,
    );
  });

  it('accepts any active secret while rotating, and not an expired one', async () => {
    const body = '{"action":"created"}';
    const headers = await signedHeaders(body, 'old-secret');
    const rotating = { values: [{ value: 'new-secret' }, { value: 'old-secret', expiresAt: '2999-01-01T00:00:00Z' }] };
    expect((await verify(config, { headers, body }, { default: rotating })).ok).toBe(true);
    const expired = { values: [{ value: 'new-secret' }, { value: 'old-secret', expiresAt: '2000-01-01T00:00:00Z' }] };
    expect(await verify(config, { headers, body }, { default: expired })).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if one byte of the body changed', async () => {
    const body = '{"action":"created","number":1}';
    const verdict = await verify(config, { headers: await signedHeaders(body), body: tampered(body) }, secret);
    expect(verdict).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('fails if the JSON is pretty-printed with the original signature', async () => {
    const body = '{"action":"created","number":1}';
    const verdict = await verify(config, { headers: await signedHeaders(body), body: prettyPrinted(body) }, secret);
    expect(verdict).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('fails with the wrong secret', async () => {
    const body = '{}';
    expect(await verify(config, { headers: await signedHeaders(body), body }, 'another')).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('fails if the signature, event or delivery header is missing', async () => {
    const body = '{}';
    for (const name of ['X-Hub-Signature-256', 'X-GitHub-Event', 'X-GitHub-Delivery']) {
      const headers: Record<string, string> = await signedHeaders(body);
      delete headers[name];
      expect(await verify(config, { headers, body }, secret)).toMatchObject({ ok: false, reason: 'missing_header' });
    }
  });

  it('fails if only the legacy SHA-1 signature is sent', async () => {
    const body = '{}';
    const headers: Record<string, string> = await signedHeaders(body);
    delete headers['X-Hub-Signature-256'];
    headers['X-Hub-Signature'] = 'sha1=0000000000000000000000000000000000000000';
    expect(await verify(config, { headers, body }, secret)).toMatchObject({
      ok: false,
      reason: 'legacy_signature_only',
    });
  });

  it('fails on a malformed signature header', async () => {
    const body = '{}';
    for (const bad of [
      'sha1=abc',
      'sha256=',
      'sha256=zz' + 'a'.repeat(62),
      'a'.repeat(64),
      'sha256=' + 'a'.repeat(63),
    ]) {
      const headers = { ...(await signedHeaders(body)), 'X-Hub-Signature-256': bad };
      expect(await verify(config, { headers, body }, secret)).toMatchObject({ ok: false, reason: 'malformed_header' });
    }
  });

  it('fails on a signature header sent twice with different values', async () => {
    const body = '{}';
    const good = await signedHeaders(body);
    const headers = { ...good, 'X-Hub-Signature-256': [good['X-Hub-Signature-256'], 'sha256=' + '0'.repeat(64)] };
    expect(await verify(config, { headers, body }, secret)).toMatchObject({ ok: false, reason: 'ambiguous_header' });
  });

  it('fails closed when no secret is set', async () => {
    const body = '{}';
    expect(
      await verify(config, { headers: await signedHeaders(body), body }, { default: { values: [] } }),
    ).toMatchObject({
      ok: false,
      reason: 'secret_not_set',
    });
  });
});
