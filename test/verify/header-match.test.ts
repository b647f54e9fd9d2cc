import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { HeaderMatchVerifierConfig } from '../../lambdas/core/config/verifier';
import { sensitiveHeaders } from '../../lambdas/core/verify';
import { SchemeConfigError } from '../../lambdas/core/verify/schemes/config-error';
import { validateHeaderMatchConfig } from '../../lambdas/core/verify/schemes/header-match';
import { tampered, verify } from '../helpers/verify';

const config: HeaderMatchVerifierConfig = {
  type: 'headerMatch',
  headers: { 'X-Webhook-Token': 'tok_3b9f0c2d', 'X-Tenant': 'acme' },
};
const body = '{"object_kind":"push","ref":"refs/heads/main"}';
const good = { 'x-webhook-token': 'tok_3b9f0c2d', 'X-TENANT': 'acme' };

describe('headerMatch scheme', () => {
  it('accepts a request with every header, names in any case', async () => {
    expect(await verify(config, { headers: good, body })).toEqual({
      ok: true,
      scheme: 'headerMatch',
      deliveryId: createHash('sha256').update(`\n${body}`).digest('hex'),
      deliveryIdSource: 'fallback',
      dedupKey: createHash('sha256').update(`\n${body}`).digest('hex'),
      dedupKeySource: 'body-hash',
    });
  });

  it('does not authenticate the body: a changed body gets a different fallback delivery id', async () => {
    const original = await verify(config, { headers: good, body });
    const changed = await verify(config, { headers: good, body: tampered(body) });
    expect(changed.ok && original.ok && changed.deliveryId !== original.deliveryId).toBe(true);
  });

  it('fails if a value differs, even only in case, length or by one character', async () => {
    for (const token of ['TOK_3B9F0C2D', 'tok_3b9f0c2', 'tok_3b9f0c2dd', 'tok_3b9f0c2e', '']) {
      const headers = { ...good, 'x-webhook-token': token };
      expect(await verify(config, { headers, body }), token).toMatchObject({
        ok: false,
        reason: 'header_mismatch',
        detail: 'X-Webhook-Token does not have the expected value',
      });
    }
  });

  it('fails if only the second header differs', async () => {
    expect(await verify(config, { headers: { ...good, 'X-TENANT': 'other' }, body })).toMatchObject({
      ok: false,
      reason: 'header_mismatch',
      detail: 'X-Tenant does not have the expected value',
    });
  });

  it('fails if a header is missing', async () => {
    expect(await verify(config, { headers: { 'x-webhook-token': 'tok_3b9f0c2d' }, body })).toMatchObject({
      ok: false,
      reason: 'missing_header',
    });
  });

  it('fails if a header is sent twice with different values', async () => {
    const headers = { ...good, 'x-webhook-token': ['tok_3b9f0c2d', 'tok_other'] };
    expect(await verify(config, { headers, body })).toMatchObject({ ok: false, reason: 'ambiguous_header' });
  });

  it('fails if the config is misused', async () => {
    expect(validateHeaderMatchConfig({ type: 'headerMatch', headers: {} })).toEqual([
      'headers must name at least one header',
    ]);
    expect(validateHeaderMatchConfig({ type: 'headerMatch', headers: { 'x-a': 'x', 'X-A': 'y', 'x b': '' } })).toEqual([
      'header "X-A" is listed twice (names are case-insensitive)',
      'header "x b" is not a valid HTTP header name',
      'header "x b" needs a non-empty value',
    ]);
    await expect(verify({ type: 'headerMatch', headers: {} }, { headers: good, body })).rejects.toThrow(
      SchemeConfigError,
    );
  });

  it('redacts every matched header', () => {
    expect(sensitiveHeaders(config)).toEqual(expect.arrayContaining(['x-webhook-token', 'x-tenant']));
  });
});
