import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ApiKeyVerifierConfig } from '../../lambdas/core/config/verifier';
import { sensitiveHeaders } from '../../lambdas/core/verify';
import { SchemeConfigError } from '../../lambdas/core/verify/schemes/config-error';
import { tampered, verify } from '../helpers/verify';

const key = 'ak_live_9f2c4e8a1b7d';
const body = '{"alert":"disk_full","host":"db-1"}';
const base = 'https://hooks.example.com/webhooks/alerts';
const byHeader: ApiKeyVerifierConfig = { type: 'apiKey' };
const byQuery: ApiKeyVerifierConfig = { type: 'apiKey', queryParameter: 'api_key' };
const either: ApiKeyVerifierConfig = { type: 'apiKey', header: 'X-Alert-Token', queryParameter: 'token' };

/** The URL a client builds with URLSearchParams, as a sender's HTTP library does. */
function withQuery(params: Record<string, string>): string {
  return `${base}?${new URLSearchParams(params).toString()}`;
}

describe('apiKey scheme', () => {
  it('accepts the key in the default x-api-key header, in any case', async () => {
    const verdict = await verify(byHeader, { headers: { 'X-API-Key': key }, body }, key);
    expect(verdict).toEqual({
      ok: true,
      scheme: 'apiKey',
      deliveryId: createHash('sha256').update(`\n${body}`).digest('hex'),
      deliveryIdSource: 'fallback',
      dedupKey: createHash('sha256').update(`\n${body}`).digest('hex'),
      dedupKeySource: 'body-hash',
    });
  });

  it('accepts the key in a query parameter, URL-decoded', async () => {
    const special = 'k+y/with=chars&more';
    const url = withQuery({ source: 'monitor', api_key: special });
    expect(url).toContain('api_key=k%2By%2Fwith%3Dchars%26more');
    expect(await verify(byQuery, { url, body }, special)).toMatchObject({ ok: true });
  });

  it('accepts the key in either place when both are configured, and in both when it matches in both', async () => {
    expect(await verify(either, { headers: { 'x-alert-token': key }, body }, key)).toMatchObject({ ok: true });
    expect(await verify(either, { url: withQuery({ token: key }), body }, key)).toMatchObject({ ok: true });
    const both = { url: withQuery({ token: key }), headers: { 'x-alert-token': key }, body };
    expect(await verify(either, both, key)).toMatchObject({ ok: true });
  });

  it('accepts any active key while rotating, and not an expired one', async () => {
    const request = { headers: { 'x-api-key': 'ak_old' }, body };
    const rotating = { values: [{ value: key }, { value: 'ak_old', expiresAt: '2999-01-01T00:00:00Z' }] };
    expect(await verify(byHeader, request, { default: rotating })).toMatchObject({ ok: true });
    const expired = { values: [{ value: key }, { value: 'ak_old', expiresAt: '2000-01-01T00:00:00Z' }] };
    expect(await verify(byHeader, request, { default: expired })).toMatchObject({
      ok: false,
      reason: 'credentials_mismatch',
    });
  });

  it('does not authenticate the body: a changed body gets a different fallback delivery id', async () => {
    const original = await verify(byHeader, { headers: { 'x-api-key': key }, body }, key);
    const changed = await verify(byHeader, { headers: { 'x-api-key': key }, body: tampered(body) }, key);
    expect(changed.ok && original.ok && changed.deliveryId !== original.deliveryId).toBe(true);
  });

  it('fails with the wrong key, a prefix of it, or a key in the other case', async () => {
    for (const wrong of ['ak_live_wrong', key.slice(0, -1), `${key}0`, key.toUpperCase()]) {
      expect(await verify(byHeader, { headers: { 'x-api-key': wrong }, body }, key), wrong).toMatchObject({
        ok: false,
        reason: 'credentials_mismatch',
      });
    }
  });

  it('fails if a key sent in both places is wrong in one of them', async () => {
    const request = { url: withQuery({ token: 'stale' }), headers: { 'x-alert-token': key }, body };
    expect(await verify(either, request, key)).toMatchObject({ ok: false, reason: 'credentials_mismatch' });
  });

  it('fails if no key is sent, or only in the place that is not configured', async () => {
    expect(await verify(byHeader, { body }, key)).toMatchObject({ ok: false, reason: 'missing_credentials' });
    expect(await verify(byHeader, { headers: { 'x-api-key': '' }, body }, key)).toMatchObject({
      ok: false,
      reason: 'missing_credentials',
    });
    expect(await verify(byHeader, { url: withQuery({ 'x-api-key': key }), body }, key)).toMatchObject({
      ok: false,
      reason: 'missing_credentials',
    });
    expect(await verify(byQuery, { headers: { 'x-api-key': key }, body }, key)).toMatchObject({
      ok: false,
      reason: 'missing_credentials',
    });
  });

  it('fails if the key is sent twice with different values', async () => {
    expect(await verify(byHeader, { headers: { 'x-api-key': [key, 'other'] }, body }, key)).toMatchObject({
      ok: false,
      reason: 'ambiguous_header',
    });
    const url = `${base}?api_key=${key}&api_key=other`;
    expect(await verify(byQuery, { url, body }, key)).toMatchObject({ ok: false, reason: 'ambiguous_header' });
  });

  it('fails closed when no key is set', async () => {
    expect(await verify(byHeader, { headers: { 'x-api-key': key }, body }, { default: { values: [] } })).toMatchObject({
      ok: false,
      reason: 'secret_not_set',
    });
  });

  it('fails if the config is misused', async () => {
    const bad: ApiKeyVerifierConfig = { type: 'apiKey', header: 'x api key' };
    await expect(verify(bad, { headers: { 'x-api-key': key }, body }, key)).rejects.toThrow(SchemeConfigError);
  });

  it('redacts the key header, the default one included', () => {
    expect(sensitiveHeaders(byHeader)).toContain('x-api-key');
    expect(sensitiveHeaders(either)).toContain('x-alert-token');
    expect(sensitiveHeaders(byQuery)).not.toContain('x-api-key');
  });
});
